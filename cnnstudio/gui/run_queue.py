"""The run queue: runs waiting to train one after another, each a normal run in the window.

"Add to queue" (beside Train) adds the settings shown, named by what they change from the run
queued before; Run > Sweep... adds a grid of them. The queue waits until "Start queue", so three
runs added then started are three runs; Train still trains just the settings shown. Once started,
each run starts when the one before ends: a failed run is noted and the queue goes on; a run the
user stops pauses the queue (Start queue goes on). The queue lives as long as the window: quitting
with runs waiting asks first.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.runs.queue import QueuedRun, queued_name
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.controller import RunController
from cnnstudio.gui.sweep_dialog import SweepDialog
from cnnstudio.gui.widgets import ElidedLabel, FontFollower, ask

LIST_ROWS = 3  # rows the list shows before it scrolls: the views below keep their height
Index = QModelIndex | QPersistentModelIndex


class QueueHost(Protocol):
    """What the queue needs of the window."""

    controller: RunController

    def current_spec(self) -> RunSpec:
        """The settings the panels show, checked (a copy)."""
        ...

    def start_new_run(self, spec: RunSpec) -> bool:
        """Start `spec` in a new run folder, as Train does; False (the user told) if it cannot."""
        ...


class QueueModel(QAbstractListModel):
    """The run training now (the first row, if it came from the queue), then the waiting ones."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running: QueuedRun | None = None
        self.waiting: list[QueuedRun] = []

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
        self._change(lambda: self.waiting.append(run))

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

    def _change(self, change) -> None:
        self.beginResetModel()
        change()
        self.endResetModel()


class QueueBox(QFrame):
    """The queue's list and buttons; shown while runs wait or a queued run trains."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.state = ElidedLabel()
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
        self.hide()

    def _fit_list(self) -> None:
        rows = self.list.fontMetrics().height() + 4  # an item's height with its margins
        self.list.setFixedHeight(rows * LIST_ROWS + 2 * self.list.frameWidth() + 2)

    def chosen_row(self) -> int | None:
        rows = self.list.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def choose_row(self, row: int) -> None:
        self.list.setCurrentIndex(self.list.model().index(row, 0))


class RunQueue(QObject):
    """Presents the queue in its box and starts its runs through the window."""

    noted = Signal(str)  # a line for the status bar

    def __init__(
        self, box: QueueBox, add_button: QPushButton, host: QueueHost, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.box, self.add_button, self.host, self.window = box, add_button, host, parent
        self.model = QueueModel(self)
        box.list.setModel(self.model)
        self.active = False  # started: the next run starts when nothing trains
        self.paused = False  # started, then paused: Start queue goes on
        self.stopping = False  # the user stopped the run training now
        self.failed = False  # the run training now failed
        self.trained = 0  # runs the queue has started since it was started
        self.actions: dict[str, QAction] = {}
        add_button.setToolTip("Queue these settings to train after the runs before them")
        add_button.clicked.connect(self.add_current)
        buttons = box.buttons
        buttons["start"].clicked.connect(self._on_start_clicked)
        buttons["up"].clicked.connect(lambda: self._move(-1))
        buttons["down"].clicked.connect(lambda: self._move(1))
        buttons["remove"].clicked.connect(self._remove)
        buttons["clear"].clicked.connect(self._clear)
        box.list.selectionModel().selectionChanged.connect(self._show_state)
        self.model.modelReset.connect(self._show_state)
        host.controller.running_changed.connect(self._on_running_changed)
        self._show_state()

    def add_actions(self, menu: QMenu) -> dict[str, QAction]:
        """Add to queue, Start queue and Sweep... in `menu` (the Run menu)."""
        for key, text, slot in (
            ("queue_add", "&Add to queue", self.add_current),
            ("queue_start", "Start &queue", self._on_start_clicked),
            ("sweep", "S&weep...", self.open_sweep),
        ):
            action = menu.addAction(text)
            action.triggered.connect(slot)
            self.actions[key] = action
        self._show_state()
        return self.actions

    # -- adding -------------------------------------------------------------------------------
    def add_current(self) -> None:
        """Queue the settings the panels show."""
        if not self.add_button.isEnabled():
            return
        spec = self.host.current_spec()
        self.add(queued_name(self._last_spec(), spec), spec)

    def add(self, name: str, spec: RunSpec) -> None:
        self.model.add(QueuedRun(name, spec))
        self.box.choose_row(self.model.rowCount() - 1)
        self.noted.emit(f"Queued {name}. {self._what_next()}")

    def open_sweep(self) -> None:
        """Run > Sweep...: a grid of runs over one or two settings, added to the queue."""
        if not self.add_button.isEnabled():
            QMessageBox.information(self.window, "Cannot sweep yet", self.add_button.toolTip())
            return
        dialog = SweepDialog(self.host.current_spec(), self.window)
        if dialog.exec():
            for variant in dialog.variants:
                self.model.add(QueuedRun(variant.label, variant.spec))
            self.noted.emit(f"Queued {len(dialog.variants)} runs. {self._what_next()}")

    def set_blocked(self, reason: str | None) -> None:
        """Why the settings shown cannot be queued (None: they can)."""
        self.add_button.setEnabled(reason is None)
        self.add_button.setToolTip(
            f"Cannot queue these settings: {reason}"
            if reason
            else "Queue these settings to train after the runs before them"
        )
        for key in ("queue_add", "sweep"):
            if key in self.actions:
                self.actions[key].setEnabled(reason is None)

    def _last_spec(self) -> RunSpec | None:
        last = self.model.waiting[-1] if self.model.waiting else self.model.running
        return last.spec if last is not None else None

    def _what_next(self) -> str:
        if self.active:
            return "It trains after the runs before it."
        return "Start queue trains the waiting runs one after another."

    # -- the list -----------------------------------------------------------------------------
    def _chosen_place(self) -> int | None:
        row = self.box.chosen_row()
        return None if row is None else self.model.waiting_place(row)

    def _move(self, step: int) -> None:
        place = self._chosen_place()
        if place is not None:
            self.model.move(place, step)
            target = min(max(place + step, 0), len(self.model.waiting) - 1)
            self.box.choose_row(self.model.row_of(target))

    def _remove(self) -> None:
        place = self._chosen_place()
        if place is not None:
            self.model.remove(place)
            if self.model.waiting:
                self.box.choose_row(self.model.row_of(min(place, len(self.model.waiting) - 1)))
            else:
                self.paused = False  # nothing left to go on with

    def _clear(self) -> None:
        count = len(self.model.waiting)
        if count > 1:
            answer = ask(
                self.window,
                "Clear the queue",
                f"Take all {count} waiting runs out of the queue? The run training now goes on.",
                {"Clear": QMessageBox.ButtonRole.DestructiveRole},
            )
            if answer != "Clear":
                return
        self.model.clear()
        self.paused = False

    # -- running ------------------------------------------------------------------------------
    def _on_start_clicked(self) -> None:
        if self.active:  # "Pause queue": the run training now goes on, the next waits
            self._pause()
        elif self.model.waiting:
            self.active, self.paused, self.trained = True, False, 0
            if self.host.controller.running:
                self.noted.emit("The queue starts when this run ends.")
            else:
                self._start_next()
        self._show_state()

    def user_stopped(self) -> None:
        """The user stopped the run (Stop, Shift+F5): the queue pauses when it has ended."""
        if self.host.controller.running:
            self.stopping = True

    def run_failed(self, _message: str) -> None:
        if self.model.running is not None:
            self.failed = True

    def _on_running_changed(self, running: bool) -> None:
        if running:
            return
        ended, stopped, failed = self.model.running, self.stopping, self.failed
        self.stopping = self.failed = False
        self.model.set_running(None)
        if not self.active:
            return
        if stopped:
            self._pause()
        elif failed and ended is not None:
            self._say_failed(ended)
        # After the other listeners have seen this run end: they would see the next begin first.
        QTimer.singleShot(0, self, self._start_next)
        self._show_state()

    def _start_next(self) -> None:
        if not self.active or self.host.controller.running:
            return
        run = self.model.start_next()
        if run is None:
            self.active = self.paused = False
            self.noted.emit(f"Queue finished: {self.trained} run(s) trained.")
        elif self.host.start_new_run(run.spec):
            self.trained += 1
        else:  # could not start (told in a dialog): the others may
            self.model.set_running(None)
            self._say_failed(run)
            QTimer.singleShot(0, self, self._start_next)
        self._show_state()

    def _pause(self) -> None:
        self.active, self.paused = False, True
        self.noted.emit(self._paused_line())

    def _say_failed(self, run: QueuedRun) -> None:
        waiting = self.model.waiting
        going_on = f"the queue goes on with {waiting[0].name}" if waiting else "none waits"
        self.noted.emit(f"Queued run {run.name} failed; {going_on}.")

    def _paused_line(self) -> str:
        return f"Queue paused: {len(self.model.waiting)} waiting. Start queue goes on."

    def _show_state(self) -> None:
        waiting = len(self.model.waiting)
        running = self.model.running is not None
        if self.active:
            state = f"Queue: {waiting} waiting" + ("" if running else ", starting...")
        elif waiting:
            state = self._paused_line() if self.paused else f"Queue: {waiting} waiting"
        else:
            state = "Queue: the last queued run is training" if running else "Queue: empty"
        self.box.state.setText(state)
        self.box.setVisible(waiting > 0 or running)
        place = self._chosen_place()
        buttons = self.box.buttons
        buttons["start"].setText("Pause queue" if self.active else "Start queue")
        buttons["start"].setEnabled(self.active or waiting > 0)
        buttons["up"].setEnabled(place is not None and place > 0)
        buttons["down"].setEnabled(place is not None and place < waiting - 1)
        buttons["remove"].setEnabled(place is not None)
        buttons["clear"].setEnabled(waiting > 0)
        if "queue_start" in self.actions:
            self.actions["queue_start"].setText("Pause &queue" if self.active else "Start &queue")
            self.actions["queue_start"].setEnabled(self.active or waiting > 0)

    # -- the window closing -------------------------------------------------------------------
    def may_quit(self) -> bool:
        """Ask before quitting drops waiting runs; True when the window may close."""
        count = len(self.model.waiting)
        if not count:
            return True
        answer = ask(
            self.window,
            "Runs are waiting",
            f"{count} run(s) wait in the queue. The queue is kept only while the window is "
            "open: quitting drops them (the runs already trained stay in the Runs tab). Quit?",
            {"Quit": QMessageBox.ButtonRole.DestructiveRole},
        )
        return answer == "Quit"

    def shut_down(self) -> None:
        """The window closes: no run starts any more."""
        self.active = False
