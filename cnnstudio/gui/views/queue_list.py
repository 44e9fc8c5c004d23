"""The run queue's list and buttons (gui/run_queue.py presents them): a model of the run
training now and the runs waiting, and the box showing them under the Train row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.runs.queue import QueuedRun, queue_names
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.widgets import ElidedLabel, FontFollower

LIST_ROWS = 3  # rows the list shows before it scrolls: the views below keep their height
Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractListModel):
    """The run training now (the first row, if it came from the queue), then the waiting ones."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running: QueuedRun | None = None
        self.waiting: list[QueuedRun] = []
        self.among: list[RunSpec] = []  # the runs queued since it was empty: named among them

    def rowCount(self, parent: Index | None = None) -> int:
        return (
            0
            if parent is not None and parent.isValid()
            else len(self.waiting) + (self.running is not None)
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        place = self.waiting_place(index.row())
        run = self.running if place is None else self.waiting[place]
        if run is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"Training now: {run.name}" if place is None else f"{place + 1}. {run.name}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return run.name
        if role == Qt.ItemDataRole.FontRole and place is None:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def waiting_place(self, row: int) -> int | None:
        """The place in the waiting list a row shows; None for the running run's row."""
        place = row - (self.running is not None)
        return place if 0 <= place < len(self.waiting) else None

    def row_of(self, place: int) -> int:
        return place + (self.running is not None)

    def add(self, run: QueuedRun) -> None:
        def change() -> None:
            self.among.append(run.spec)
            self.waiting.append(run)

        self._change(change)

    def move(self, place: int, step: int) -> None:
        target = place + step
        if 0 <= target < len(self.waiting):
            waiting = self.waiting
            self._change(lambda: waiting.insert(target, waiting.pop(place)))

    def remove(self, place: int) -> None:
        self._change(lambda: self.waiting.pop(place))

    def clear(self) -> None:
        self._change(self.waiting.clear)

    def start_next(self) -> QueuedRun | None:
        """The first waiting run becomes the running one (None when none waits)."""
        run = self.waiting[0] if self.waiting else None
        self.set_running(run)
        return run

    def set_running(self, run: QueuedRun | None) -> None:
        def change() -> None:
            if run is not None:
                self.waiting.remove(run)
            self.running = run

        self._change(change)

    def _change(self, change: Callable[[], object]) -> None:
        self.beginResetModel()
        change()
        self._name_waiting()
        self.endResetModel()

    def _name_waiting(self) -> None:
        """Name the waiting runs by the settings that differ among the runs queued since the
        queue was last empty, so a name holds wherever its run moves and as others start or
        leave (the running run keeps the name it started with)."""
        if not self.waiting and self.running is None:
            self.among = []
            return
        names = dict(zip(map(id, self.among), queue_names(self.among), strict=True))
        self.waiting = [replace(run, name=names[id(run.spec)]) for run in self.waiting]


class QueueBox(QFrame):
    """The queue's list and buttons; shown while runs wait or a queued run trains."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Beside five buttons at 1024x768 it was cut ("Queue running: 3 wait..."): short words,
        # two lines, and buttons no wider than their words.
        self.state = ElidedLabel(lines=2)
        self.buttons = {
            key: QPushButton(text)
            for key, text in (
                ("start", "Start queue"),
                ("up", "Up"),
                ("down", "Down"),
                ("remove", "Remove"),
                ("clear", "Clear"),
            )
        }
        for key, tip in (
            ("up", "Train the chosen run earlier"),
            ("down", "Train the chosen run later"),
            ("remove", "Take the chosen run out of the queue"),
            ("clear", "Take every waiting run out of the queue"),
        ):
            self.buttons[key].setToolTip(tip)
        self.list = QListView()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        header = QHBoxLayout()
        header.addWidget(self.state, 1)
        for button in self.buttons.values():
            header.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 2, 4, 4)
        column.setSpacing(2)
        column.addLayout(header)
        column.addWidget(self.list)
        FontFollower(self.list, self._fit_list)
        for key in ("up", "down", "remove", "clear"):  # Start's words change: left as is
            FontFollower(self.buttons[key], partial(_fit_to_words, self.buttons[key]))
        self.hide()

    def _fit_list(self) -> None:
        rows = self.list.fontMetrics().height() + 4  # an item's height with its margins
        self.list.setFixedHeight(rows * LIST_ROWS + 2 * self.list.frameWidth() + 2)

    def chosen_row(self) -> int | None:
        rows = self.list.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def choose_row(self, row: int) -> None:
        self.list.setCurrentIndex(self.list.model().index(row, 0))


def _fit_to_words(button: QPushButton) -> None:
    """A button as wide as its words (a push button is at least 80 px: "Up" took 90)."""
    metrics = button.fontMetrics()
    button.setMaximumWidth(
        metrics.horizontalAdvance(button.text()) + 4 * metrics.averageCharWidth()
    )
