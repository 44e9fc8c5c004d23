"""Past runs: a table of the runs folder, the selected runs compared, and what to do with one.

The view only shows: the runs controller reads the runs folder on a worker thread and hands the
records over, and does what the buttons ask.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.runs.labels import RunLabel, RunRow
from cnnstudio.gui.views.run_compare import RunComparison, shown_names
from cnnstudio.gui.views.run_table import NAME, RunTable
from cnnstudio.gui.widgets import ElidedLabel

NOTICE_MS = 15_000  # a notice of what an action did is cleared after this, or by the next action


class RunsView(QWidget):
    open_requested = Signal(object)  # Path: show this run's curves and matrices
    resume_requested = Signal(object)  # Path
    extend_requested = Signal(object, int)  # Path, how many more epochs to train it
    predict_requested = Signal(object)  # Path of the checkpoint to predict with
    export_requested = Signal(object)  # Path of the run
    report_requested = Signal(object)  # Path of the run
    folder_requested = Signal(object)  # Path of the run
    label_edited = Signal(object, str, str)  # Path of the run, "name" or "notes", the new text
    delete_requested = Signal(object)  # list[RunRecord] to move to the trash

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs_dir: Path | None = None
        self.folder_label = ElidedLabel()
        self.notice = ElidedLabel()  # what the last action did (a report written, ...)
        self.notice_timer = QTimer(self)
        self.notice_timer.setSingleShot(True)
        self.notice_timer.timeout.connect(self.clear_notice)
        self.table = RunTable()
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.open_pressed.connect(lambda: self._emit(self.open_requested))
        self.table.label_edited.connect(self.label_edited)
        self.table.delete_pressed.connect(self._ask_delete)

        self.buttons: dict[str, QPushButton] = {}
        row = QGridLayout()  # two rows of four: fits beside the settings at 1024x768
        for key, text, tip in (
            ("open", "Show", "Show the run's curves, confusion matrices and per-class table"),
            ("resume", "Resume", "Go on training a stopped or interrupted run from its last epoch"),
            ("predict", "Predict images...", "Classify image files with the run's best network"),
            (
                "export",
                "Export...",
                "Save the network (ONNX, TorchScript) or a training script",
            ),
            ("report", "Report...", "Save an HTML report, a plot of the curves or the metrics CSV"),
            ("folder", "Open folder", "Open the run's folder in the file manager"),
            ("rename", "Rename", "Type a new name for the run (F2, or double-click its name)"),
            (
                "delete",
                "Delete...",
                "Move the selected runs to the system trash, after asking (Delete key)",
            ),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            self.buttons[key] = button
            row.addWidget(button, *divmod(len(self.buttons) - 1, 4))
        row.setColumnStretch(4, 1)
        self.buttons["open"].clicked.connect(lambda: self._emit(self.open_requested))
        self.buttons["resume"].clicked.connect(lambda: self._emit(self.resume_requested))
        self.buttons["predict"].clicked.connect(
            lambda: self._emit(self.predict_requested, "best.pt")
        )
        self.buttons["export"].clicked.connect(lambda: self._emit(self.export_requested))
        self.buttons["report"].clicked.connect(lambda: self._emit(self.report_requested))
        self.buttons["folder"].clicked.connect(lambda: self._emit(self.folder_requested))
        self.buttons["rename"].clicked.connect(self._rename)
        self.buttons["delete"].clicked.connect(self._ask_delete)
        extend_row = self._extend_row()

        self.comparison = RunComparison()
        top = QWidget()
        top_column = QVBoxLayout(top)
        top_column.setContentsMargins(0, 0, 0, 0)
        top_column.addLayout(self._title_row())
        top_column.addWidget(self.table)
        top_column.addLayout(row)
        self.extend_row = QWidget()  # hidden while several runs are compared: it is for one
        extend_row.setContentsMargins(0, 0, 0, 0)
        self.extend_row.setLayout(extend_row)
        top_column.addWidget(self.extend_row)
        top_column.addWidget(self.notice)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.comparison)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([1, 1])  # the comparison gets half the height, not what is left
        # The splitter's place for one run and for several: several get the most room at first
        # (the table shrinks to a few rows); a place the person drags to is kept for each.
        self.heights: dict[bool, list[int]] = {True: [1, 1000]}
        self.comparing = False
        self.comparison_window: ComparisonWindow | None = None
        QVBoxLayout(self).addWidget(self.splitter)
        self._on_selection()
        self.set_text_scale(1.0)

    def _extend_row(self) -> QHBoxLayout:
        """A spin box for N and "Train N more epochs": continues the run in its own folder."""
        self.more_epochs = QSpinBox()
        self.more_epochs.setRange(1, 1000)
        self.more_epochs.setToolTip("How many epochs to add to the selected run")
        button = QPushButton()
        button.setToolTip(
            "Go on training the selected run, finished or not, in its own folder with its own "
            "settings and optimizer state"
        )
        self.buttons["extend"] = button
        self.more_epochs.valueChanged.connect(
            lambda n: button.setText(f"Train {n} more epoch{'s' if n > 1 else ''}")
        )
        self.more_epochs.setValue(5)
        button.clicked.connect(self._emit_extend)
        extend_row = QHBoxLayout()
        extend_row.addWidget(self.more_epochs)
        extend_row.addWidget(button)
        extend_row.addStretch(1)
        return extend_row

    def _title_row(self) -> QHBoxLayout:
        """The runs folder, and beside it "Compare in a window" (no row of its own: the
        comparison below needs the height)."""
        window = QPushButton("Compare in a window")
        window.setToolTip("Open the comparison of the selected runs in a window of its own, large")
        window.clicked.connect(self.open_comparison_window)
        self.buttons["compare"] = window
        title_row = QHBoxLayout()
        title_row.addWidget(self.folder_label, 1)
        title_row.addWidget(window)
        return title_row

    def _emit_extend(self) -> None:
        self.clear_notice()
        chosen = self.selected()
        if len(chosen) == 1:
            self.extend_requested.emit(chosen[0].folder, self.more_epochs.value())

    def show_records(self, runs_dir: Path, rows: list[RunRow]) -> None:
        """List `rows`, the runs in `runs_dir`, keeping the selection where it can."""
        self.runs_dir = runs_dir
        self.folder_label.setText(f"Runs in {runs_dir}")
        self.table.show_rows(rows)  # the buttons follow through the selection's signal

    @property
    def records(self) -> list[RunRecord]:
        """The runs listed, in the order shown."""
        return self.table.records

    def selected(self) -> list[RunRecord]:
        return self.table.selected()

    def select(self, folder: Path) -> None:
        self.table.select(folder)

    def relabel(self, folder: Path, label: RunLabel) -> None:
        """Show the run's name and notes as saved in its run.json, in the comparison too."""
        self.table.relabel(folder, label)
        if folder in {record.folder for record in self.selected()}:
            self.comparison.show_runs(self.selected())
        window = self.comparison_window
        if window is not None and folder in {r.folder for r in window.comparison.records}:
            window.show_runs(window.comparison.records)

    def _rename(self) -> None:
        self.clear_notice()
        self.table.setFocus()
        self.table.edit_label(NAME)

    def _ask_delete(self) -> None:
        self.clear_notice()
        chosen = self.selected()
        if chosen:
            self.delete_requested.emit(chosen)

    def _on_selection(self) -> None:
        chosen = self.selected()
        one = chosen[0] if len(chosen) == 1 else None
        has_model = one is not None and (one.folder / "best.pt").exists()
        self.buttons["open"].setEnabled(one is not None and (one.folder / "last.pt").exists())
        self.buttons["resume"].setEnabled(one is not None and one.resumable)
        self.buttons["extend"].setEnabled(one is not None and one.extendable)
        self.more_epochs.setEnabled(one is not None and one.extendable)
        for key in ("predict", "export"):
            self.buttons[key].setEnabled(has_model)
        self.buttons["report"].setEnabled(one is not None)
        self.buttons["folder"].setEnabled(one is not None)
        self.buttons["rename"].setEnabled(one is not None)
        self.buttons["delete"].setEnabled(bool(chosen))
        self.buttons["compare"].setEnabled(bool(chosen))
        self._give_room(len(chosen) >= 2)
        self.comparison.show_runs(chosen)

    def _give_room(self, comparing: bool) -> None:
        """Several runs selected: the comparison takes the height the table can spare."""
        self.extend_row.setVisible(not comparing)
        if comparing != self.comparing and self.splitter.height() > 0:
            self.heights[self.comparing] = self.splitter.sizes()
            self.comparing = comparing
            if comparing in self.heights:
                self.splitter.setSizes(self.heights[comparing])

    def open_comparison_window(self) -> None:
        """The selected runs compared in a window of their own, as large as the screen allows."""
        chosen = self.selected()
        if not chosen:
            return
        if self.comparison_window is not None:
            self.comparison_window.close()
        window = ComparisonWindow(chosen, self.comparison, self)
        window.destroyed.connect(lambda: self._forget(window))
        self.comparison_window = window
        window.show()

    def _forget(self, window: QDialog) -> None:
        if self.comparison_window is window:
            self.comparison_window = None

    def set_text_scale(self, scale: float) -> None:
        """The comparison's plots at `scale` times the application's font size."""
        self.comparison.set_text_scale(scale)

    def set_thick_lines(self, thick: bool) -> None:
        """Curves twice as thick, with larger markers (presentation mode)."""
        self.comparison.set_thick_lines(thick)

    def _emit(self, signal: SignalInstance, checkpoint: str | None = None) -> None:
        self.clear_notice()  # the last action's notice would read as this one's
        chosen = self.selected()
        if len(chosen) == 1:
            folder = chosen[0].folder
            signal.emit(folder / checkpoint if checkpoint else folder)

    def show_notice(self, text: str) -> None:
        """Say what an action did, until the next action or for NOTICE_MS."""
        self.notice.setText(text)
        self.notice_timer.start(NOTICE_MS)

    def clear_notice(self) -> None:
        self.notice.setText("")
        self.notice_timer.stop()


class ComparisonWindow(QDialog):
    """Runs compared in a window of their own, nine tenths of the screen, drawn as `like` is."""

    def __init__(self, records: list[RunRecord], like: RunComparison, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.comparison = RunComparison()
        self.comparison.set_text_scale(like.scale)
        self.comparison.set_thick_lines(like.thick)
        QVBoxLayout(self).addWidget(self.comparison)
        area = parent.screen().availableGeometry()
        self.resize(area.width() * 9 // 10, area.height() * 9 // 10)
        self.show_runs(records)

    def show_runs(self, records: list[RunRecord]) -> None:
        """Compare `records`, named in the title (as they are named now)."""
        names = shown_names(records)
        self.setWindowTitle(
            f"Comparing {len(records)} runs" if len(records) > 2 else " and ".join(names)
        )
        self.comparison.show_runs(records)
