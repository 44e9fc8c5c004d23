"""The run queue: runs waiting to train one after another, each a normal run in the window.

"Add to queue" (beside Train) adds the settings shown, named by the settings that differ among
the queued runs (views/queue_list.py); Run > Sweep... adds a grid of them. The queue waits until
"Start queue", so three runs added then started are three runs; Train still trains just the
settings shown. Once started, each run starts when the one before ends: a failed run is noted
and the queue goes on; a run the user stops pauses the queue (Start queue goes on). The queue
lives as long as the window: quitting with runs waiting asks first.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QPushButton, QWidget

from cnnstudio.core.params import amount
from cnnstudio.core.runs.labels import write_label
from cnnstudio.core.runs.queue import QueuedRun
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.controller import RunController
from cnnstudio.gui.sweep_dialog import SweepDialog
from cnnstudio.gui.views.queue_list import QueueBox, QueueModel
from cnnstudio.gui.widgets import ask

if TYPE_CHECKING:
    from cnnstudio.gui.lesson_presenter import LessonPresenter
    from cnnstudio.gui.worker import TrainingWorker

log = logging.getLogger(__name__)


class QueueHost(Protocol):
    """What the queue needs of the window."""

    controller: RunController
    lessons: LessonPresenter  # an open lesson's locks hold for a sweep's runs too

    def current_spec(self) -> RunSpec:
        """The settings the panels show, checked (a copy)."""
        ...

    def apply_spec(self, spec: RunSpec) -> None:
        """Show `spec` in the panels (not an edit of the settings)."""
        ...

    def start_new_run(self, spec: RunSpec) -> bool:
        """Start `spec` in a new run folder, as Train does; False (the user told) if it cannot."""
        ...


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
        self.own_spec: RunSpec | None = None  # the panels' settings before a queued run's
        self.naming: tuple[Path, str] | None = None  # a queued run's folder and name to give it
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
        self.model.add(QueuedRun("", self.host.current_spec()))  # the model names it
        self.box.choose_row(self.model.rowCount() - 1)
        self.noted.emit(f"Queued {self.model.waiting[-1].name}. {self._what_next()}")

    def open_sweep(self) -> None:
        """Run > Sweep...: a grid of runs over one or two settings, added to the queue."""
        if not self.add_button.isEnabled():
            QMessageBox.information(self.window, "Cannot sweep yet", self.add_button.toolTip())
            return
        dialog = SweepDialog(self.host.current_spec(), self.host.lessons.refusal, self.window)
        if dialog.exec():
            for variant in dialog.variants:
                self.model.add(QueuedRun("", variant.spec))  # the model names it
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
                f"Take all {count} waiting runs out of the queue?"
                + (" The run training now goes on." if self.host.controller.running else ""),
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
                self.noted.emit(
                    f"Queue started: {amount(len(self.model.waiting), 'run')}, one by one."
                )
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
        if self.active and stopped:
            self._pause()
        elif self.active and failed and ended is not None:
            self._say_failed(ended)
        if self.active:  # after the other listeners have seen this run end, not the next begin
            QTimer.singleShot(0, self, self._start_next)
        else:
            self._show_own_settings()
        self._show_state()

    def _start_next(self) -> None:
        if not self.active or self.host.controller.running:
            return
        run = self.model.start_next()
        if run is None:
            self.active = self.paused = False
            self.noted.emit(f"Queue finished: {amount(self.trained, 'run')} trained.")
            self._show_own_settings()
            self._show_state()
            return
        if self.own_spec is None:
            self.own_spec = self.host.current_spec()
        self.host.apply_spec(run.spec)  # the panels show what trains, as for a resumed run
        if self.host.start_new_run(run.spec):
            self.trained += 1
        else:  # could not start (told in a dialog): the others may
            self.model.set_running(None)
            self._say_failed(run)
            QTimer.singleShot(0, self, self._start_next)
        self._show_state()

    def _show_own_settings(self) -> None:
        """The queue has stopped starting runs: the panels show the settings they had."""
        if self.own_spec is not None:
            self.host.apply_spec(self.own_spec)
            self.own_spec = None

    def _pause(self) -> None:
        """Start no more runs; with none waiting the queue has simply ended."""
        self.active, self.paused = False, bool(self.model.waiting)
        if self.paused:
            self.noted.emit(f"{self._paused_line()}. Start queue goes on.")
        elif self.host.controller.running:
            self.noted.emit("Queue ended: no run waits after the one training now.")
        else:
            self.noted.emit("Queue ended: no run waits.")

    def _say_failed(self, run: QueuedRun) -> None:
        waiting = self.model.waiting
        going_on = f"the queue goes on with {waiting[0].name}" if waiting else "none waits"
        self.noted.emit(f"Queued run {run.name} failed; {going_on}.")

    def _paused_line(self) -> str:
        return f"Queue paused: {len(self.model.waiting)} waiting"

    def _show_state(self) -> None:
        waiting = len(self.model.waiting)
        running = self.model.running is not None
        if self.active and running:
            state = f"Queue running: {waiting} waiting"
        elif self.active:
            when = "after this run" if self.host.controller.running else "now"
            state = f"Queue: {waiting} waiting, starts {when}"
        elif waiting:
            state = self._paused_line() if self.paused else f"Queue: {waiting} waiting"
        else:
            state = "Queue: its last run trains" if running else "Queue: empty"
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

    def attach(self, worker: TrainingWorker, run_dir: Path) -> None:
        """A run is about to train into `run_dir`: if it is the queue's, it gets its name."""
        if self.model.running is not None:
            self.naming = (run_dir, self.model.running.name)
            worker.data_ready.connect(self._on_run_data_ready)

    def _on_run_data_ready(self, _data: object) -> None:
        """The run's folder is a run now (an empty one is needed to start): name it."""
        if self.naming is None:
            return
        run_dir, name = self.naming
        self.naming = None
        try:
            write_label(run_dir, name=name)
        except OSError as error:  # the run trains on under its default name
            log.warning("cannot name the run in %s: %s", run_dir, error)

    # -- the window closing -------------------------------------------------------------------
    def may_quit(self) -> bool:
        """Ask before quitting drops waiting runs; True when the window may close."""
        count = len(self.model.waiting)
        if not count:
            return True
        answer = ask(
            self.window,
            "Runs are waiting",
            f"{amount(count, 'run')} waiting in the queue. The queue is kept only while the "
            "window is open: quitting drops them (the runs already trained stay in the Runs "
            "tab). Quit?",
            {"Quit": QMessageBox.ButtonRole.DestructiveRole},
        )
        return answer == "Quit"

    def shut_down(self) -> None:
        """The window closes: no run starts any more, and the panels hold the person's own
        settings (remembered for the next start) before the window stops loading data."""
        self.active = False
        self.model.clear()
        self._show_own_settings()
