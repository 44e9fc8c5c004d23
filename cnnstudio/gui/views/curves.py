"""Loss, accuracy and learning-rate curves that grow while training.

Items are created once and fed with `setData` from growing numpy buffers; the long per-batch series
are clipped to view and peak-downsampled. The view sets the axis ranges itself from bounds it tracks
while appending: pyqtgraph's auto-range rescans every item on each update and made a redraw cost
about 40 ms instead of 10 on a 2-core CPU, time the training thread then waits for the GIL.
Batches are drawn raw (faint) and smoothed; validation per epoch with markers; a vertical line marks
the best epoch; a labelled dashed line marks each setting changed while the run trained ("lr 0.01
-> 0.001"). One legend sits above the plots, where it cannot cover a curve; the loss axis fits
the data; the learning rate, often flat, is a small plot shown on request.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.files import write_atomic
from cnnstudio.core.training.events import BatchEnded, EpochEnded
from cnnstudio.gui.file_dialogs import save_file
from cnnstudio.gui.glossary_links import term_tip
from cnnstudio.gui.plot_style import INK, scaled_font, style_legend, style_plot
from cnnstudio.gui.views.coach_marks import CoachMarks
from cnnstudio.gui.views.line_labels import BESIDE, stack

SMOOTHING = 0.9  # exponential moving average weight for the smoothed batch curves
Batches = dict[str, np.ndarray]  # a run's batches.csv, by column (history.read_batch_columns)
TRAIN, VAL = (70, 130, 230), (235, 120, 40)
PENS = {  # each kind of curve's colour and line width
    "batch": ((*TRAIN, 70), 1),
    "smoothed": (TRAIN, 2),
    "val": (VAL, 2),
    "lr": ((90, 160, 90), 2),
    "best": ((40, 160, 40), 2),
    "change": ((150, 60, 170), 1),
}
SYMBOL_SIZE = 7
WIDE_LEGEND_SCALE = 1.2  # larger text puts the legend in two columns, or it is cut at 1024 pixels
THICK = 2  # how many times thicker curves are drawn in presentation mode
AXIS_WIDTH = 56  # one left-axis width for every plot: their x axes line up and never jitter
LR_HEIGHT = 110  # the learning-rate plot's height when shown
SHOW_LR_SETTING = "curves/show_learning_rate"


class GrowingSeries:
    """x and y values in a numpy buffer that doubles when full."""

    def __init__(self) -> None:
        self.x = np.empty(1024)
        self.y = np.empty(1024)
        self.count = 0

    def append(self, x: float, y: float) -> None:
        if self.count == len(self.x):
            self.x = np.resize(self.x, 2 * self.count)
            self.y = np.resize(self.y, 2 * self.count)
        self.x[self.count], self.y[self.count] = x, y
        self.count += 1

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.count], self.y[: self.count]


EMPTY_BOUNDS = {"x": 1.0, "loss_low": np.inf, "loss_high": -np.inf, "lr": 0.0}


class CurvesView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground("w")
        self.plots = self._build_plots()
        self.series: dict[str, GrowingSeries] = {}
        self.items: dict[str, pg.PlotDataItem] = {}
        for metric in ("loss", "accuracy"):
            self._add(metric, "batch")
            self._add(metric, "smoothed")
            self._add(metric, "val", symbol="o")
        self._add("lr", "lr")
        self.best_line = pg.InfiniteLine(angle=90, pen=pen_of("best"))
        self.best_line.setVisible(False)
        self.plots["accuracy"].addItem(self.best_line)
        self.best_sample = pg.PlotDataItem(pen=pen_of("best"))  # the legend's sample of it
        self.legend = self._build_legend()
        self.coach_marks = CoachMarks([self.plots["loss"], self.plots["accuracy"]], self._stack)
        self.smoothed: dict[str, float | None] = {"loss": None, "accuracy": None}
        self.epochs: list[EpochEnded] = []
        self.bounds = dict(EMPTY_BOUNDS)  # extremes of the data so far
        self.shown_bounds: dict[str, tuple[float, float]] = {}
        self.drawn: dict[str, int] = {}  # points each item holds; only grown series are redrawn
        self.markers: list[tuple[float, str]] = []  # settings changed: (x, label)
        self.marker_lines: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self.text_scale, self.thick = 1.0, False
        column = QVBoxLayout(self)
        column.addWidget(self.layout_widget)
        column.addLayout(self._build_buttons())
        self.set_text_scale(1.0)

    def _build_plots(self) -> dict[str, pg.PlotItem]:
        plots = {}
        for row, (name, title) in enumerate(
            (("loss", "Loss"), ("accuracy", "Accuracy"), ("lr", "Learning rate")), start=1
        ):
            plot = self.layout_widget.addPlot(row=row, col=0, title=title)
            plot.titleLabel.setToolTip(term_tip(title))
            # No grid lines: they were half of each redraw's cost (17 ms -> 8 ms per update).
            plot.enableAutoRange(False)
            plot.setLabel("bottom", "epoch")
            plot.getAxis("bottom").setToolTip(term_tip("epoch"))
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plots[name] = plot
        plots["accuracy"].setYRange(0, 1, padding=0.02)
        plots["lr"].setMaximumHeight(LR_HEIGHT)
        return plots

    def _build_legend(self) -> pg.LegendItem:
        """One legend in a row above the plots: inside a plot it covered the curves near 1."""
        legend = pg.LegendItem(colCount=4)
        self.layout_widget.addItem(legend, row=0, col=0)
        self.layout_widget.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
        for key, name in (
            ("accuracy:smoothed", "training (smoothed)"),
            ("accuracy:batch", "each batch"),
            ("accuracy:val", "validation"),
        ):
            legend.addItem(self.items[key], name)
        legend.addItem(self.best_sample, "best epoch")
        return legend

    def _build_buttons(self) -> QHBoxLayout:
        self.show_lr = QCheckBox("Learning rate")
        self.show_lr.setToolTip(
            term_tip("learning rate", "Show the learning rate of each batch in a small plot")
        )
        self.show_lr.setChecked(bool(QSettings().value(SHOW_LR_SETTING, False, type=bool)))
        self.show_lr.toggled.connect(self._on_show_lr_toggled)
        self._place_lr_plot(self.show_lr.isChecked())
        save_plots = QPushButton("Save plots...")
        save_plots.clicked.connect(self._save_plots)
        save_data = QPushButton("Save data (CSV)...")
        save_data.clicked.connect(self._save_csv)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_lr)
        buttons.addStretch()
        buttons.addWidget(save_plots)
        buttons.addWidget(save_data)
        return buttons

    def _add(self, metric: str, kind: str, symbol: str | None = None) -> None:
        key = f"{metric}:{kind}"
        self.series[key] = GrowingSeries()
        options = {"symbol": symbol, "symbolSize": SYMBOL_SIZE, "symbolBrush": VAL}
        if not symbol:
            options = {}
        if kind == "batch":  # the dense, faint raw curve: antialiasing it is the costliest paint
            options["antialias"] = False
        item = self.plots[metric].plot(pen=pen_of(kind), **options)
        if kind in ("batch", "smoothed", "lr"):  # one point per batch: long runs have many
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
        self.items[key] = item

    def set_text_scale(self, scale: float) -> None:
        """Axis text, titles and legend at `scale` times the application's font size."""
        for plot in self.plots.values():
            style_plot(plot, scale)
            plot.getAxis("left").setWidth(round(AXIS_WIDTH * scale))
        self.plots["lr"].setMaximumHeight(round(LR_HEIGHT * scale))
        style_legend(self.legend, scale)
        self.legend.setColumnCount(4 if scale <= WIDE_LEGEND_SCALE else 2)
        self.text_scale = scale
        for plot, line in self.marker_lines:
            if plot is self.plots["loss"]:  # the one labelled
                line.label.setFont(scaled_font(scale))

    def set_thick_lines(self, thick: bool) -> None:
        """Curves and markers `THICK` times thicker, to be seen from the back of a room. The
        faint per-batch curve stays thin: it is the dense one, and the costliest to draw."""
        times = THICK if thick else 1
        for key, item in self.items.items():
            kind = key.split(":")[1]
            if kind != "batch":
                item.setPen(pen_of(kind, times))
            if item.opts["symbol"]:
                item.setSymbolSize(SYMBOL_SIZE * times)
        self.best_line.setPen(pen_of("best", times))
        self.best_sample.setPen(pen_of("best", times))
        self.thick = thick
        for _plot, line in self.marker_lines:
            line.setPen(pen_of("change", times))

    def clear(self) -> None:
        for series in self.series.values():
            series.count = 0
        self.smoothed = {"loss": None, "accuracy": None}
        self.epochs = []
        self.bounds = dict(EMPTY_BOUNDS)
        self.shown_bounds = {}
        self.drawn = {}
        self.best_line.setVisible(False)
        for plot, line in self.marker_lines:
            plot.removeItem(line)
        self.markers, self.marker_lines = [], []

    def add_marker(self, x: float, label: str) -> None:
        """A dashed vertical line at `x` (in epochs, as the batch curves) on every plot, labelled
        on the loss plot: a setting changed there ("lr 0.01 -> 0.001")."""
        self.markers.append((x, label))
        for name, plot in self.plots.items():
            line = pg.InfiniteLine(
                pos=x,
                angle=90,
                pen=pen_of("change", THICK if self.thick else 1),
                label=label if name == "loss" else None,
                labelOpts={
                    "anchors": BESIDE,
                    "color": INK,
                    "fill": (255, 255, 255, 210),
                },
            )
            if name == "loss":
                line.label.setFont(scaled_font(self.text_scale))
            line.setToolTip(f"Changed while it trained: {label}")
            plot.addItem(line)
            self.marker_lines.append((plot, line))
        self._stack()

    def _stack(self) -> None:
        """Labels of changes and of the coach's notes take turns at their heights."""
        changes = [line for plot, line in self.marker_lines if plot is self.plots["loss"]]
        stack(changes + self.coach_marks.labelled)

    def add_batches(self, batches: list[BatchEnded]) -> None:
        for event in batches:
            x = event.epoch - 1 + event.batch / event.batches_per_epoch
            self._add_batch(x, event.loss, event.accuracy, event.lr)

    def _add_batch(self, x: float, loss: float, accuracy: float, lr: float) -> None:
        for metric, value in (("loss", loss), ("accuracy", accuracy)):
            self.series[f"{metric}:batch"].append(x, value)
            previous = self.smoothed[metric]
            smooth = value if previous is None else SMOOTHING * previous + (1 - SMOOTHING) * value
            self.smoothed[metric] = smooth
            self.series[f"{metric}:smoothed"].append(x, smooth)
        self.series["lr:lr"].append(x, lr)
        self.bounds["x"] = max(self.bounds["x"], x)
        self._include_loss(loss)
        self.bounds["lr"] = max(self.bounds["lr"], lr)

    def add_epoch(self, event: EpochEnded) -> None:
        self.epochs.append(event)
        self.series["loss:val"].append(event.epoch, event.val_loss)
        self.series["accuracy:val"].append(event.epoch, event.val_accuracy)
        self._include_loss(event.val_loss)
        self.best_line.setValue(event.best_epoch)
        self.best_line.setVisible(True)

    def show_history(self, rows: list[dict[str, float]], batches: Batches | None = None) -> None:
        """A past run from its metrics.csv rows and batches.csv columns, drawn as the live run
        was: each batch, smoothed, the learning rate, the validation points and the best epoch.
        A run from before batches were kept has one training point per epoch."""
        per_batch = self._show_batches(batches)
        for row in rows:
            points = {"loss:val": row["val_loss"], "accuracy:val": row["val_accuracy"]}
            if not per_batch:
                points |= {"loss:smoothed": row["train_loss"], "lr:lr": row["lr"]}
                points["accuracy:smoothed"] = row["train_accuracy"]
            for key, value in points.items():
                self.series[key].append(row["epoch"], value)
            self.bounds["x"] = max(self.bounds["x"], row["epoch"])
            self._include_loss(row["train_loss"])
            self._include_loss(row["val_loss"])
            self.bounds["lr"] = max(self.bounds["lr"], row["lr"])
        if rows:
            best = max(rows, key=lambda r: (r["val_accuracy"], -r["epoch"]))
            self.best_line.setValue(best["epoch"])
            self.best_line.setVisible(True)

    def _show_batches(self, batches: Batches | None) -> bool:
        """Draw a past run's batches (False if it kept none), placed as the live run's were."""
        if batches is None or not len(batches["step"]):
            return False
        per_epoch = batches["batch"].max()  # a stopped run's last epoch may be cut short
        places = batches["epoch"] - 1 + batches["batch"] / per_epoch
        columns = [batches[name].tolist() for name in ("loss", "accuracy", "lr")]
        for x, loss, accuracy, lr in zip(places.tolist(), *columns, strict=True):
            self._add_batch(x, loss, accuracy, lr)
        return True

    def refresh(self) -> None:
        """Push new points to the plot items (called from the window's redraw timer).

        Only series that grew are handed over: validation markers change once an epoch."""
        for key, item in self.items.items():
            if key == "lr:lr" and not self.show_lr.isChecked():
                continue  # drawn when shown
            series = self.series[key]
            if self.drawn.get(key) != series.count:
                item.setData(*series.data())
                self.drawn[key] = series.count
        self._update_ranges()

    def _include_loss(self, loss: float) -> None:
        if np.isfinite(loss):  # a diverged run's NaN or inf would leave no range to draw
            self.bounds["loss_low"] = min(self.bounds["loss_low"], loss)
            self.bounds["loss_high"] = max(self.bounds["loss_high"], loss)

    def _update_ranges(self) -> None:
        """Ranges in steps (whole epochs, 1-2-5 units) so the axes rarely need redoing."""
        wanted = {
            "x": (0.0, float(np.ceil(self.bounds["x"]))),
            "loss": fitted_range(self.bounds["loss_low"], self.bounds["loss_high"]),
            "lr": (0.0, _headroom(self.bounds["lr"])),
        }
        if wanted == self.shown_bounds:
            return
        self.shown_bounds = wanted
        for plot in self.plots.values():
            plot.setXRange(*wanted["x"], padding=0.02)
        self.plots["loss"].setYRange(*wanted["loss"], padding=0)
        self.plots["lr"].setYRange(*wanted["lr"], padding=0)

    def _on_show_lr_toggled(self, shown: bool) -> None:
        QSettings().setValue(SHOW_LR_SETTING, shown)
        self._place_lr_plot(shown)

    def _place_lr_plot(self, shown: bool) -> None:
        """Out of the layout when hidden: a hidden plot would still hold its share of height."""
        plot, layout = self.plots["lr"], self.layout_widget.ci
        if shown and plot not in layout.items:
            layout.addItem(plot, row=len(self.plots), col=0)
            self.shown_bounds = {}  # set its ranges at the next refresh
        elif not shown and plot in layout.items:
            layout.removeItem(plot)

    def _save_plots(self) -> None:
        path = save_file(self, "Save plots", "curves.png", "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.save_plots(path)

    def save_plots(self, path: Path) -> None:
        """PNG through pyqtgraph's exporter; SVG through Qt's own generator (pyqtgraph's SVG
        exporter fails on the path data current Qt writes)."""
        scene = self.layout_widget.scene()
        if path.suffix.lower() != ".svg":
            pg.exporters.ImageExporter(scene).export(str(path))
            return
        area = scene.itemsBoundingRect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(area.size().toSize())
        generator.setViewBox(area)
        generator.setTitle("cnnstudio training curves")
        painter = QPainter(generator)
        scene.render(painter, area, area)
        painter.end()

    def _save_csv(self) -> None:
        path = save_file(self, "Save data", "metrics.csv", "CSV (*.csv)")
        if path:
            self.save_csv(path)

    def save_csv(self, path: Path) -> None:
        """One row per epoch, the same columns as the run folder's metrics.csv."""
        # Here, not at the top: the run folder module imports torch, which the window starts
        # without (issue 10).
        from cnnstudio.core.runs.run_folder import metrics_csv

        write_atomic(path, metrics_csv(self.epochs))


def pen_of(kind: str, times: int = 1) -> QPen:
    """The pen of a kind of curve (see PENS), `times` as thick; the best epoch's and the
    changes' are dashed."""
    colour, width = PENS[kind]
    style = Qt.PenStyle.DashLine if kind in ("best", "change") else Qt.PenStyle.SolidLine
    return pg.mkPen(colour, width=width * times, style=style)


def fitted_range(low: float, high: float) -> tuple[float, float]:
    """[low, high] widened to whole units of a 1-2-5 scale, each about an eighth of the span."""
    if low > high:  # no data yet
        return 0.0, 1.0
    span = max(high - low, 0.1 * abs(high))  # one value alone still gets a range around it
    if span == 0:
        return low, low + 1.0
    unit = _nice_step(span / 8)
    bottom, top = np.floor(low / unit), np.ceil(high / unit)
    return float(bottom * unit), float(max(top, bottom + 1) * unit)


def _headroom(value: float) -> float:
    """`value` rounded up to the next step of a 1-2-5 scale, at least 10% above it."""
    return _nice_step(value * 1.1) if value > 0 else 1.0


def _nice_step(value: float) -> float:
    """The smallest number of the 1-2-5 scale (..., 0.1, 0.2, 0.5, 1, 2, ...) >= `value`."""
    scale = 10 ** np.floor(np.log10(value))
    return float(next(step * scale for step in (1, 2, 5, 10) if step * scale >= value))
