"""What the window does with projects and finished runs: open and save projects; show, resume,
predict with, export and report past runs. A mixin of MainWindow, kept apart so the window's own
file stays about layout, settings and the live run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.checkpoint import read_checkpoint
from cnnstudio.core.runs.history import read_run
from cnnstudio.core.runs.report import write_output
from cnnstudio.core.spec.project import PROJECT_SUFFIX, Project, load_project, save_project
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.events import epoch_from_state
from cnnstudio.gui.run_dialogs import (
    IMAGE_SUFFIXES,
    ExportDialog,
    PredictedImages,
    PredictionDialog,
    export_run,
    predict,
)


class ProjectsAndRuns:
    """Uses MainWindow's panels, views, `jobs`, `controller`, `_start_run` and `_on_epoch_ended`."""

    project: Project | None

    # -- projects -----------------------------------------------------------------------------
    def new_project(self) -> None:
        self.project = None
        self.apply_spec(first_launch_spec())

    def open_project(self, path: Path) -> bool:
        """Open a project file; a damaged or foreign one is refused and nothing changes."""
        try:
            project = load_project(path)
        except CnnstudioError as error:
            QMessageBox.warning(self, "Cannot open the project", str(error))
            return False
        self.project = project
        self.apply_spec(project.spec)
        return True

    def save_project(self, path: Path) -> bool:
        self._collect_spec()
        project = Project(path, RunSpec.from_dict(self.spec.to_dict()))
        if self.project is not None and self.project.path == path:
            project = replace(project, runs_folder=self.project.runs_folder)
        try:
            save_project(project)
        except OSError as error:
            QMessageBox.warning(self, "Cannot save the project", f"{path}: {error.strerror}")
            return False
        self.project = project
        self._show_title()
        self.runs_view.show_runs(self.runs_dir)
        return True

    def apply_spec(self, spec: RunSpec) -> None:
        """Show `spec` in every panel (a project opened, a run resumed)."""
        self.spec = RunSpec.from_dict(spec.to_dict())
        self.dataset_panel.set_spec(self.spec)
        self.training_panel.set_spec(self.spec)
        self.model_panel.set_layers(self.spec.layers)
        self._on_dataset_edited()
        self._show_title()
        self.runs_view.show_runs(self.runs_dir)

    def _show_title(self) -> None:
        name = self.project.path.name if self.project else "no project"
        self.setWindowTitle(f"cnnstudio - {name}")

    def _ask_project_to_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", f"cnnstudio project (*{PROJECT_SUFFIX})"
        )
        if path:
            self.open_project(Path(path))

    def _save_project_clicked(self) -> None:
        if self.project is None:
            self._ask_project_path()
        else:
            self.save_project(self.project.path)

    def _ask_project_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save project",
            f"project{PROJECT_SUFFIX}",
            f"cnnstudio project (*{PROJECT_SUFFIX})",
        )
        if path:
            self.save_project(Path(path).with_suffix(PROJECT_SUFFIX))

    # -- past runs ----------------------------------------------------------------------------
    def show_run(self, run_dir: Path) -> None:
        """Show a past run's epochs in the curves, confusion matrix and per-class views."""
        if self.controller.running:  # the views belong to the live run until it ends
            self.statusBar().showMessage("Wait for the run to end, or stop it, first.", 5000)
            return
        self.jobs.start(
            lambda: read_checkpoint(run_dir / "last.pt"),
            lambda checkpoint: self._show_history(run_dir, checkpoint),
            lambda message: QMessageBox.warning(self, "Cannot show the run", message),
        )

    def _show_history(self, run_dir: Path, checkpoint: dict[str, Any]) -> None:
        if self.controller.running:
            return
        history = [epoch_from_state(state) for state in checkpoint["training"]["history"]]
        self.class_names = list(checkpoint["class_names"])
        self.epochs, self.run_data = [], None
        self.curves.clear()
        self.confusion.clear(self.class_names)
        for event in history:
            self._on_epoch_ended(event)
        self.progress_label.setText(f"Showing {run_dir.name}: {len(history)} epoch(s).")
        self.view_tabs.setCurrentWidget(self.curves)

    def resume_run(self, run_dir: Path) -> None:
        """Go on training a stopped or interrupted run from its last checkpoint."""
        if self.controller.running:
            self.statusBar().showMessage("One run at a time: wait for this one, or stop it.", 5000)
            return
        self.jobs.start(
            lambda: read_checkpoint(run_dir / "last.pt"),
            lambda checkpoint: self._resume_from(run_dir, checkpoint),
            lambda message: QMessageBox.warning(self, "Cannot resume the run", message),
        )

    def _resume_from(self, run_dir: Path, checkpoint: dict[str, Any]) -> None:
        if self.controller.running:
            return
        spec = RunSpec.from_dict(checkpoint["spec"])
        self.apply_spec(spec)  # the panels show the settings the run goes on with
        self.view_tabs.setCurrentWidget(self.curves)
        self._start_run(spec, run_dir, checkpoint)

    def _ask_images_to_predict(self, checkpoint: Path) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES)
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Images to classify", "", f"Images ({patterns})"
        )
        if paths:
            self.predict_files(checkpoint, [Path(p) for p in paths])

    def _predict_with_latest(self) -> None:
        checkpoint = self._latest_checkpoint()
        if checkpoint is not None:
            self._ask_images_to_predict(checkpoint)

    def _latest_checkpoint(self) -> Path | None:
        """The selected run's best network, else the newest run's; None (said) if none."""
        chosen = self.runs_view.selected() or self.runs_view.records
        for record in chosen:
            if (record.folder / "best.pt").exists():
                return record.folder / "best.pt"
        QMessageBox.information(self, "No trained network", "Train a network first.")
        return None

    def predict_files(self, checkpoint: Path, paths: list[Path]) -> None:
        self.jobs.start(
            lambda: predict(checkpoint, paths),
            self._show_predictions,
            lambda message: QMessageBox.warning(self, "Cannot classify the images", message),
        )

    def _show_predictions(self, result: PredictedImages) -> None:
        self.prediction_dialog = PredictionDialog(result, self)
        self.prediction_dialog.show()

    def _open_export_dialog(self, run_dir: Path) -> None:
        def start(export_format, out, done, failed) -> None:
            self.jobs.start(lambda: export_run(run_dir, export_format, out), done, failed)

        self.export_dialog = ExportDialog(run_dir, start, self)
        self.export_dialog.show()

    def _ask_report_path(self, run_dir: Path) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the run's report",
            str(run_dir / "report.html"),
            "HTML report (*.html);;PNG plot (*.png);;SVG plot (*.svg);;Metrics (*.csv)",
        )
        if path:
            self.save_report(run_dir, Path(path))

    def save_report(self, run_dir: Path, path: Path) -> None:
        self.jobs.start(
            lambda: write_output(read_run(run_dir), path),
            lambda written: self.statusBar().showMessage(f"Wrote {written}", 8000),
            lambda message: QMessageBox.warning(self, "Cannot save the report", message),
        )


def first_launch_spec() -> RunSpec:
    """The built-in dataset and the tutorial network, 5 epochs: trains in under a minute."""
    return replace(RunSpec(), training={**RunSpec().training, "epochs": 5})
