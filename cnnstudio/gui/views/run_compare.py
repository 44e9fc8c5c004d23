"""The comparison of the runs selected in the Runs tab.

One run: its loss and accuracy batch by batch (faint), smoothed, and its validation points. Two:
both overlaid, beside a table of only the settings they differ in. More: a scatter of a chosen
setting against each run's best validation accuracy (run_scatter.py). The per-batch curves come
from each run folder's batches.csv; a run trained before those were kept shows its validation
points, and a note says so.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.compare import settings_diff
from cnnstudio.core.runs.history import RunRecord, read_batch_columns
from cnnstudio.core.runs.labels import run_name
from cnnstudio.core.training.changes import read_changes
from cnnstudio.gui.plot_style import style_plot
from cnnstudio.gui.views.curves import SMOOTHING
from cnnstudio.gui.views.line_labels import BESIDE, stack
from cnnstudio.gui.views.run_scatter import SettingScatter
from cnnstudio.gui.widgets import ElidedLabel

log = logging.getLogger(__name__)

HINT = "Select runs above to compare them: one for its curves, two side by side, more in a scatter"
RUN_COLOURS = ((70, 130, 230), (215, 75, 50))  # the first and the second run
FAINT = 60  # alpha of the raw per-batch curves
SYMBOL_SIZE = 7
MOST_ROWS = 4  # settings shown without scrolling above the plots

Batches = dict[str, np.ndarray]  # batches.csv's columns
NO_BATCHES: Batches = {}


class RunComparison(QWidget):
    """Curves, differences or a scatter of the selected runs, as many as are selected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = QLabel(HINT)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.differences = self._build_table()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        # No titles and no legend inside: the area under the runs table is low at 1024x768.
        self.plots = {
            metric: self.graphics.addPlot(row=0, col=column)
            for column, metric in enumerate(("loss", "accuracy"))
        }
        for metric, plot in self.plots.items():
            plot.setLabel("left", metric)
            plot.setLabel("bottom", "epoch")
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)
        self.key = QLabel()  # which colour is which run, and what faint lines and dots are
        self.key.setMinimumWidth(1)  # a long name wraps rather than widening the window
        self.key.setWordWrap(True)
        self.note = ElidedLabel()
        self.scatter = SettingScatter()
        self.pages = QStackedWidget()
        for page in (self.hint, self._curves_page(), self.scatter):
            self.pages.addWidget(page)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.pages)
        self.records: list[RunRecord] = []
        self.thick = False
        self.scale = 1.0
        self.cache: dict[tuple[Path, int, int], Batches] = {}
        self.smooth_curves: list[pg.PlotDataItem] = []  # each run's smoothed loss, accuracy
        self.markers: list[pg.InfiniteLine] = []  # settings changed while a run trained

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, 3)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setToolTip("The settings in which the two selected runs differ, and only those")
        header.sectionResized.connect(lambda *_: self._elide_headers())
        return table

    def _elide_headers(self) -> None:
        """Each run's name shortened in the middle to its column's width (two runs of one name
        differ at their ends); the full name is in the tooltip."""
        table = self.differences
        metrics = table.horizontalHeader().fontMetrics()
        for column in (1, 2):
            item = table.horizontalHeaderItem(column)
            if item is not None:
                room = table.horizontalHeader().sectionSize(column) - 2 * metrics.averageCharWidth()
                shown = metrics.elidedText(item.toolTip(), Qt.TextElideMode.ElideMiddle, room)
                if shown != item.text():
                    item.setText(shown)

    def _curves_page(self) -> QWidget:
        """The settings that differ above the plots: a row per setting, the runs' values side
        by side over the whole width (beside the plots they were cut at 1024x768)."""
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.differences)
        column.addWidget(self.key)
        column.addWidget(self.graphics, 1)
        column.addWidget(self.note)
        return page

    def show_runs(self, records: list[RunRecord]) -> None:
        """Compare `records`: the hint for none, curves for one or two, a scatter for more."""
        self.records = list(records)
        names = shown_names(records)
        if not records:
            self.pages.setCurrentWidget(self.hint)
        elif len(records) <= 2:
            self._show_differences(records, names)
            self._draw_curves(records, names)
            self.pages.setCurrentIndex(1)
        else:
            self.scatter.show_runs(records, names)
            self.pages.setCurrentWidget(self.scatter)

    def _show_differences(self, records: list[RunRecord], names: list[str]) -> None:
        table = self.differences
        table.setVisible(len(records) == 2)
        if len(records) != 2:
            return
        rows = [(d.setting, d.first, d.second) for d in settings_diff(*records)]
        table.setHorizontalHeaderItem(0, QTableWidgetItem("setting"))
        for index, name in enumerate(names, 1):  # in the run's colour, as in the plots' key
            header = QTableWidgetItem(name)
            header.setForeground(QColor(*RUN_COLOURS[index - 1]))
            header.setToolTip(name)
            table.setHorizontalHeaderItem(index, header)
        table.setRowCount(max(1, len(rows)))
        for index, values in enumerate(rows or [("none differs", "", "")]):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                table.setItem(index, column, item)
        self._elide_headers()
        # As high as its rows, up to MOST_ROWS; more scroll.
        shown = min(table.rowCount(), MOST_ROWS)
        table.setFixedHeight(
            table.horizontalHeader().sizeHint().height()
            + sum(table.rowHeight(row) for row in range(shown))
            + 2 * table.frameWidth()
        )

    def _draw_curves(self, records: list[RunRecord], names: list[str]) -> None:
        for plot in self.plots.values():
            plot.clear()
        self.smooth_curves = []
        self.markers = []
        missing = []
        used = {}
        for index, (record, name) in enumerate(zip(records, names, strict=True)):
            colour = RUN_COLOURS[index]
            key, batches = self._batches(record)
            if batches:
                used[key] = batches
                self._draw_batches(batches, colour)
            else:
                missing.append(name)
            self._draw_validation(record, colour)
            self._draw_changes(record, batches, colour)
        self.cache = used  # only what is shown stays in memory
        self.key.setText(run_key(names))
        self.note.setText(
            f"No per-batch curve for {', '.join(missing)} (trained before batches.csv was "
            "kept): validation points only"
        )
        self.note.setVisible(bool(missing))
        self.set_text_scale(self.scale)

    def _batches(self, record: RunRecord) -> tuple[tuple[Path, int, int], Batches]:
        """The run's batches.csv (none if it has no rows), read again only when it changed."""
        path = record.folder / "batches.csv"
        try:
            stat = path.stat()
        except OSError:
            return (path, 0, 0), NO_BATCHES
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self.cache:
            try:
                columns = read_batch_columns(record.folder)
            except CnnstudioError:
                log.warning("could not read %s", path, exc_info=True)
                columns = NO_BATCHES
            self.cache[key] = columns if len(columns.get("step", ())) else NO_BATCHES
        return key, self.cache[key]

    def _draw_batches(self, batches: Batches, colour: tuple[int, int, int]) -> None:
        x = batch_positions(batches)
        times = 2 if self.thick else 1
        for metric, plot in self.plots.items():
            y = batches[metric]
            raw = plot.plot(x, y, pen=pg.mkPen((*colour, FAINT), width=1), antialias=False)
            smooth = plot.plot(x, smoothed(y), pen=pg.mkPen(colour, width=2 * times))
            for item in (raw, smooth):  # long runs have many points
                item.setClipToView(True)
                item.setDownsampling(auto=True, method="peak")
            self.smooth_curves.append(smooth)

    def _draw_validation(self, record: RunRecord, colour: tuple[int, int, int]) -> None:
        """Validation points at each epoch's end, joined by a dashed line."""
        epochs = [row["epoch"] for row in record.epochs]
        times = 2 if self.thick else 1
        for metric, plot in self.plots.items():
            values = [row[f"val_{metric}"] for row in record.epochs]
            plot.plot(
                epochs,
                values,
                pen=pg.mkPen(colour, width=times, style=Qt.PenStyle.DashLine),
                symbol="o",
                symbolSize=SYMBOL_SIZE * times,
                symbolBrush=colour,
            )

    def _draw_changes(
        self, record: RunRecord, batches: Batches, colour: tuple[int, int, int]
    ) -> None:
        """A labelled vertical line where each setting was changed while the run trained
        ("lr 0.01 -> 0.001"), at the first batch that used the new value."""
        steps = batches["step"].tolist() if batches else []
        places = dict(zip(steps, batch_positions(batches).tolist(), strict=True))
        for change in read_changes(record.folder):
            # Without batches.csv, or a change in a batch not kept: the start of its epoch.
            x = places.get(change.step, change.epoch - 1)
            for metric, plot in self.plots.items():
                line = pg.InfiniteLine(
                    x,
                    angle=90,
                    pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine),
                    label=change.label if metric == "loss" else None,
                    labelOpts={"color": colour, "anchors": BESIDE},
                )
                plot.addItem(line)
                self.markers.append(line)
        loss_plot = self.plots["loss"]
        stack(line for line in self.markers if line.getViewBox() is loss_plot.vb)  # labelled

    def set_text_scale(self, scale: float) -> None:
        """Axes, titles and legend at `scale` times the application's font size."""
        self.scale = scale
        for plot in self.plots.values():
            style_plot(plot, scale)
        self.scatter.set_text_scale(scale)

    def set_thick_lines(self, thick: bool) -> None:
        """Curves twice as thick, with larger markers (presentation mode)."""
        self.thick = thick
        self.scatter.set_thick_lines(thick)
        self.show_runs(self.records)


def shown_names(records: list[RunRecord]) -> list[str]:
    """The runs' names; two runs of one name (the default names of runs that differ only in a
    setting) are told apart by their folders."""
    names = [run_name(record) for record in records]
    return [
        f"{name} ({record.folder.name})" if names.count(name) > 1 else name
        for name, record in zip(names, records, strict=True)
    ]


def run_key(names: list[str]) -> str:
    """The plots' key, as rich text: a square in each run's colour before its name."""
    runs = "&nbsp;&nbsp;".join(
        f'<span style="color: rgb{RUN_COLOURS[i]}">&#9632;</span>&nbsp;{html.escape(name)}'
        for i, name in enumerate(names)
    )
    return f"{runs}&nbsp;&nbsp;&nbsp;<i>faint: each batch, line: smoothed, dots: validation</i>"


def batch_positions(batches: Batches) -> np.ndarray:
    """Each batch's place on an epoch axis: epoch 2's 3rd of 10 batches at 1.3."""
    if not batches:
        return np.zeros(0)
    epochs = batches["epoch"].astype(int)
    per_epoch = np.zeros(epochs.max() + 1)  # each epoch's number of batches
    np.maximum.at(per_epoch, epochs, batches["batch"])
    return epochs - 1 + batches["batch"] / per_epoch[epochs]


def smoothed(values: np.ndarray) -> np.ndarray:
    """The exponential moving average the live curves draw (SMOOTHING), started at the first."""
    out = np.empty_like(values)
    level = values[0] if len(values) else 0.0
    for index, value in enumerate(values):
        level = SMOOTHING * level + (1 - SMOOTHING) * value
        out[index] = level
    return out
