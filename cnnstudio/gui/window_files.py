"""The window's files: projects (new, open, save, the title that says what is open and unsaved),
lessons opened as files, and files dropped on the window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.spec.lesson import LESSON_SUFFIX
from cnnstudio.core.spec.project import PROJECT_SUFFIX, Project, load_project
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.run_dialogs import IMAGE_SUFFIXES
from cnnstudio.gui.widgets import ask
from cnnstudio.gui.window_layout import WindowLayout, first_launch_spec

if TYPE_CHECKING:
    from cnnstudio.gui.edit_history import EditHistory
    from cnnstudio.gui.lesson_presenter import LessonPresenter


class WindowFiles(WindowLayout):
    """Projects, lessons and dropped files; MainWindow makes what these use."""

    settings: QSettings
    spec: RunSpec
    history: EditHistory
    lessons: LessonPresenter
    _collect_spec: Callable[[], None]

    # -- projects -----------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self.runs.project

    def _on_project_changed(self) -> None:
        self._show_title()
        self.runs.refresh_runs()

    def new_project(self) -> None:
        if self._may_discard("start a new project"):
            self.lessons.end()
            self.runs.new_project(first_launch_spec())

    def open_project(self, path: Path) -> bool:
        if not (self._may_discard(f"open {path.name}") and self.runs.open_project(path)):
            return False
        self.lessons.end()
        return True

    def open_file(self, path: Path) -> bool:
        """Open a lesson or a project (File > Open, a dropped file, `cnnstudio FILE`)."""
        if path.suffix == LESSON_SUFFIX:
            return self.lessons.open(path)
        return self.open_project(path)

    def save_project(self, path: Path) -> bool:
        self._collect_spec()
        if not self.runs.save_project(path, self.spec):
            return False
        self.history.mark_saved()
        return True

    def _may_discard(self, doing: str) -> bool:
        """Ask before unsaved settings are replaced; True when it may go on."""
        if not self.history.modified:
            return True
        answer = ask(
            self,
            "Unsaved changes",
            f"The settings have changes that are not saved in a project. Discard them and {doing}?",
            {
                "Save": QMessageBox.ButtonRole.AcceptRole,
                "Discard": QMessageBox.ButtonRole.DestructiveRole,
            },
        )
        if answer == "Save":
            return self._on_save()
        return answer == "Discard"

    def _on_open(self) -> None:
        path = self.runs.ask_project_to_open()
        if path is not None:
            self.open_file(path)

    def _on_save(self) -> bool:
        if self.project is None:
            return self._on_save_as()
        return self.save_project(self.project.path)

    def _on_save_as(self) -> bool:
        path = self.runs.ask_project_path()
        return path is not None and self.save_project(path)

    def _show_title(self) -> None:
        name = self.project.path.name if self.project else "no project"
        if self.lessons.lesson is not None:
            name = f"lesson: {self.lessons.lesson.title}"
        self.setWindowTitle(f"cnnstudio - {name}{'*' if self.history.modified else ''}")

    # -- dropped files ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.open_dropped([Path(url.toLocalFile()) for url in event.mimeData().urls()])

    def open_dropped(self, paths: list[Path]) -> None:
        """A folder becomes the dataset; image files are classified; a project is opened."""
        if len(paths) == 1 and paths[0].is_dir():
            self.settings_tabs.setCurrentIndex(0)
            self.dataset_panel.set_folder(str(paths[0]))
        elif len(paths) == 1 and paths[0].suffix in (PROJECT_SUFFIX, LESSON_SUFFIX):
            self.open_file(paths[0])
        elif paths and all(p.suffix.lower() in IMAGE_SUFFIXES for p in paths):
            checkpoint = self.runs.latest_checkpoint()
            if checkpoint is not None:
                self.runs.predict_files(checkpoint, paths)
        else:
            QMessageBox.information(
                self,
                "Nothing to open",
                "Drop a folder with one subfolder of images per class, image files to classify "
                f"with your trained network, a {PROJECT_SUFFIX} project or a {LESSON_SUFFIX} "
                "lesson.",
            )

    def _restored_project(self) -> Project | None:
        """The project open when the window last closed (its spec edits come from `spec`)."""
        path = self.settings.value("project")
        try:
            return load_project(path) if path else None
        except CnnstudioError:
            return None  # moved or damaged since: open nothing
