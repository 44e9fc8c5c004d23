"""The studio window: settings on the left, live views of the run on the right."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.sources.download import download_dataset
from cnnstudio.core.data.sources.locations import default_runs_dir
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.data.tensors import input_shape
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.spec.project import PROJECT_SUFFIX, Project, load_project
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.device import available_devices
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitStarted
from cnnstudio.gui.controller import RunController
from cnnstudio.gui.images import ThumbnailGrid
from cnnstudio.gui.jobs import JobRunner
from cnnstudio.gui.loading import LoadedDataset, augmentation_preview, load_for_display
from cnnstudio.gui.panels.dataset_panel import DatasetPanel
from cnnstudio.gui.panels.model_panel import ModelPanel
from cnnstudio.gui.panels.training_panel import TrainingPanel
from cnnstudio.gui.run_dialogs import (
    IMAGE_SUFFIXES,
)
from cnnstudio.gui.views.class_table import ClassTable
from cnnstudio.gui.views.confusion import ConfusionView
from cnnstudio.gui.views.curves import CurvesView
from cnnstudio.gui.views.mistakes import MistakesView
from cnnstudio.gui.views.runs import RunsView
from cnnstudio.gui.window_runs import ProjectsAndRuns, first_launch_spec

# Views redraw from a timer, never once per signal. 5 Hz: on a 2-core CPU each curves redraw costs
# ~11 ms of the GUI thread, and the training thread waits for the GIL meanwhile. Measured with
# benchmarks/window_responsiveness.py, training in the window ran at 1.10x headless with no
# redraws, 0.89x redrawing at 10 Hz.
REDRAW_INTERVAL_MS = 200
RELOAD_DELAY_MS = 300  # wait for typing to pause before reloading a dataset


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


class MainWindow(ProjectsAndRuns, QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("cnnstudio")
        self.setAcceptDrops(True)
        self.settings = QSettings()
        self.project = self._restored_project()
        self.spec = self._restored_spec()
        self.jobs = JobRunner(self)
        self.controller = RunController(self)
        self.loaded: LoadedDataset | None = None
        self.loaded_key: str | None = None
        self.dataset_problem: str | None = None
        self.run_data: ImageData | None = None
        self.run_dir: Path | None = None
        self.epochs: list[EpochEnded] = []
        self.class_names: list[str] = []
        self.run_started = 0.0
        self.latest_batch: BatchEnded | None = None
        self.preview_seed = 0

        self.dataset_panel = DatasetPanel(self.spec)
        self.model_panel = ModelPanel(self.spec.layers)
        self.training_panel = TrainingPanel(self.spec)
        self.settings_tabs = QTabWidget()
        self.settings_tabs.addTab(_scrolling(self.dataset_panel), "Dataset")
        self.settings_tabs.addTab(self.model_panel, "Model")
        self.settings_tabs.addTab(_scrolling(self.training_panel), "Training")

        self.curves = CurvesView()
        self.confusion = ConfusionView()
        self.class_table = ClassTable()
        self.mistakes = MistakesView()
        self.runs_view = RunsView()
        self.view_tabs = QTabWidget()
        self.view_tabs.addTab(self.curves, "Curves")
        self.view_tabs.addTab(self.confusion, "Confusion matrix")
        self.view_tabs.addTab(self.class_table, "Per class")
        self.view_tabs.addTab(self.mistakes, "Mistakes")
        self.view_tabs.addTab(self.runs_view, "Runs")

        self.train_button = QPushButton("Train")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.progress_label = QLabel("Ready.")
        self.reason_label = QLabel()
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet("color: #b00020;")
        controls = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            controls.addWidget(button)
        controls.addWidget(self.progress, 1)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.addLayout(controls)
        right_column.addWidget(self.progress_label)
        right_column.addWidget(self.reason_label)
        right_column.addWidget(self.view_tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.settings_tabs)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)
        self.device_label = QLabel()
        self.statusBar().addPermanentWidget(self.device_label)

        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self.reload_timer = QTimer(self)
        self.reload_timer.setSingleShot(True)
        self.reload_timer.setInterval(RELOAD_DELAY_MS)
        self._build_menu()
        self._connect_signals()
        self._restore_geometry()
        self._show_title()
        self.runs_view.show_runs(self.runs_dir)
        self.redraw_timer.start()
        self._set_running(False)
        self._on_dataset_edited()

    def _connect_signals(self) -> None:
        self.dataset_panel.changed.connect(self._on_dataset_edited)
        self.dataset_panel.download_requested.connect(self._on_download_requested)
        self.dataset_panel.preview_requested.connect(self._on_preview_requested)
        self.model_panel.changed.connect(self._on_settings_edited)
        self.model_panel.input_size_requested.connect(self.dataset_panel.set_input_size)
        self.training_panel.changed.connect(self._on_settings_edited)
        self.train_button.clicked.connect(self._on_train_clicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.stop_button.clicked.connect(self.controller.stop)
        self.controller.running_changed.connect(self._set_running)
        self.confusion.cell_clicked.connect(self._on_confusion_cell_clicked)
        self.redraw_timer.timeout.connect(self._on_redraw_timer)
        self.reload_timer.timeout.connect(self._load_dataset)
        self.runs_view.open_requested.connect(self.show_run)
        self.runs_view.resume_requested.connect(self.resume_run)
        self.runs_view.predict_requested.connect(self._ask_images_to_predict)
        self.runs_view.export_requested.connect(self._open_export_dialog)
        self.runs_view.report_requested.connect(self._ask_report_path)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&New project", QKeySequence.StandardKey.New, self.new_project),
            ("&Open project...", QKeySequence.StandardKey.Open, self._ask_project_to_open),
            ("&Save project", QKeySequence.StandardKey.Save, self._save_project_clicked),
            ("Save project &as...", QKeySequence.StandardKey.SaveAs, self._ask_project_path),
            (None, None, None),
            ("&Predict images...", None, self._predict_with_latest),
            (None, None, None),
            ("&Quit", QKeySequence.StandardKey.Quit, self.close),
        ):
            if text is None:
                menu.addSeparator()
                continue
            action = menu.addAction(text)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(slot)

    # -- settings -----------------------------------------------------------------------------
    def _collect_spec(self) -> None:
        self.dataset_panel.write_into(self.spec)
        self.training_panel.write_into(self.spec)
        self.spec.layers = list(self.model_panel.layers)

    def _dataset_key(self) -> str:
        return json.dumps(self.spec.dataset, sort_keys=True)

    def _on_dataset_edited(self) -> None:
        self._collect_spec()
        if self._dataset_key() != self.loaded_key:
            self.loaded, self.dataset_problem = None, None
            self.reload_timer.start()
        self._update_model_input()
        self._update_train_button()

    def _on_settings_edited(self) -> None:
        self._collect_spec()
        self._update_train_button()

    def _update_model_input(self) -> None:
        """Tell the model editor what input the stack gets, as soon as it is known."""
        source = get_source(self.spec.dataset["name"])
        native, classes = None, 0
        if self.loaded is not None:
            native, classes = self.loaded.data.input_shape, self.loaded.data.num_classes
        elif not source.needs_path:
            options = self.spec.dataset["options"]
            native, classes = source.native_shape(options), len(source.class_names(options))
        shape = input_shape(native, self.spec.input) if native else None
        self.model_panel.set_input(shape, classes)

    def train_blocked_reason(self) -> str | None:
        """Why Train is disabled, in words; None when a run can start."""
        try:
            RunSpec.from_dict(self.spec.to_dict())
        except CnnstudioError as error:
            return str(error)
        if self.dataset_problem:
            return self.dataset_problem
        return self.model_panel.problem

    def _update_train_button(self) -> None:
        reason = None if self.controller.running else self.train_blocked_reason()
        self.train_button.setEnabled(not self.controller.running and reason is None)
        self.train_button.setToolTip(reason or "Train this network")
        self.reason_label.setText(f"Cannot train yet: {reason}" if reason else "")

    # -- dataset loading, download and preview (worker threads) --------------------------------
    def _load_dataset(self) -> None:
        spec, key = RunSpec.from_dict(self.spec.to_dict()), self._dataset_key()
        source = get_source(spec.dataset["name"])
        if source.needs_path and not spec.dataset["options"].get("path"):
            self.dataset_panel.show_problem("Choose a folder, or drop one on the window.")
            return
        missing = self.dataset_panel.availability_problem()
        if missing:  # not downloaded yet: the panel offers Download and "I have the files"
            self.dataset_problem = missing
            self.dataset_panel.show_availability()
            self._update_train_button()
            return
        self.dataset_panel.show_busy(f"Loading {source.title}...")
        self.jobs.start(
            lambda: (key, load_for_display(spec)),
            self._on_dataset_loaded,
            self._on_dataset_failed,
        )

    def _on_dataset_loaded(self, result: tuple[str, LoadedDataset]) -> None:
        key, loaded = result
        if key != self._dataset_key():
            return  # the settings changed while loading; a newer load is on its way
        self.loaded, self.loaded_key, self.dataset_problem = loaded, key, None
        self.dataset_panel.show_dataset(loaded.report, loaded.samples)
        self._update_model_input()
        self._update_train_button()
        self._on_preview_requested()

    def _on_dataset_failed(self, message: str) -> None:
        self.dataset_problem = message
        self.dataset_panel.show_problem(message)
        self.dataset_panel.show_availability()
        self._update_train_button()

    def _on_download_requested(self) -> None:
        name, where = self.spec.dataset["name"], self.spec.dataset["data_dir"]
        self.dataset_panel.show_downloading(True)
        self.dataset_panel.show_busy(f"Downloading {get_source(name).title}...")
        self.jobs.start(
            lambda: download_dataset(name, where), self._on_downloaded, self._on_download_failed
        )

    def _on_downloaded(self, _where: object) -> None:
        self.dataset_panel.show_downloading(False)
        self.dataset_panel.show_availability()
        self.loaded_key = None
        self._load_dataset()

    def _on_download_failed(self, message: str) -> None:
        self.dataset_panel.show_download_failed(message)  # once, with Retry and "I have the files"

    def _on_preview_requested(self) -> None:
        if self.loaded is None:
            return
        self._collect_spec()
        self.preview_seed += 1
        data, settings, seed = self.loaded.data, dict(self.spec.augment), self.preview_seed
        self.jobs.start(
            lambda: augmentation_preview(data, settings, seed),
            self.dataset_panel.show_preview,
            lambda message: None,
        )

    # -- a run --------------------------------------------------------------------------------
    @property
    def runs_dir(self) -> Path:
        """Beside the open project, else in the user's data folder."""
        return self.project.runs_dir if self.project else default_runs_dir()

    def _on_train_clicked(self) -> None:
        self._collect_spec()
        if self.train_blocked_reason() is not None:
            return
        spec = RunSpec.from_dict(self.spec.to_dict())
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{spec.dataset['name']}"
        self._start_run(spec, self.runs_dir / name)

    def _start_run(
        self, spec: RunSpec, run_dir: Path, resume: dict[str, Any] | None = None
    ) -> None:
        data = self.loaded.data if self.loaded and self.loaded_key == self._dataset_key() else None
        self.epochs = []
        self.run_data = None
        self.run_dir = run_dir
        self.progress.setValue(0)
        self.progress_label.setText("Starting...")
        worker = self.controller.start(spec, data, run_dir, resume)
        worker.data_ready.connect(self._on_run_data_ready)
        worker.fit_started.connect(self._on_fit_started)
        worker.batches_ended.connect(self._on_batches_ended)
        worker.epoch_ended.connect(self._on_epoch_ended)
        worker.fit_ended.connect(self._on_fit_ended)
        worker.failed.connect(self._on_run_failed)

    def _on_pause_clicked(self) -> None:
        if self.controller.paused:
            self.controller.resume()
            self.pause_button.setText("Pause")
        else:
            self.controller.pause()
            self.pause_button.setText("Resume")
            self.progress_label.setText(self.progress_label.text() + "  (paused)")

    def _set_running(self, running: bool) -> None:
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        self.dataset_panel.set_editable(not running)
        self.model_panel.setEnabled(not running)
        self.training_panel.setEnabled(not running)
        if not running:
            self.device_label.setText(f"Device: {available_devices()[0].description}")
        self._update_train_button()

    def _on_run_data_ready(self, data: object) -> None:
        self.run_data = data if isinstance(data, ImageData) else None

    def _on_fit_started(self, event: FitStarted) -> None:
        self.run_started = time.monotonic()
        self.class_names = list(event.class_names)
        self.curves.clear()
        self.confusion.clear(self.class_names)
        self.device_label.setText(
            f"Device: {event.device}" + (", mixed precision" if event.mixed_precision else "")
        )
        self.progress.setRange(0, event.epochs * event.batches_per_epoch)
        self.progress.setValue((event.first_epoch - 1) * event.batches_per_epoch)

    def _on_batches_ended(self, batches: list[BatchEnded]) -> None:
        self.curves.add_batches(batches)
        self.latest_batch = batches[-1]  # shown at the next redraw tick, with the curves

    def _show_progress(self, last: BatchEnded) -> None:
        done = (last.epoch - 1) * last.batches_per_epoch + last.batch
        self.progress.setValue(done)
        elapsed = time.monotonic() - self.run_started
        remaining = elapsed / done * (self.progress.maximum() - done) if done else 0
        self.progress_label.setText(
            f"Epoch {last.epoch}, batch {last.batch} of {last.batches_per_epoch}   "
            f"elapsed {_clock(elapsed)}   left about {_clock(remaining)}   "
            f"{last.images_per_second:,.0f} images/s   loss {last.loss:.3f}"
        )

    def _on_epoch_ended(self, event: EpochEnded) -> None:
        self.epochs.append(event)
        self.curves.add_epoch(event)
        self.confusion.add_epoch(event.confusion)
        self.class_table.show_epoch(event, self.class_names)
        if self.run_data is not None:
            self.mistakes.show_epoch(
                event,
                self.run_data.val_images.numpy(),
                self.run_data.val_labels.numpy(),
                self.class_names,
            )

    def _on_fit_ended(self, event: FitEnded) -> None:
        if self.latest_batch is not None:  # the bar shows the last batch; the line the outcome
            self.progress.setValue(
                (self.latest_batch.epoch - 1) * self.latest_batch.batches_per_epoch
                + self.latest_batch.batch
            )
            self.latest_batch = None
        best = (
            f"; best validation accuracy {event.best_val_accuracy:.1%} at epoch {event.best_epoch}"
            if event.best_epoch
            else ""
        )
        words = {"completed": "Finished", "stopped": "Stopped", "failed": "Failed"}
        detail = f" ({event.reason})" if event.status == "stopped" else ""
        self.progress_label.setText(
            f"{words[event.status]} after {event.epochs_completed} epoch(s), "
            f"{_clock(event.seconds)}{detail}{best}. Saved in {self.run_dir}."
        )
        self.runs_view.show_runs(self.runs_dir)
        self.runs_view.select(self.run_dir)

    def _on_run_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Training stopped", message)

    def _on_redraw_timer(self) -> None:
        if self.latest_batch is not None and self.controller.running:
            self._show_progress(self.latest_batch)
            self.latest_batch = None
        shown = self.view_tabs.currentWidget()
        if shown is self.curves:
            self.curves.refresh()
        elif shown is self.confusion:
            self.confusion.refresh()

    def _on_confusion_cell_clicked(self, epoch: int, true: int, predicted: int) -> None:
        if self.run_data is None or epoch > len(self.epochs):
            return
        labels = self.run_data.val_labels.numpy()
        event = self.epochs[epoch - 1]
        rows = np.flatnonzero((labels == true) & (event.val_predictions == predicted))
        dialog = QDialog(self)
        dialog.setWindowTitle(
            f"Epoch {epoch}: true {self.class_names[true]}, predicted "
            f"{self.class_names[predicted]} ({len(rows)} images)"
        )
        grid = ThumbnailGrid(columns=10, size=64)
        images = self.run_data.val_images.numpy()
        grid.show_images(
            [images[r] for r in rows[:200]], [f"{event.val_confidence[r]:.0%}" for r in rows[:200]]
        )
        QVBoxLayout(dialog).addWidget(_scrolling(grid))
        dialog.resize(760, 520)
        dialog.show()

    # -- the window ---------------------------------------------------------------------------
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
        elif len(paths) == 1 and paths[0].suffix == PROJECT_SUFFIX:
            self.open_project(paths[0])
        elif paths and all(p.suffix.lower() in IMAGE_SUFFIXES for p in paths):
            checkpoint = self._latest_checkpoint()
            if checkpoint is not None:
                self.predict_files(checkpoint, paths)
        else:
            QMessageBox.information(
                self,
                "Nothing to open",
                "Drop a folder with one subfolder of images per class, image files to classify "
                f"with your trained network, or a {PROJECT_SUFFIX} project.",
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.redraw_timer.stop()
        self.reload_timer.stop()  # a dataset load pending from the last edit would outlive us
        self.controller.shutdown()  # stops the run at its next batch and waits
        self.jobs.wait_all()
        self._collect_spec()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("spec", self.spec.to_json())
        self.settings.setValue("project", str(self.project.path) if self.project else "")
        super().closeEvent(event)

    def _restored_spec(self) -> RunSpec:
        text = self.settings.value("spec")
        if text:
            try:
                return RunSpec.from_dict(json.loads(text))
            except (ValueError, CnnstudioError):
                pass  # a spec from an older or damaged settings file: start fresh
        return first_launch_spec()

    def _restored_project(self) -> Project | None:
        """The project open when the window last closed (its spec edits come from `spec`)."""
        path = self.settings.value("project")
        try:
            return load_project(path) if path else None
        except CnnstudioError:
            return None  # moved or damaged since: open nothing

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1360, 860)
        splitter = self.settings.value("window/splitter")
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes([520, 840])


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
