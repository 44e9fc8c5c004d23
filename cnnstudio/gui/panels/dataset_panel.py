"""Choosing and checking the dataset: source, folder, options, input size, augmentation.

The panel edits settings only. Loading, checking and previewing run on worker threads, started by
the window, which hands the results back through `show_*`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.data.augment import AUGMENT_PARAMS
from cnnstudio.core.data.inspect import DatasetReport
from cnnstudio.core.data.sources.locations import resolve_data_dir
from cnnstudio.core.data.sources.registry import list_sources
from cnnstudio.core.spec.run_spec import INPUT_PARAMS, RunSpec, default_dataset
from cnnstudio.gui.images import ThumbnailGrid
from cnnstudio.gui.loading import SAMPLES_PER_CLASS
from cnnstudio.gui.param_form import ParamForm


class DatasetPanel(QWidget):
    changed = Signal()  # dataset, input or augmentation settings were edited
    download_requested = Signal()
    preview_requested = Signal()

    def __init__(self, spec: RunSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sources = {source.name: source for source in list_sources()}
        self.source_box = QComboBox()
        for source in self.sources.values():
            self.source_box.addItem(source.title, source.name)
            self.source_box.setItemData(self.source_box.count() - 1, source.description, 3)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("a folder with one subfolder per class")
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.folder_widget = QWidget()
        self.folder_widget.setLayout(folder_row)
        folder_row.setContentsMargins(0, 0, 0, 0)
        self.options_holder = QVBoxLayout()
        self.options_form: ParamForm | None = None
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download_requested)
        self.download_progress = QProgressBar()
        self.download_progress.setRange(0, 0)  # busy: torchvision reports no fraction to us
        self.download_progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.input_form = ParamForm(INPUT_PARAMS, spec.input)

        self.choose_box = choose = QGroupBox("Dataset")
        self.choose_form = form = QFormLayout(choose)
        form.addRow("source", self.source_box)
        form.addRow("folder", self.folder_widget)
        form.addRow(self.options_holder)
        form.addRow(self.download_button, self.download_progress)
        form.addRow(self.status)
        form.addRow(self.input_form)

        self.class_table = QTableWidget(0, 3)
        self.class_table.setHorizontalHeaderLabels(["class", "training", "validation"])
        self.class_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.class_table.setMaximumHeight(220)
        self.samples = ThumbnailGrid(columns=SAMPLES_PER_CLASS, size=40)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(160)
        contents = QGroupBox("Classes, samples and check")
        contents_layout = QVBoxLayout(contents)
        contents_layout.addWidget(self.class_table)
        contents_layout.addWidget(self.samples)
        contents_layout.addWidget(self.report)

        self.augment_form = ParamForm(AUGMENT_PARAMS, spec.augment)
        self.preview = ThumbnailGrid(columns=SAMPLES_PER_CLASS, size=48)
        again = QPushButton("Another preview")
        again.clicked.connect(self.preview_requested)
        self.augment_box = augment = QGroupBox("Augmentation (what the network will see)")
        augment_layout = QVBoxLayout(augment)
        augment_layout.addWidget(self.augment_form)
        augment_layout.addWidget(again)
        augment_layout.addWidget(self.preview)

        column = QVBoxLayout(self)
        column.addWidget(choose)
        column.addWidget(contents)
        column.addWidget(augment)
        column.addStretch()

        self.set_spec(spec)
        self.source_box.currentIndexChanged.connect(self._on_source_changed)
        self.folder_edit.editingFinished.connect(self.changed)
        self.input_form.changed.connect(self.changed)
        self.augment_form.changed.connect(self.changed)
        self.augment_form.changed.connect(self.preview_requested)

    # -- settings ---------------------------------------------------------------------------
    def set_editable(self, editable: bool) -> None:
        """Lock the settings during a run; classes, samples and the check stay readable."""
        self.choose_box.setEnabled(editable)
        self.augment_box.setEnabled(editable)

    def set_spec(self, spec: RunSpec) -> None:
        self.data_dir = spec.dataset["data_dir"]
        self.source_box.blockSignals(True)
        self.source_box.setCurrentIndex(self.source_box.findData(spec.dataset["name"]))
        self.source_box.blockSignals(False)
        self._build_options(spec.dataset)
        self.input_form.set_values(spec.input)
        self.augment_form.set_values(spec.augment)

    def write_into(self, spec: RunSpec) -> None:
        name = self.source_box.currentData()
        options = self.options_form.values() if self.options_form else {}
        if self.sources[name].needs_path:
            options["path"] = self.folder_edit.text().strip() or None
        spec.dataset = {"name": name, "options": options, "data_dir": self.data_dir}
        spec.input = self.input_form.values()
        spec.augment = self.augment_form.values()

    def set_folder(self, path: str) -> None:
        """Switch to the user's folder (from Browse or a folder dropped on the window)."""
        self.source_box.setCurrentIndex(self.source_box.findData("folder"))
        self.folder_edit.setText(path)
        self.changed.emit()

    def _on_source_changed(self) -> None:
        self._build_options(default_dataset(self.source_box.currentData()))
        self.changed.emit()

    def _build_options(self, dataset: dict[str, Any]) -> None:
        source = self.sources[dataset["name"]]
        if self.options_form is not None:
            self.options_form.deleteLater()
        params = [p for p in source.options if p.name != "path"]
        self.options_form = ParamForm(params, dataset["options"])
        self.options_form.changed.connect(self.changed)
        self.options_holder.addWidget(self.options_form)
        self.choose_form.setRowVisible(self.folder_widget, source.needs_path)
        self.folder_edit.setText(dataset["options"].get("path") or "")
        self.source_box.setToolTip(source.description)
        self.show_availability()

    def show_availability(self) -> None:
        source = self.sources[self.source_box.currentData()]
        missing = not source.needs_path and not source.is_available(self.data_dir)
        self.download_button.setVisible(missing)
        if missing:
            where = resolve_data_dir(self.data_dir)
            self.status.setText(
                f"{source.title} is not in {where} yet: download it (about a "
                "minute on a fast connection) or place its files there."
            )

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of images, one subfolder per class")
        if path:
            self.set_folder(path)

    # -- results from worker threads ----------------------------------------------------------
    def show_busy(self, text: str) -> None:
        self.status.setText(text)

    def show_downloading(self, active: bool) -> None:
        self.download_progress.setVisible(active)
        self.download_button.setEnabled(not active)

    def show_dataset(
        self, report: DatasetReport, samples: list[tuple[str, list[np.ndarray]]]
    ) -> None:
        self.status.setText(report.describe()[0])
        self.class_table.setRowCount(len(report.class_names))
        for row, name in enumerate(report.class_names):
            values = (name, f"{report.train_counts[row]:,}", f"{report.val_counts[row]:,}")
            for col, value in enumerate(values):
                self.class_table.setItem(row, col, QTableWidgetItem(value))
        self.class_table.resizeColumnsToContents()
        images = [image for _, row in samples for image in row]
        captions = [name if i == 0 else "" for name, row in samples for i in range(len(row))]
        self.samples.show_images(images, captions)
        self.report.setPlainText("\n".join(report.describe()[len(report.class_names) + 2 :]))

    def show_problem(self, message: str) -> None:
        self.status.setText(message)
        self.class_table.setRowCount(0)
        self.samples.show_images([])
        self.report.clear()

    def show_preview(self, images: list[np.ndarray]) -> None:
        self.preview.show_images(images)
