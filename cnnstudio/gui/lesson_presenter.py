"""Lessons in the window: File > Lessons and File > Open start one, a side panel walks through its
steps, its goals are checked as runs train, and "Leave lesson" gives the full window back.

While a lesson is open the window has no project (its runs go to the user's runs folder, since a
shipped lesson sits in the installed package), its settings are the lesson's, and what the lesson
locks or hides stays so until it is left. Leaving asks before discarding edits, as New does, then
opens what was open before the lesson.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QMessageBox

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.spec.lesson import Goal, Lesson, load_lesson, setting
from cnnstudio.core.spec.project import Project
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitStarted
from cnnstudio.gui.lesson_controls import Restrictions, describe_lock
from cnnstudio.gui.lesson_dialog import SaveLessonDialog
from cnnstudio.gui.lesson_panel import LessonPanel
from cnnstudio.lessons import shipped_lesson_paths

if TYPE_CHECKING:
    from cnnstudio.core.insight.lesson_goals import GoalTracker
    from cnnstudio.gui.main_window import MainWindow
    from cnnstudio.gui.worker import TrainingWorker


class LessonPresenter(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.lesson: Lesson | None = None
        self.step = 0
        self.reached = 0  # goals reached so far, in order
        self.tracker: GoalTracker | None = None
        self.before: tuple[Project | None, dict[str, Any]] | None = None
        self.restrictions = Restrictions(window)
        self.panel = LessonPanel()
        self._add_menu_items()
        self._connect_signals()

    def _add_menu_items(self) -> None:
        actions = self.window.menu_actions
        file_menu = actions["save_as"].parent()
        assert isinstance(file_menu, QMenu)
        before = actions["predict"]
        self.lessons_menu = QMenu("&Lessons", file_menu)
        for path in shipped_lesson_paths():
            try:
                title = load_lesson(path).title
            except CnnstudioError:  # a shipped lesson is tested; a broken install lists none
                continue
            action = self.lessons_menu.addAction(title)
            action.triggered.connect(partial(self.open, path))
        actions["lessons"] = file_menu.insertMenu(before, self.lessons_menu)
        for key, text, slot in (
            ("save_lesson", "Save as &lesson...", self.save_as_lesson),
            ("leave_lesson", "Lea&ve lesson", self.leave),
        ):
            actions[key] = action = file_menu.addAction(text)
            file_menu.insertAction(before, action)
            action.triggered.connect(slot)
        file_menu.insertSeparator(before)
        actions["leave_lesson"].setEnabled(False)

    def _connect_signals(self) -> None:
        self.panel.back_clicked.connect(lambda: self.show_step(self.step - 1))
        self.panel.next_clicked.connect(lambda: self.show_step(self.step + 1))
        self.panel.leave_clicked.connect(self.leave)
        # After the window has shown another spec (undo, a resumed run): lock what it rebuilt.
        self.window.history.applied.connect(self.restrictions.refresh)
        self.window.runs.resume_ready.connect(self.restrictions.refresh)

    @property
    def active(self) -> bool:
        return self.lesson is not None

    # -- opening and leaving ------------------------------------------------------------------
    def open(self, path: Path) -> bool:
        """Open the lesson at `path`; a damaged file is refused with one dialog and nothing in
        the window changes. Unsaved edits are asked about first."""
        try:
            lesson = load_lesson(path)
        except CnnstudioError as error:
            QMessageBox.warning(self.window, "Cannot open the lesson", str(error))
            return False
        if not self.window._may_discard(f"open the lesson {lesson.title!r}"):
            return False
        if self.before is None:  # what "Leave lesson" goes back to
            self.before = (self.window.project, self.window.history.saved)
        self.restrictions.clear()
        self.lesson, self.reached, self.tracker = lesson, 0, None
        self.window.runs.new_project(lesson.spec)  # no project: runs go to the user's folder
        self.restrictions.apply(lesson.locked, lesson.hidden)
        self.panel.show_lesson(lesson)
        self.panel.show_goals(lesson.goals, 0)
        self.show_step(0)
        self._show_panel(True)
        self.window.menu_actions["leave_lesson"].setEnabled(True)
        self.window._show_title()
        return True

    def leave(self) -> bool:
        """Back to the full window and what was open before, asking before discarding edits."""
        if self.lesson is None or not self.window._may_discard("leave the lesson"):
            return False
        project, saved = self.before or (None, {})
        self.end()
        if project is None or not self.window.runs.open_project(project.path):
            self.window.runs.new_project(RunSpec.from_dict(saved))
        return True

    def end(self) -> None:
        """Close the lesson, keeping the settings as they are (another project is opening)."""
        if self.lesson is None:
            return
        self.restrictions.clear()
        self.lesson, self.tracker, self.before = None, None, None
        self._show_panel(False)
        self.window.menu_actions["leave_lesson"].setEnabled(False)
        self.window._show_title()

    def _show_panel(self, shown: bool) -> None:
        """The panel is the settings column's first tab: beside the settings, a panel of its
        own would make the window wider than a 1024x768 projector (the views need their width)."""
        tabs = self.window.settings_tabs
        index = tabs.indexOf(self.panel)
        if shown and index < 0:
            tabs.insertTab(0, self.panel, "Lesson")
        elif not shown and index >= 0:
            tabs.removeTab(index)
        if shown:
            tabs.setCurrentWidget(self.panel)

    @property
    def shown(self) -> bool:
        return self.window.settings_tabs.indexOf(self.panel) >= 0

    def refusal(self, spec: RunSpec) -> str | None:
        """Why the open lesson does not allow showing `spec` instead of the window's settings
        (it changes a locked setting); None when it does, or no lesson is open."""
        for path in self.lesson.locked if self.lesson else ():
            if setting(spec, path) != setting(self.window.spec, path):
                return f"The lesson locks {describe_lock(path)}, so this change cannot be made."
        return None

    def show_step(self, index: int) -> None:
        if self.lesson is not None and 0 <= index < len(self.lesson.steps):
            self.step = index
            self.panel.show_step(self.lesson, index)

    # -- goals --------------------------------------------------------------------------------
    def watch(self, worker: TrainingWorker, spec: RunSpec) -> None:
        """Check the lesson's goals on the run `worker` trains with `spec`."""
        if self.lesson is None or self.reached >= len(self.lesson.goals):
            return
        # Imported here: the goals watch through the coach, which needs torch (loaded by then).
        from cnnstudio.core.insight.lesson_goals import GoalTracker

        self.tracker = GoalTracker(self.lesson.goals, self._on_goal_reached, self.reached)
        self.tracker.start_run(spec)
        # Methods of this QObject, so the events arrive queued on the GUI thread (a plain
        # callable would run on the training thread, and the panel must not be touched there).
        # One run at a time: the run before has sent its last event when this one starts.
        worker.fit_started.connect(self._on_fit_started)
        worker.batches_ended.connect(self._on_batches_ended)
        worker.epoch_ended.connect(self._on_epoch_ended)

    def _on_fit_started(self, event: FitStarted) -> None:
        if self.tracker is not None:
            self.tracker.on_fit_start(event)

    def _on_batches_ended(self, batches: list[BatchEnded]) -> None:
        for batch in batches:
            if self.tracker is not None:
                self.tracker.on_batch_end(batch)

    def _on_epoch_ended(self, event: EpochEnded) -> None:
        if self.tracker is not None:
            self.tracker.on_epoch_end(event)

    def _on_goal_reached(self, index: int, goal: Goal) -> None:
        assert self.lesson is not None
        self.reached = index + 1
        goals = self.lesson.goals
        following = goals[self.reached] if self.reached < len(goals) else None
        self.panel.show_goals(goals, self.reached)
        self.panel.show_reached(goal, following)
        self.window.statusBar().showMessage(f"Goal reached: {goal.describe()}", 10_000)

    # -- making a lesson ----------------------------------------------------------------------
    def save_as_lesson(self) -> None:
        """The teacher's dialog: what to lock and hide, the steps and a goal; saved from there."""
        self.window._collect_spec()
        spec = RunSpec.from_dict(self.window.spec.to_dict())
        start = replace(self.lesson, spec=spec) if self.lesson else None
        self.save_dialog = SaveLessonDialog(spec, start, self.window)
        self.save_dialog.saved.connect(
            lambda path: self.window.statusBar().showMessage(f"Lesson saved: {path}", 10_000)
        )
        self.save_dialog.show()
