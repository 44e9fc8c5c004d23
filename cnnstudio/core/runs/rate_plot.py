"""The learning-rate range test as a picture: loss against rate on a log axis, the suggestion
marked. matplotlib's Agg canvas, imported only when a plot is drawn (as in report.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from cnnstudio.core.files import write_atomic
from cnnstudio.core.runs.report import TRAIN, VAL
from cnnstudio.core.training.lr_find import RateTest

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def rate_plot_png(test: RateTest) -> bytes:
    """The curve of `test` as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(rate_figure(test)).print_figure(buffer, format="png", dpi=120)
    return buffer.getvalue()


def rate_figure(test: RateTest) -> Figure:
    """The curve of `test`: each batch's loss faint, the smoothed loss strong, the telling
    losses in view."""
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
    # The last batch or two may be a hundred times the rest: show the range that tells.
    low, high = test.loss_range()
    axes.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    axes.set(xlabel="learning rate", ylabel="training loss", title="Learning-rate range test")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return figure


def write_rate_plot(test: RateTest, path: Path) -> None:
    """Save the picture at `path` (written whole or not at all)."""
    write_atomic(path, rate_plot_png(test))
