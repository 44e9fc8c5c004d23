"""The Runs tab's table: one row per run, sorted by a click on any column title (numbers as
numbers), the name and notes typed in place, the selection kept on the same runs through sorting
and refreshing.

The name and the best accuracy come first, so both show in a 1024x768 window without scrolling.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.runs.labels import RunLabel, RunRow
from cnnstudio.gui.glossary_links import term_tip
from cnnstudio.gui.run_presenter import clock

# (title, what the column holds, glossary term or "")
COLUMNS = (
    ("name", "The run's name: F2 or double-click to rename it", ""),
    ("best val. accuracy", "The best validation accuracy of any epoch", "accuracy"),
    ("status", "Running, completed, stopped, failed or interrupted", ""),
    ("notes", "Your notes on the run: F2 or double-click to write them", ""),
    ("network", "The preset whose layers the run has, or a custom network", ""),
    ("parameters", "The network's trainable weights and biases", "parameters"),
    ("dataset", "The dataset it trained on", ""),
    ("optimizer", "The optimizer", "optimizer"),
    ("lr", "The learning rate it started with", "learning rate"),
    ("batch size", "Images looked at before each adjustment of the weights", "batch size"),
    ("epochs", "Epochs trained of those planned", "epoch"),
    ("time", "Training time (minutes:seconds), every epoch added up", ""),
)
TITLES = tuple(title for title, _lead, _term in COLUMNS)
NAME, NOTES = TITLES.index("name"), TITLES.index("notes")
EDITABLE = {NAME: "name", NOTES: "notes"}
# The first click on these sorts the best, largest or longest first (then reverses, as all do).
LARGEST_FIRST = {TITLES.index(title) for title in ("best val. accuracy", "parameters", "time")}
WIDEST = {NAME: 240, NOTES: 200}  # pixels at most when fitted to the text; the rest elides


class SortedCell(QTableWidgetItem):
    """A cell that sorts by `key` (a number for numbers); by its text, ignoring case, if None."""

    def __init__(self, text: str, key: Any = None, tip: str = "") -> None:
        super().__init__(text)
        self.key = key
        self.setToolTip(tip)
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def sort_key(self) -> Any:
        return self.text().casefold() if self.key is None else self.key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, SortedCell):
            return bool(self.sort_key() < other.sort_key())
        return super().__lt__(other)


class RunTable(QTableWidget):
    label_edited = Signal(object, str, str)  # run folder, "name" or "notes", the text typed
    open_pressed = Signal()  # double-click on a cell that is not for typing
    delete_pressed = Signal()  # the Delete key

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.rows: dict[Path, RunRow] = {}
        self.waiting: list[RunRow] | None = None  # a listing that came while a cell was typed in
        for column, (title, lead, term) in enumerate(COLUMNS):
            heading = QTableWidgetItem(title)
            heading.setToolTip(term_tip(term, lead) if term else lead)
            order = (
                Qt.SortOrder.DescendingOrder
                if column in LARGEST_FIRST
                else Qt.SortOrder.AscendingOrder
            )
            heading.setData(Qt.ItemDataRole.InitialSortOrderRole, order)
            self.setHorizontalHeaderItem(column, heading)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setWordWrap(False)
        self.verticalHeader().hide()  # row numbers mean nothing here; the space goes to columns
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # listed newest first
        header.sortIndicatorChanged.connect(lambda column, order: self.sortItems(column, order))
        self.itemChanged.connect(self._on_item_changed)
        self.itemDoubleClicked.connect(self._on_double_click)
        key = Qt.ShortcutContext.WidgetShortcut  # not while typing in a cell's editor
        QShortcut(QKeySequence(Qt.Key.Key_F2), self, self.edit_label, context=key)
        QShortcut(QKeySequence.StandardKey.Delete, self, self.delete_pressed.emit, context=key)
        # Two runs in sight however far the comparison below is dragged up.
        self.setMinimumHeight(
            self.horizontalHeader().sizeHint().height()
            + 2 * self.verticalHeader().defaultSectionSize()
            + self.horizontalScrollBar().sizeHint().height()
            + 2 * self.frameWidth()
        )

    @property
    def records(self) -> list[RunRecord]:
        """The runs in the order shown."""
        return [self.rows[self._folder(row)].record for row in range(self.rowCount())]

    def selected(self) -> list[RunRecord]:
        """The selected runs, in the order shown."""
        rows = sorted({index.row() for index in self.selectedIndexes()})
        return [self.rows[self._folder(row)].record for row in rows]

    def select(self, folder: Path) -> None:
        """Select that run alone."""
        self.clearSelection()
        self._reselect({folder})

    def _reselect(self, folders: set[Path]) -> None:
        """Add these runs to the selection; the first becomes the current row (for F2)."""
        flags = QItemSelectionModel.SelectionFlag
        for row in range(self.rowCount()):
            if self._folder(row) in folders:
                index = self.model().index(row, NAME)
                self.selectionModel().select(index, flags.Select | flags.Rows)
                if self.currentRow() not in [r.row() for r in self.selectedIndexes()]:
                    self.selectionModel().setCurrentIndex(index, flags.NoUpdate)

    def show_rows(self, rows: list[RunRow]) -> None:
        """List `rows` in the current sort order, keeping the selection on the same runs; while
        a name or notes are being typed, once the typing ends (refilling would drop the text)."""
        if self.state() == QAbstractItemView.State.EditingState:
            self.waiting = rows
            return
        selected = {record.folder for record in self.selected()}
        self.blockSignals(True)  # filling in is no edit, and the selection is put back below
        self.clearSelection()
        self.setRowCount(0)
        self.rows = {row.record.folder: row for row in rows}
        self.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, cell in enumerate(_cells(row)):
                self.setItem(index, column, cell)
        header = self.horizontalHeader()
        if header.sortIndicatorSection() in range(len(COLUMNS)):
            self.sortItems(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._reselect(selected)
        self.blockSignals(False)
        self._fit_columns()
        self.itemSelectionChanged.emit()  # the same runs, but what they allow may have changed

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        if self.waiting is not None:  # a listing came while typing: show it now
            rows, self.waiting = self.waiting, None
            QTimer.singleShot(0, lambda: self.show_rows(rows))

    def edit_label(self, column: int | None = None) -> None:
        """Start typing the current run's name (or its notes when the notes cell is current)."""
        row = self.currentRow()
        if row < 0 and self.selectedIndexes():
            row = self.selectedIndexes()[0].row()
        if row >= 0:
            if column is None:
                column = NOTES if self.currentColumn() == NOTES else NAME
            # The selection stays: renaming one of two runs compared keeps both compared.
            index = self.model().index(row, column)
            self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.editItem(self._cell(row, column))

    def relabel(self, folder: Path, label: RunLabel) -> None:
        """Show the run's name and notes as saved (or as they were, when saving failed)."""
        if self.waiting is not None:  # read before the text was saved
            self.waiting = [
                replace(row, label=label) if row.record.folder == folder else row
                for row in self.waiting
            ]
        if folder not in self.rows:
            return  # no longer listed
        row = self.rows[folder] = replace(self.rows[folder], label=label)
        for index in range(self.rowCount()):
            if self._folder(index) == folder:
                self.blockSignals(True)
                self._cell(index, NAME).setText(row.name)
                self._cell(index, NOTES).setText(row.label.notes)
                self._cell(index, NOTES).setToolTip(row.label.notes)
                self.blockSignals(False)

    def _fit_columns(self) -> None:
        self.resizeColumnsToContents()
        for column, widest in WIDEST.items():
            if self.columnWidth(column) > widest:
                self.setColumnWidth(column, widest)

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        cell = self.item(row, column)
        assert cell is not None, "every cell is filled in"
        return cell

    def _folder(self, row: int) -> Path:
        return Path(self._cell(row, NAME).data(Qt.ItemDataRole.UserRole))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() in EDITABLE:
            self.label_edited.emit(self._folder(item.row()), EDITABLE[item.column()], item.text())

    def _on_double_click(self, item: QTableWidgetItem) -> None:
        if item.column() not in EDITABLE:
            self.open_pressed.emit()


def _cells(row: RunRow) -> list[SortedCell]:
    """The row's cells, in the order of COLUMNS."""
    record, spec = row.record, row.record.spec
    lr = row.started.optimizer["lr"]  # changed while it trained: the tooltip says to what
    best = record.best_epoch
    done, planned = len(record.epochs), spec.training["epochs"]
    cells = [
        _typed(row.name, f"{record.folder}\nstarted {record.environment.get('started', '?')}"),
        SortedCell(
            f"{best['val_accuracy']:.2%}" if best else "",
            best["val_accuracy"] if best else -1.0,
            f"at epoch {int(best['epoch'])}" if best else "no epoch finished",
        ),
        _text(record.status),
        _typed(row.label.notes, row.label.notes),
        _text(row.architecture),
        SortedCell(
            "" if row.parameters is None else f"{row.parameters:,}",
            -1 if row.parameters is None else row.parameters,  # unknown: last, largest first
            "" if row.parameters is None else "counted from the layers and the image size",
        ),
        _text(spec.dataset["name"]),
        _text(spec.optimizer["name"]),
        SortedCell(
            f"{lr:g}",
            lr,
            "" if lr == spec.optimizer["lr"] else f"ended at {spec.optimizer['lr']:g}",
        ),
        SortedCell(str(spec.training["batch_size"]), spec.training["batch_size"]),
        SortedCell(f"{done} of {planned}", (done, planned)),
        SortedCell(clock(record.seconds), record.seconds),
    ]
    cells[0].setData(Qt.ItemDataRole.UserRole, str(record.folder))
    return cells


def _text(text: str, tip: str = "") -> SortedCell:
    """A cell of words, sorted regardless of case."""
    return SortedCell(text, None, tip)


def _typed(text: str, tip: str) -> SortedCell:
    """A cell the person may type in."""
    cell = _text(text, tip)
    cell.setFlags(cell.flags() | Qt.ItemFlag.ItemIsEditable)
    return cell
