"""The studio window: settings on the left, the run's views on the right. Layout and wiring only:
the dataset presenter loads what the settings name, the run presenter shows runs, the runs
controller handles projects and past runs, the edit history undoes settings edits, and
WindowFiles (window_files.py) opens, saves and takes dropped files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.insight.coach_notes import CoachFix, apply_fix
from cnnstudio.core.runs.folders import new_run_folder
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.coach_presenter import CoachPresenter
from cnnstudio.gui.controller import RunController
from cnnstudio.gui.dataset_presenter import DatasetPresenter
from cnnstudio.gui.devices import DeviceList
from cnnstudio.gui.edit_history import EditHistory
from cnnstudio.gui.embedding_presenter import EmbeddingPresenter
from cnnstudio.gui.glossary_dialog import open_glossary
from cnnstudio.gui.inside_presenter import InsidePresenter
from cnnstudio.gui.jobs import JobRunner
from cnnstudio.gui.lesson_presenter import LessonPresenter
from cnnstudio.gui.live_changes import LiveChanges
from cnnstudio.gui.loading import LoadedDataset
from cnnstudio.gui.lr_find_dialog import LrFinder
from cnnstudio.gui.presentation import Presentation
from cnnstudio.gui.race_presenter import RacePresenter
from cnnstudio.gui.run_presenter import RunPresenter
from cnnstudio.gui.run_queue import RunQueue
from cnnstudio.gui.runs_controller import RunsController
from cnnstudio.gui.widgets import ask, show_page
from cnnstudio.gui.window_files import WindowFiles
from cnnstudio.gui.window_geometry import restore_geometry, save_geometry
from cnnstudio.gui.window_layout import first_launch_spec

if TYPE_CHECKING:
    from cnnstudio.gui.worker import TrainingWorker

IDLE_LINES = {True: "Loading the dataset...", False: "Ready."}


class MainWindow(WindowFiles, QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.settings = QSettings()
        project = self._restored_project()
        self.spec = self._restored_spec()
        self.jobs = JobRunner(self)
        self.controller = RunController(self)
        self.build_layout(self.spec)
        self.dataset = DatasetPresenter(self.jobs, self.dataset_panel, self.model_panel, self)
        self.devices = DeviceList(self)
        self.presenter = RunPresenter(self.run_views, self.devices, self)
        # A race takes no changes while it trains: even the settings a run takes stay fixed.
        # Its forms, not the panel: "Show advanced settings" stays a switch, as during a run.
        live_panels = (*self.training_panel.forms, self.dataset_panel.augment_form)
        self.race = RacePresenter(
            self.controller,
            self.race_view,
            self.curves_page,
            self.run_views,
            live_panels,
            self.status_line.say,
            self,
        )
        self.runs = RunsController(self.jobs, self.controller, self.runs_view, self, project)
        self.inside_presenter = InsidePresenter(self.inside, self.jobs, self)
        self.embedding_presenter = EmbeddingPresenter(
            self.inside.map, self.inside_presenter, self.jobs, self
        )
        self.coach_presenter = CoachPresenter(
            self.coach, self.curves.coach_marks, self.view_tabs, self.jobs, self
        )
        replaced = (self.progress_label, self.reason_label)
        self.presentation = Presentation(self, self.status_line, replaced)
        saved = project.spec.to_dict() if project else first_launch_spec().to_dict()
        self.history = EditHistory(self.spec.to_dict(), self)
        self.history.reset(self.spec.to_dict(), saved)
        self.queue = RunQueue(self.queue_box, self.queue_button, self, self)
        self.build_menus(self.history.stack)
        self.lessons = LessonPresenter(self)
        self.lr_finder = LrFinder(self)
        self._connect_signals()
        self.live = LiveChanges(self)  # after the signals: it acts after the window's handlers
        restore_geometry(self, self.settings)
        self.restore_splitter(self.settings)
        self.presentation.start()
        self._show_title()
        self.runs.refresh_runs()
        self.presenter.show_device(self.spec.device)
        self._set_running(False)
        self._on_dataset_edited()
        self.devices.search(self.jobs)  # imports torch on a job thread: the window shows first

    def _connect_signals(self) -> None:
        self.dataset_panel.changed.connect(self._on_dataset_edited)
        self.model_panel.changed.connect(self._on_settings_edited)
        self.model_panel.input_size_requested.connect(self.dataset_panel.set_input_size)
        self.training_panel.changed.connect(self._on_settings_edited)
        self.dataset.state_changed.connect(self._update_train_button)
        self.train_button.clicked.connect(self._on_train_clicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.stop_button.clicked.connect(self.controller.stop)
        self.controller.running_changed.connect(self._set_running)
        self.presenter.run_ended.connect(lambda run_dir: self.runs.refresh_runs(run_dir))
        self.presenter.failed.connect(
            lambda text: QMessageBox.warning(self, "Training stopped", text)
        )
        self.runs.project_changed.connect(self._on_project_changed)
        self.runs.spec_opened.connect(self._open_spec)
        self.runs.run_loaded.connect(self.presenter.show_record)
        self.runs.run_loaded.connect(self.inside_presenter.show_record)
        self.runs.run_loaded.connect(self.coach_presenter.show_record)
        self.coach_presenter.fix_chosen.connect(self._make_coach_fix)
        self.coach_presenter.extend_chosen.connect(self.runs.resume_run)
        self.coach_presenter.noted.connect(self._say)
        self.coach.term_requested.connect(lambda term: open_glossary(self, term))
        self.controller.running_changed.connect(self.coach_presenter.set_running)
        self.mistakes.explain_requested.connect(self._explain)
        self.confusion.explain_requested.connect(self._explain)
        self.inside_presenter.failed.connect(
            lambda text: QMessageBox.warning(self, "Cannot look inside", text)
        )
        self.runs.run_loaded.connect(self.status_line.show_record)
        self.runs.resume_ready.connect(self._resume)
        self.runs.message.connect(self._say)
        self.presenter.noted.connect(self._say)
        self.race.noted.connect(self._say)
        self.race.race_ended.connect(lambda folders: self.runs.refresh_runs())
        self.history.applied.connect(lambda spec: self.apply_spec(RunSpec.from_dict(spec)))
        self.history.modified_changed.connect(self._show_title)
        self.devices.found.connect(self._on_devices_found)
        self.queue.noted.connect(self._say)
        self.presenter.failed.connect(self.queue.run_failed)
        self.stop_button.clicked.connect(self.queue.user_stopped)
        self.menu_actions["stop"].triggered.connect(self.queue.user_stopped)

    @property
    def loaded(self) -> LoadedDataset | None:
        return self.dataset.loaded

    # -- settings -----------------------------------------------------------------------------
    def _collect_spec(self) -> None:
        self.dataset_panel.write_into(self.spec)
        self.training_panel.write_into(self.spec)
        self.spec.layers = list(self.model_panel.layers)

    def _on_dataset_edited(self) -> None:
        self._collect_spec()
        self.dataset.edited(self.spec)
        self._on_settings_edited()

    def _on_settings_edited(self) -> None:
        self._collect_spec()
        self.history.record(self.spec.to_dict())
        self.coach_presenter.settings_changed(self.spec)
        self._show_stack_inside()
        if not self.controller.running:
            self.presenter.show_device(self.spec.device)
        self._update_train_button()

    def _show_stack_inside(self) -> None:
        panel = self.model_panel
        self.inside_presenter.show_stack(panel.layers, panel.input_shape, panel.num_classes)

    def _explain(self, image: np.ndarray, label: int) -> None:
        """A "why?" under a validation image: the Inside tab looks at it."""
        self.view_tabs.setCurrentWidget(self.inside)
        self.inside_presenter.show_image(image, label, "a validation image")

    def _on_devices_found(self) -> None:
        self.training_panel.set_devices(self.devices.devices)
        if not self.controller.running:
            self.presenter.show_device(self.spec.device)

    def apply_spec(self, spec: RunSpec) -> None:
        """Show `spec` in every panel (undo and redo, a project opened, a run resumed)."""
        self.spec = RunSpec.from_dict(spec.to_dict())
        self.history.current = self.spec.to_dict()  # showing it is not an edit
        self.dataset_panel.set_spec(self.spec)
        self.training_panel.set_spec(self.spec)
        self.model_panel.set_layers(self.spec.layers)
        self._on_dataset_edited()

    def edit_spec(self, spec: RunSpec) -> None:
        """Show `spec` in every panel as one edit of the settings: undoable, and the project is
        then modified (a change the coach suggested)."""
        before = self.history.current
        self.apply_spec(spec)
        self.history.current = before
        self.history.record(self.spec.to_dict(), separate=True)

    def _make_coach_fix(self, fix: CoachFix) -> None:
        self._collect_spec()
        try:
            spec = apply_fix(self.spec, fix)
        except CnnstudioError as error:
            QMessageBox.warning(self, "Cannot make the change", str(error))
            return
        refusal = self.lessons.refusal(spec)
        if refusal:
            QMessageBox.warning(self, "Cannot make the change", refusal)
            return
        self.edit_spec(spec)
        self._say(f"{fix.label}: done for the next run (Edit > Undo takes it back).")

    def _open_spec(self, spec: RunSpec) -> None:
        self.apply_spec(spec)
        self.history.reset(self.spec.to_dict())

    def train_blocked_reason(self) -> str | None:
        """Why Train is disabled, in words; None when a run can start."""
        try:
            RunSpec.from_dict(self.spec.to_dict())
        except CnnstudioError as error:
            return str(error)
        if self.dataset.problem:
            return self.dataset.problem
        if self.dataset.loading:
            return "the dataset is still loading."
        return self.model_panel.problem

    def _update_train_button(self) -> None:
        blocked = self.train_blocked_reason()
        self.queue.set_blocked(blocked)
        reason = None if self.controller.running else blocked
        can_start = not self.controller.running and reason is None
        self.train_button.setEnabled(can_start)
        self.menu_actions["train"].setEnabled(can_start)
        self.menu_actions["race"].setEnabled(can_start)
        self.train_button.setToolTip(reason or "Train this network (F5)")
        self.lr_finder.set_blocked(reason, self.controller.running)
        loading = reason == "the dataset is still loading."
        self.status_line.show_idle(reason, loading)
        self.reason_label.setText(f"Cannot train yet: {reason}" if reason and not loading else "")
        if self.progress_label.text() in IDLE_LINES.values():  # no run shown: can it start?
            self.progress_label.setText(IDLE_LINES[loading])

    # -- a run --------------------------------------------------------------------------------
    def _on_train_clicked(self) -> None:
        self._collect_spec()
        if self.controller.running or self.train_blocked_reason() is not None:
            return
        self.start_new_run(self.current_spec())

    def current_spec(self) -> RunSpec:
        """The settings the panels show (a copy)."""
        self._collect_spec()
        return RunSpec.from_dict(self.spec.to_dict())

    def start_new_run(self, spec: RunSpec) -> bool:
        """Train `spec` in a new run folder (Train, the queue); False if it cannot start."""
        try:  # a name no other run has, even one started in the same second
            run_dir = new_run_folder(self.runs.runs_dir, spec.dataset["name"])
        except CnnstudioError as error:
            QMessageBox.warning(self, "Cannot start the run", str(error))
            return False
        self._start_run(spec, run_dir)
        return True

    def _resume(self, spec: RunSpec, run_dir: Path, more_epochs: int | None) -> None:
        """Go on with a past run (resumed, or `more_epochs` added) in its own folder."""
        self.apply_spec(spec)  # the panels show the settings the run goes on with
        show_page(self.view_tabs, self.curves)
        self._start_run(spec, run_dir, resume=True, more_epochs=more_epochs)

    def _start_run(
        self, spec: RunSpec, run_dir: Path, resume: bool = False, more_epochs: int | None = None
    ) -> None:
        loaded = self.dataset.loaded_for(spec)
        data = loaded.data if loaded else None

        def listen(worker: TrainingWorker) -> None:
            self.presenter.attach(worker, run_dir)
            self.inside_presenter.attach(worker, run_dir)
            self.coach_presenter.attach(worker, run_dir)
            self.lessons.watch(worker, spec)
            self.live.attach(worker, spec)
            self.status_line.attach(worker)
            self.queue.attach(worker, run_dir)

        self.curves_page.setCurrentIndex(0)  # the run's curves, not a race's shown before
        self.controller.start(spec, data, run_dir, resume, more_epochs, listen=listen)
        self.runs.run_started(run_dir)

    def open_race_dialog(self) -> None:
        """Run > Race variants...: variants of the current settings, side by side."""
        self._collect_spec()
        if self.controller.running or self.train_blocked_reason() is not None:
            return
        loaded = self.dataset.current()
        spec = RunSpec.from_dict(self.spec.to_dict())
        data = loaded.data if loaded else None
        self.race.open_dialog(spec, self.runs.runs_dir, data, self.lessons.refusal, self)

    def _say(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def _on_pause_clicked(self) -> None:
        if not self.controller.running:
            return
        if self.controller.paused:
            self.controller.resume()
        else:
            self.controller.pause()
        self.pause_button.setText("Resume" if self.controller.paused else "Pause")
        self.presenter.show_paused(self.controller.paused)
        self.status_line.show_paused(self.controller.paused)

    def _set_running(self, running: bool) -> None:
        for control in (self.pause_button, self.stop_button):
            control.setEnabled(running)
        self.menu_actions["pause"].setEnabled(running)
        self.menu_actions["stop"].setEnabled(running)
        self.pause_button.setText("Pause")
        self.live.set_running(running)  # what may change while it trains stays editable
        if not running:
            self.presenter.stopped()
        self._update_train_button()

    # -- the window ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.queue.may_quit() or (self.controller.running and not self._may_stop_the_run()):
            event.ignore()
            return
        self.queue.shut_down()
        self.presenter.redraw_timer.stop()
        self.dataset.stop()
        self.lr_finder.cancel()
        self.controller.shutdown()  # stops the run at its next batch and waits
        self.jobs.wait_all()
        self._collect_spec()
        save_geometry(self, self.settings)
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("spec", self.spec.to_json())
        self.settings.setValue("project", str(self.project.path) if self.project else "")
        super().closeEvent(event)

    def _may_stop_the_run(self) -> bool:
        answer = ask(
            self,
            "A run is training",
            "Quitting stops the run. The epochs finished so far stay in its folder, and it can "
            "be resumed from the Runs tab. Stop it and quit?",
            {"Stop and quit": QMessageBox.ButtonRole.DestructiveRole},
        )
        return answer == "Stop and quit"

    def _restored_spec(self) -> RunSpec:
        text = self.settings.value("spec")
        if text:
            try:
                return RunSpec.from_dict(json.loads(text))
            except (ValueError, RecursionError, CnnstudioError):
                pass  # a spec from an older or damaged settings file: start fresh
        return first_launch_spec()
