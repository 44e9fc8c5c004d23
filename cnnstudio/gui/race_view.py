"""A race's curves: every variant's training loss (each batch, smoothed) and validation accuracy
(each epoch) growing together, one colour per variant, and the ranking once the race ends.

Shown in the Curves tab in place of the run's curves, with a link back to them. Like the run's
curves, items are made once and fed with `setData`, and the axes' ranges are set from bounds
kept while appending (pyqtgraph's auto-range rescans every item on each redraw).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.runs.ranking import RANKING_COLUMNS, RaceEntry, ranked, ranking_rows
from cnnstudio.core.spec.variants import short_name, show_setting
from cnnstudio.core.training.events import BatchEnded, EpochEnded
from cnnstudio.gui.plot_style import style_legend, style_plot
from cnnstudio.gui.views.curves import SMOOTHING, SYMBOL_SIZE, THICK, GrowingSeries

# Okabe and Ito's colours: told apart with the common colour blindnesses too.
COLOURS = (
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (213, 94, 0),
    (86, 180, 233),
)
SHOWN_COLUMNS = RANKING_COLUMNS[:-1]  # the folder is the row's tooltip: paths are long
LEGEND_WIDE = 16  # labels longer than this (characters) go two to a row, else three
BACK_LINK = '<a href="back">Back to the run\'s curves</a>'
FORWARD_LINK = '<a href="race">Show the race\'s curves</a>'


def curves_page(curves: QWidget, race: RaceView) -> QStackedWidget:
    """The Curves tab's page: the run's curves (under a link to the race's, once there was a
    race), or the race's (with a link back)."""
    run_page = QWidget()
    column = QVBoxLayout(run_page)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(race.forward_link, 0, Qt.AlignmentFlag.AlignRight)
    column.addWidget(curves, 1)
    page = QStackedWidget()
    page.addWidget(run_page)
    page.addWidget(race)
    race.back_requested.connect(lambda: page.setCurrentIndex(0))
    race.forward_link.linkActivated.connect(lambda _link: page.setCurrentWidget(race))
    return page


class RaceView(QWidget):
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.forward_link = QLabel(FORWARD_LINK)  # placed above the run's curves
        self.forward_link.hide()  # until a race starts
        self.title = QLabel("Race")
        back = QLabel(BACK_LINK)
        back.setToolTip("Show the curves of the run trained last, or shown from the Runs tab")
        back.linkActivated.connect(lambda _link: self.back_requested.emit())
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(back)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.legend = pg.LegendItem(colCount=3)
        self.graphics.addItem(self.legend, row=0, col=0, colspan=2)
        # Side by side: stacked, with the ranking under them at 1024x768, each was ~80 px high
        self.plots = {
            "loss": self._plot(0, "Training loss (smoothed)"),
            "accuracy": self._plot(1, "Validation accuracy"),
        }
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)
        self.ranking = QTableWidget(0, len(SHOWN_COLUMNS))
        # Two-line headers ("best\nepoch"): narrow number columns leave the variant's its room.
        self.ranking.setHorizontalHeaderLabels(
            [name.replace(" ", "\n", 1) for name in SHOWN_COLUMNS]
        )
        self.ranking.verticalHeader().hide()
        # The columns fit the tab's width: the variant's takes what the numbers leave.
        columns = self.ranking.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        columns.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.ranking.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.ranking.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.ranking.hide()
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.graphics, 1)
        column.addWidget(self.ranking)
        self.losses: list[GrowingSeries] = []
        self.accuracies: list[GrowingSeries] = []
        self.items: list[tuple[pg.PlotDataItem, pg.PlotDataItem]] = []
        self.smoothed: list[float | None] = []
        self.labels: list[str] = []
        self.thick = False
        self.set_text_scale(1.0)

    def _plot(self, col: int, title: str) -> pg.PlotItem:
        plot = self.graphics.addPlot(row=1, col=col, title=title)
        plot.enableAutoRange(False)
        plot.setLabel("bottom", "epoch")
        return plot

    def start(self, labels: Sequence[str]) -> None:
        """A new race of variants named `labels`: one colour each, in the legend."""
        for loss, accuracy in self.items:
            self.plots["loss"].removeItem(loss)
            self.plots["accuracy"].removeItem(accuracy)
        self.legend.clear()
        self._show_legend(True)
        self.labels = list(labels)
        self.legend.setColumnCount(3 if max(map(len, labels), default=0) <= LEGEND_WIDE else 2)
        self.items, self.smoothed = [], [None] * len(labels)
        self.losses = [GrowingSeries() for _ in labels]
        self.accuracies = [GrowingSeries() for _ in labels]
        for index, label in enumerate(labels):
            loss = self.plots["loss"].plot(pen=self._pen(index))
            loss.setClipToView(True)
            loss.setDownsampling(auto=True, method="peak")
            accuracy = self.plots["accuracy"].plot(
                pen=self._pen(index), symbol="o", symbolBrush=COLOURS[index], symbolPen=None
            )
            accuracy.setSymbolSize(SYMBOL_SIZE * (THICK if self.thick else 1))
            self.items.append((loss, accuracy))
            self.legend.addItem(loss, label)
        self.title.setText(f"Race of {len(labels)} variants")
        self.forward_link.show()
        self.ranking.hide()
        self.refresh()

    def add_batches(self, index: int, batches: Sequence[BatchEnded]) -> None:
        for batch in batches:
            before = self.smoothed[index]
            smoothed = (
                batch.loss if before is None else SMOOTHING * before + (1 - SMOOTHING) * batch.loss
            )
            self.smoothed[index] = smoothed
            x = batch.epoch - 1 + batch.batch / batch.batches_per_epoch
            self.losses[index].append(x, smoothed)

    def add_epoch(self, index: int, event: EpochEnded) -> None:
        self.accuracies[index].append(event.epoch, event.val_accuracy)

    def refresh(self) -> None:
        """Draw what came since the last refresh, and fit the axes to it."""
        right, low, high = 1.0, np.inf, -np.inf
        for (loss, accuracy), losses, accuracies in zip(
            self.items, self.losses, self.accuracies, strict=True
        ):
            x, y = losses.data()
            loss.setData(x, y)
            accuracy.setData(*accuracies.data())
            if losses.count:
                right = max(right, float(x[-1]))
                low, high = min(low, float(y.min())), max(high, float(y.max()))
        for plot in self.plots.values():
            plot.setXRange(0, np.ceil(right), padding=0.02)
        if np.isfinite(low) and np.isfinite(high):
            self.plots["loss"].setYRange(low, max(high, low + 1e-3), padding=0.05)

    def show_ranking(self, entries: Sequence[RaceEntry]) -> None:
        """The results, best validation accuracy first, each variant in its colour (the table
        takes the legend's place, leaving the plots more room)."""
        rows = ranking_rows(entries)
        ordered = ranked(entries)
        self.ranking.setRowCount(len(rows))
        # The variant's values only ("adam, 0.01"), its settings' names in the header: the
        # column stays narrow enough to read in presentation mode's large text.
        names = ", ".join(short_name(path) for path in ordered[0].variant.settings)
        self.ranking.setHorizontalHeaderItem(1, QTableWidgetItem(names))
        for row, (entry, cells) in enumerate(zip(ordered, rows, strict=True)):
            values = ", ".join(map(show_setting, entry.variant.settings.values()))
            for column, text in enumerate(cells[: len(SHOWN_COLUMNS)]):
                item = QTableWidgetItem(values if column == 1 else text)
                item.setToolTip(f"{entry.variant.label}: saved in {entry.folder}")
                if column == 1:  # in the colour of its curves
                    swatch = QPixmap(12, 12)
                    swatch.fill(QColor(*COLOURS[self.labels.index(entry.variant.label)]))
                    item.setIcon(QIcon(swatch))
                self.ranking.setItem(row, column, item)
        self._show_legend(False)
        self.ranking.show()
        self._fit_ranking()

    def _fit_ranking(self) -> None:
        """Every row in sight, compact: six of them leave the plots most of the tab."""
        rows = self.ranking.verticalHeader()
        rows.setDefaultSectionSize(self.ranking.fontMetrics().height() + 6)
        header = self.ranking.horizontalHeader().sizeHint().height()
        count = self.ranking.rowCount()
        self.ranking.setFixedHeight(header + count * rows.defaultSectionSize() + 4)

    def _show_legend(self, shown: bool) -> None:
        if shown and self.legend.scene() is None:
            self.graphics.addItem(self.legend, row=0, col=0, colspan=2)
        elif not shown and self.legend.scene() is not None:
            self.graphics.removeItem(self.legend)

    def set_text_scale(self, scale: float) -> None:
        for plot in self.plots.values():
            style_plot(plot, scale)
        style_legend(self.legend, scale)
        self._fit_ranking()

    def set_thick_lines(self, thick: bool) -> None:
        self.thick = thick
        for index, (loss, accuracy) in enumerate(self.items):
            loss.setPen(self._pen(index))
            accuracy.setPen(self._pen(index))
            accuracy.setSymbolSize(SYMBOL_SIZE * (THICK if thick else 1))

    def _pen(self, index: int) -> pg.QtGui.QPen:
        return pg.mkPen(COLOURS[index], width=2 * (THICK if self.thick else 1))
