"""Projects and past runs: open, save and start projects; list, show, resume, extend, predict
with, export and report runs. Reading and writing happen on worker threads; the window learns what
happened from signals and lays out the results."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFile, QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from cnnstudio.core.data.sources.locations import default_runs_dir
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.params import amount
from cnnstudio.core.runs.history import RunRecord, list_runs, read_run
from cnnstudio.core.runs.labels import LABEL_FILE, describe_run, read_label, run_name, write_label
from cnnstudio.core.runs.lock import is_locked
from cnnstudio.core.runs.report import write_output
from cnnstudio.core.spec.lesson import LESSON_SUFFIX
from cnnstudio.core.spec.project import PROJECT_SUFFIX, Project, load_project, save_project
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.controller import RunController
from cnnstudio.gui.file_dialogs import open_file, open_files, save_file
from cnnstudio.gui.jobs import JobRunner
from cnnstudio.gui.run_dialogs import (
    IMAGE_SUFFIXES,
    ExportDialog,
    PredictedImages,
    PredictionDialog,
    export_run,
    predict,
)
from cnnstudio.gui.views.runs import RunsView
from cnnstudio.gui.widgets import ask

if TYPE_CHECKING:
    from cnnstudio.core.runs.checkpoint import Checkpoint


class RunsController(QObject):
    project_changed = Signal()  # opened, saved or new: the title and the runs list follow
    spec_opened = Signal(object)  # RunSpec the panels should show (a project opened or new)
    run_loaded = Signal(object)  # RunRecord of a past run to show in the views
    # RunSpec, run folder, how many more epochs (None: resume up to the run's own total)
    resume_ready = Signal(object, object, object)
    message = Signal(str)  # a line for the status bar

    def __init__(
        self,
        jobs: JobRunner,
        runs: RunController,
        runs_view: RunsView,
        dialog_parent: QWidget,
        project: Project | None = None,
    ) -> None:
        super().__init__(dialog_parent)
        self.jobs, self.runs, self.runs_view = jobs, runs, runs_view
        self.parent_widget = dialog_parent
        self.project = project
        self.listing = 0  # the newest listing asked for; older answers are dropped
        self.session_runs: list[Path] = []  # trained in this window, oldest first
        self.kept_runs: list[Path] = []  # left outside the project's folder, listed with it
        runs_view.open_requested.connect(self.show_run)
        runs_view.resume_requested.connect(self.resume_run)
        runs_view.extend_requested.connect(self.resume_run)
        runs_view.predict_requested.connect(self.ask_images_to_predict)
        runs_view.export_requested.connect(self.open_export_dialog)
        runs_view.report_requested.connect(self.ask_report_path)
        runs_view.folder_requested.connect(self.open_folder)
        runs_view.label_edited.connect(self.save_label)
        runs_view.delete_requested.connect(self.delete_runs)

    @property
    def runs_dir(self) -> Path:
        """Beside the open project, else in the user's data folder."""
        return self.project.runs_dir if self.project else default_runs_dir()

    def run_started(self, run_dir: Path) -> None:
        if run_dir not in self.session_runs:
            self.session_runs.append(run_dir)

    def refresh_runs(self, select: Path | None = None) -> None:
        """List the runs folder (and runs kept elsewhere) on a worker thread, then show them."""
        self.listing += 1
        number, folder, kept = self.listing, self.runs_dir, list(self.kept_runs)
        self.jobs.start(
            lambda: [describe_run(r) for r in list_runs(folder) + _readable_runs(kept)],
            lambda rows: self._show_listing(number, folder, rows, select),
            lambda text: self.message.emit(f"Cannot list the runs in {folder}: {text}"),
        )

    def _show_listing(self, number: int, folder: Path, rows: list, select: Path | None) -> None:
        if number == self.listing:
            self.runs_view.show_records(folder, rows)
            if select is not None:
                self.runs_view.select(select)

    # -- projects -----------------------------------------------------------------------------
    def new_project(self, spec: RunSpec) -> None:
        self.project = None
        self.spec_opened.emit(spec)
        self.project_changed.emit()

    def open_project(self, path: Path) -> bool:
        """Open a project file; a damaged or foreign one is refused and nothing changes."""
        try:
            project = load_project(path)
        except CnnstudioError as error:
            QMessageBox.warning(self.parent_widget, "Cannot open the project", str(error))
            return False
        self.project = project
        self.spec_opened.emit(project.spec)
        self.project_changed.emit()
        return True

    def save_project(self, path: Path, spec: RunSpec) -> bool:
        project = Project(path, RunSpec.from_dict(spec.to_dict()))
        if self.project is not None and self.project.path == path:
            project = replace(project, runs_folder=self.project.runs_folder)
        try:
            save_project(project)
        except OSError as error:
            QMessageBox.warning(
                self.parent_widget, "Cannot save the project", f"{path}: {error.strerror}"
            )
            return False
        before, self.project = self.runs_dir, project
        if project.runs_dir != before:
            self._offer_runs(before)
        self.project_changed.emit()
        return True

    def _offer_runs(self, before: Path) -> None:
        """Runs trained before saving would vanish from the list: move, copy or keep them."""
        live = self.session_runs[-1:] if self.runs.running else []
        runs = [r for r in self.session_runs if r.parent == before and r.is_dir()]
        movable = [r for r in runs if r not in live]
        self.kept_runs += [r for r in runs if r in live and r not in self.kept_runs]
        if not movable:
            return
        answer = ask(
            self.parent_widget,
            "Runs trained before saving",
            f"{amount(len(movable), 'run')} trained in this session are in {before}. This project "
            f"keeps its runs in {self.runs_dir}. Move or copy them into the project? Otherwise "
            "they stay where they are, and the Runs tab keeps listing them.",
            {
                "Move into the project": QMessageBox.ButtonRole.AcceptRole,
                "Copy into the project": QMessageBox.ButtonRole.AcceptRole,
                "Keep them where they are": QMessageBox.ButtonRole.RejectRole,
            },
        )
        if answer.startswith(("Move", "Copy")):
            move, target = answer.startswith("Move"), self.runs_dir
            self.jobs.start(
                lambda: transfer_runs(movable, target, move),
                lambda placed: self._on_runs_placed(movable, placed, move),
                lambda text: QMessageBox.warning(self.parent_widget, "Cannot place the runs", text),
            )
        else:
            self.kept_runs += [r for r in movable if r not in self.kept_runs]

    def _on_runs_placed(self, runs: list[Path], placed: list[Path], moved: bool) -> None:
        if moved:
            self.session_runs = [
                placed[runs.index(r)] if r in runs else r for r in self.session_runs
            ]
        self.message.emit(
            f"{'Moved' if moved else 'Copied'} {amount(len(placed), 'run')} into {self.runs_dir}."
        )
        self.refresh_runs(placed[-1] if placed else None)

    def ask_project_to_open(self) -> Path | None:
        """A project or a lesson to open."""
        return open_file(self.parent_widget, "Open project or lesson", _OPEN_FILTER)

    def ask_project_path(self) -> Path | None:
        path = save_file(
            self.parent_widget, "Save project", f"project{PROJECT_SUFFIX}", _PROJECT_FILTER
        )
        return path.with_suffix(PROJECT_SUFFIX) if path else None

    # -- past runs ----------------------------------------------------------------------------
    def show_run(self, run_dir: Path) -> None:
        """Show a past run's records (read from its folder) in the curves and matrices."""
        if self.runs.running:  # the views belong to the live run until it ends
            self.message.emit("Wait for the run to end, or stop it, first.")
            return
        self.jobs.start(
            lambda: read_run(run_dir),
            lambda record: None if self.runs.running else self.run_loaded.emit(record),
            lambda text: QMessageBox.warning(self.parent_widget, "Cannot show the run", text),
        )

    def resume_run(self, run_dir: Path, more_epochs: int | None = None) -> None:
        """Go on training a stopped or interrupted run from its last checkpoint; with
        `more_epochs`, train a run (finished or not) that many epochs beyond those it has."""
        if self.runs.running:
            self.message.emit("One run at a time: wait for this one, or stop it.")
            return
        self.jobs.start(
            lambda: _read_checkpoint(run_dir / "last.pt"),
            lambda checkpoint: self._resume_from(run_dir, checkpoint, more_epochs),
            lambda text: QMessageBox.warning(self.parent_widget, "Cannot resume the run", text),
        )

    def _resume_from(self, run_dir: Path, checkpoint: Checkpoint, more_epochs: int | None) -> None:
        if not self.runs.running:
            self.resume_ready.emit(checkpoint.spec, run_dir, more_epochs)

    def ask_images_to_predict(self, checkpoint: Path) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES)
        paths = open_files(self.parent_widget, "Images to classify", f"Images ({patterns})")
        if paths:
            self.predict_files(checkpoint, paths)

    def predict_with_latest(self) -> None:
        checkpoint = self.latest_checkpoint()
        if checkpoint is not None:
            self.ask_images_to_predict(checkpoint)

    def latest_checkpoint(self) -> Path | None:
        """The selected run's best network, else the newest run's; None (said) if none."""
        chosen = self.runs_view.selected() or self.runs_view.records
        for record in chosen:
            if (record.folder / "best.pt").exists():
                return record.folder / "best.pt"
        QMessageBox.information(self.parent_widget, "No trained network", "Train a network first.")
        return None

    def predict_files(self, checkpoint: Path, paths: list[Path]) -> None:
        self.jobs.start(
            lambda: predict(checkpoint, paths),
            self._show_predictions,
            lambda text: QMessageBox.warning(
                self.parent_widget, "Cannot classify the images", text
            ),
        )

    def _show_predictions(self, result: PredictedImages) -> None:
        self.prediction_dialog = PredictionDialog(result, self.parent_widget)
        self.prediction_dialog.show()

    def open_export_dialog(self, run_dir: Path) -> None:
        def start(export_format, out, done, failed) -> None:
            self.jobs.start(lambda: export_run(run_dir, export_format, out), done, failed)

        self.export_dialog = ExportDialog(run_dir, start, self.parent_widget)
        self.export_dialog.show()

    def ask_report_path(self, run_dir: Path) -> None:
        path = save_file(
            self.parent_widget,
            "Save the run's report",
            run_dir / "report.html",
            "HTML report (*.html);;PNG plot (*.png);;SVG plot (*.svg);;Metrics (*.csv)",
        )
        if path:
            self.save_report(run_dir, path)

    def save_report(self, run_dir: Path, path: Path) -> None:
        self.jobs.start(
            lambda: write_output(read_run(run_dir), path),
            lambda written: self._say(f"Report saved: {written}"),
            lambda text: QMessageBox.warning(self.parent_widget, "Cannot save the report", text),
        )

    def open_folder(self, folder: Path) -> None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._say(f"Opened {folder} in the file manager.")
        else:
            self._say(f"No file manager could be started here. The run is in {folder}")

    def save_label(self, folder: Path, field: str, text: str) -> None:
        """Save a run's new name or notes in its run.json at once (a small file)."""
        try:
            label = write_label(folder, **{field: text})
        except OSError as error:
            QMessageBox.warning(
                self.parent_widget,
                f"Cannot save the run's {field}",
                f"{folder / LABEL_FILE}: {error.strerror or error}. Check that the run's folder "
                "can be written, then type it again.",
            )
            label = read_label(folder)
        self.runs_view.relabel(folder, label)

    def delete_runs(self, records: list[RunRecord]) -> None:
        """Move runs to the system trash once the person agrees; never a run that trains."""
        # Asked now, not as listed: a run may have started training into the folder since.
        running = [run_name(r) for r in records if is_locked(r.folder)]
        if running:
            QMessageBox.warning(
                self.parent_widget,
                "Cannot delete a running run",
                f"{', '.join(running)} is training. Stop it first, then delete it.",
            )
            return
        listed = "\n".join(f"  {run_name(r)}  ({r.folder.name})" for r in records)
        answer = ask(
            self.parent_widget,
            "Delete runs",
            f"Move {amount(len(records), 'run')} to the trash?\n\n{listed}\n\n"
            "They can be restored from the system trash.",
            {"Move to trash": QMessageBox.ButtonRole.DestructiveRole},
        )
        if answer:
            folders = [r.folder for r in records]
            self.jobs.start(
                lambda: move_to_trash(folders),
                lambda result: self._on_trashed(*result),
                lambda text: QMessageBox.warning(self.parent_widget, "Cannot delete", text),
            )

    def _on_trashed(self, moved: list[Path], problem: str) -> None:
        self.kept_runs = [r for r in self.kept_runs if r not in moved]
        if problem:
            done = (
                f"{amount(len(moved), 'run')} went to the trash; the others stay where they are."
                if moved
                else "Nothing was deleted."
            )
            QMessageBox.warning(
                self.parent_widget,
                "Cannot move the runs to the trash",
                f"The system trash cannot take {problem}. {done} To delete a run anyway, remove "
                "its folder in the file manager.",
            )
        if moved:
            self._say(f"Moved {amount(len(moved), 'run')} to the trash.")
        self.refresh_runs()

    def _say(self, text: str) -> None:
        """Said where it stays until the next notice (the runs view) and in the status bar."""
        self.runs_view.show_notice(text)
        self.message.emit(text)


_PROJECT_FILTER = f"cnnstudio project (*{PROJECT_SUFFIX})"
_OPEN_FILTER = (
    f"cnnstudio project or lesson (*{PROJECT_SUFFIX} *{LESSON_SUFFIX});;{_PROJECT_FILTER};;"
    f"cnnstudio lesson (*{LESSON_SUFFIX})"
)


def transfer_runs(runs: list[Path], target: Path, move: bool) -> list[Path]:
    """Move or copy run folders into `target`, never over an existing folder; the new paths."""
    target.mkdir(parents=True, exist_ok=True)
    placed = []
    for run in runs:
        destination, number = target / run.name, 1
        while destination.exists():
            number += 1
            destination = target / f"{run.name}-{number}"
        if move:
            shutil.move(str(run), str(destination))
        else:
            shutil.copytree(run, destination)
        placed.append(destination)
    return placed


def move_to_trash(folders: list[Path]) -> tuple[list[Path], str]:
    """Move folders to the system trash, stopping at the first that cannot go; the folders moved,
    and why the next could not ("" when all went)."""
    moved: list[Path] = []
    for folder in folders:
        file = QFile(str(folder))
        if not file.moveToTrash():
            return moved, f"{folder} ({file.errorString()})"
        moved.append(folder)
    return moved, ""


def _readable_runs(folders: list[Path]) -> list[RunRecord]:
    records = []
    for folder in folders:
        try:
            records.append(read_run(folder))
        except CnnstudioError:
            continue  # moved or deleted since: no longer listed
    return records


def _read_checkpoint(path: Path) -> Checkpoint:
    """Runs on a job thread; checkpoints import torch, which the window starts without."""
    from cnnstudio.core.runs.checkpoint import read_checkpoint

    return read_checkpoint(path)
