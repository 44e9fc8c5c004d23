"""The learning-rate range test as a picture: loss against rate on a log axis, the suggestion
marked. matplotlib's Agg canvas, imported only when a plot is drawn (as in report.py)."""

from __future__ import annotations

import io
from pathlib import Path

from cnnstudio.core.files import write_atomic
from cnnstudio.core.runs.report import TRAIN, VAL
from cnnstudio.core.training.lr_find import RateTest


def rate_plot_png(test: RateTest) -> bytes:
    """The curve of `test` as PNG bytes: each batch's loss faint, the smoothed loss strong."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.subplots()
    axes.plot(test.rates, test.losses, color=TRAIN, alpha=0.3, linewidth=1, label="loss")
    axes.plot(test.rates, test.smoothed, color=TRAIN, linewidth=2, label="smoothed loss")
    if test.suggestion is not None:
        axes.axvline(test.suggestion, color=VAL, linestyle="--", linewidth=1.5)
        axes.plot(
            [test.suggestion],
            [test.smoothed[test.rates.index(test.suggestion)]],
            "o",
            color=VAL,
            label=f"suggested: {test.suggestion:.2g}",
        )
    axes.set_xscale("log")
    # The last batches' raw losses may be thousands: keep the smoothed curve readable.
    top = max(test.smoothed, default=1.0)
    axes.set_ylim(min(test.losses, default=0.0) * 0.95, top * 1.1)
    axes.set(xlabel="learning rate", ylabel="training loss", title="Learning-rate range test")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_figure(buffer, format="png", dpi=120)
    return buffer.getvalue()


def write_rate_plot(test: RateTest, path: Path) -> None:
    """Save the picture at `path` (written whole or not at all)."""
    write_atomic(path, rate_plot_png(test))
