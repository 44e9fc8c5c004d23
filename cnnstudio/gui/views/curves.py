"""Loss, accuracy and learning-rate curves that grow while training.

Items are created once and fed with `setData` from growing numpy buffers; the long per-batch series
are clipped to view and peak-downsampled. The view sets the axis ranges itself from bounds it tracks
while appending: pyqtgraph's auto-range rescans every item on each update and made a redraw cost
about 40 ms instead of 10 on a 2-core CPU, time the training thread then waits for the GIL.
Batches are drawn raw (faint) and smoothed; validation per epoch with markers; a vertical line marks
the best epoch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from cnnstudio.core.files import write_atomic
from cnnstudio.core.training.events import BatchEnded, EpochEnded

SMOOTHING = 0.9  # exponential moving average weight for the smoothed batch curves
TRAIN, VAL = (70, 130, 230), (235, 120, 40)


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


class CurvesView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground("w")
        self.plots = {}
        for row, (name, title) in enumerate(
            (("loss", "Loss"), ("accuracy", "Accuracy"), ("lr", "Learning rate"))
        ):
            plot = self.layout_widget.addPlot(row=row, col=0, title=title)
            # No grid lines: they were half of each redraw's cost (17 ms -> 8 ms per update).
            plot.enableAutoRange(False)
            plot.setLabel("bottom", "epoch")
            plot.addLegend(offset=(-10, 10))
            self.plots[name] = plot
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)
        self.plots["lr"].setMaximumHeight(160)
        self.series: dict[str, GrowingSeries] = {}
        self.items: dict[str, pg.PlotDataItem] = {}
        faint = pg.mkPen((*TRAIN, 70), width=1)
        for metric in ("loss", "accuracy"):
            self._add(metric, "batch", faint, None)
            self._add(metric, "smoothed", pg.mkPen(TRAIN, width=2), "training")
            self._add(metric, "val", pg.mkPen(VAL, width=2), "validation", symbol="o")
        self._add("lr", "lr", pg.mkPen((90, 160, 90), width=2), None)
        dashed = pg.mkPen((40, 160, 40), style=Qt.PenStyle.DashLine)
        self.best_line = pg.InfiniteLine(angle=90, pen=dashed)
        self.best_line.setVisible(False)
        self.plots["accuracy"].addItem(self.best_line)
        self.smoothed: dict[str, float | None] = {"loss": None, "accuracy": None}
        self.epochs: list[EpochEnded] = []
        self.bounds = {"x": 1.0, "loss": 0.0, "lr": 0.0}  # largest values so far
        self.shown_bounds: dict[str, float] = {}
        self.drawn: dict[str, int] = {}  # points each item holds; only grown series are redrawn

        save_plots = QPushButton("Save plots...")
        save_plots.clicked.connect(self._save_plots)
        save_data = QPushButton("Save data (CSV)...")
        save_data.clicked.connect(self._save_csv)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(save_plots)
        buttons.addWidget(save_data)
        column = QVBoxLayout(self)
        column.addWidget(self.layout_widget)
        column.addLayout(buttons)

    def _add(self, metric: str, kind: str, pen, name: str | None, symbol=None) -> None:
        key = f"{metric}:{kind}"
        self.series[key] = GrowingSeries()
        options = {"symbol": symbol, "symbolSize": 7, "symbolBrush": VAL} if symbol else {}
        if kind == "batch":  # the dense, faint raw curve: antialiasing it is the costliest paint
            options["antialias"] = False
        item = self.plots[metric].plot(pen=pen, name=name, **options)
        if kind in ("batch", "smoothed", "lr"):  # one point per batch: long runs have many
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
        self.items[key] = item

    def clear(self) -> None:
        for series in self.series.values():
            series.count = 0
        self.smoothed = {"loss": None, "accuracy": None}
        self.epochs = []
        self.bounds = {"x": 1.0, "loss": 0.0, "lr": 0.0}
        self.shown_bounds = {}
        self.drawn = {}
        self.best_line.setVisible(False)

    def add_batches(self, batches: list[BatchEnded]) -> None:
        for event in batches:
            x = event.epoch - 1 + event.batch / event.batches_per_epoch
            for metric, value in (("loss", event.loss), ("accuracy", event.accuracy)):
                self.series[f"{metric}:batch"].append(x, value)
                previous = self.smoothed[metric]
                smooth = (
                    value if previous is None else SMOOTHING * previous + (1 - SMOOTHING) * value
                )
                self.smoothed[metric] = smooth
                self.series[f"{metric}:smoothed"].append(x, smooth)
            self.series["lr:lr"].append(x, event.lr)
            self.bounds["x"] = max(self.bounds["x"], x)
            self.bounds["loss"] = max(self.bounds["loss"], event.loss)
            self.bounds["lr"] = max(self.bounds["lr"], event.lr)

    def add_epoch(self, event: EpochEnded) -> None:
        self.epochs.append(event)
        self.series["loss:val"].append(event.epoch, event.val_loss)
        self.series["accuracy:val"].append(event.epoch, event.val_accuracy)
        self.bounds["loss"] = max(self.bounds["loss"], event.val_loss)
        self.best_line.setValue(event.best_epoch)
        self.best_line.setVisible(True)

    def show_history(self, rows: list[dict[str, float]]) -> None:
        """A past run from its metrics.csv rows: one training point per epoch (no batches are
        kept on disk), the validation points, the learning rate and the best epoch."""
        for row in rows:
            epoch = row["epoch"]
            for key, value in (
                ("loss:smoothed", row["train_loss"]),
                ("accuracy:smoothed", row["train_accuracy"]),
                ("loss:val", row["val_loss"]),
                ("accuracy:val", row["val_accuracy"]),
                ("lr:lr", row["lr"]),
            ):
                self.series[key].append(epoch, value)
            self.bounds["x"] = max(self.bounds["x"], epoch)
            self.bounds["loss"] = max(self.bounds["loss"], row["train_loss"], row["val_loss"])
            self.bounds["lr"] = max(self.bounds["lr"], row["lr"])
        if rows:
            best = max(rows, key=lambda r: (r["val_accuracy"], -r["epoch"]))
            self.best_line.setValue(best["epoch"])
            self.best_line.setVisible(True)

    def refresh(self) -> None:
        """Push new points to the plot items (called from the window's redraw timer).

        Only series that grew are handed over: validation markers change once an epoch."""
        for key, item in self.items.items():
            series = self.series[key]
            if self.drawn.get(key) != series.count:
                item.setData(*series.data())
                self.drawn[key] = series.count
        self._update_ranges()

    def _update_ranges(self) -> None:
        """Ranges in steps (whole epochs, 10% headroom) so the axes rarely need redoing."""
        wanted = {
            "x": float(np.ceil(self.bounds["x"])),
            "loss": _headroom(self.bounds["loss"]),
            "lr": _headroom(self.bounds["lr"]),
        }
        if wanted == self.shown_bounds:
            return
        self.shown_bounds = wanted
        for plot in self.plots.values():
            plot.setXRange(0, wanted["x"], padding=0.02)
        self.plots["loss"].setYRange(0, wanted["loss"], padding=0)
        self.plots["lr"].setYRange(0, wanted["lr"], padding=0)

    def _save_plots(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save plots", "curves.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.save_plots(Path(path))

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
        path, _ = QFileDialog.getSaveFileName(self, "Save data", "metrics.csv", "CSV (*.csv)")
        if path:
            self.save_csv(Path(path))

    def save_csv(self, path: Path) -> None:
        """One row per epoch, the same columns as the run folder's metrics.csv."""
        # Here, not at the top: the run folder module imports torch, which the window starts
        # without (issue 10).
        from cnnstudio.core.runs.run_folder import metrics_csv

        write_atomic(path, metrics_csv(self.epochs))


def _headroom(value: float) -> float:
    """`value` rounded up to the next step of a 1-2-5 scale, at least 10% above it."""
    if value <= 0:
        return 1.0
    target = value * 1.1
    scale = 10 ** np.floor(np.log10(target))
    return float(next(step * scale for step in (1, 2, 5, 10) if step * scale >= target))
