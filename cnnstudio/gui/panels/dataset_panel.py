"""Choosing and checking the dataset: source, folder, options, input size, augmentation.

The panel edits settings only. Loading, checking and previewing run on worker threads, started by
the window, which hands the results back through `show_*`. Messages about the dataset appear in one
box of fixed height, with a button for each fix that exists (download, retry, choose a folder).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
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
from cnnstudio.core.data.sources.download import OFFLINE
from cnnstudio.core.data.sources.locations import resolve_data_dir
from cnnstudio.core.data.sources.registry import list_sources
from cnnstudio.core.spec.run_spec import INPUT_PARAMS, RunSpec, default_dataset
from cnnstudio.gui.file_dialogs import choose_folder
from cnnstudio.gui.glossary_links import explain_headers
from cnnstudio.gui.images import ThumbnailGrid
from cnnstudio.gui.loading import SAMPLES_PER_CLASS
from cnnstudio.gui.panels.guidance import HelpLine, advanced_switch
from cnnstudio.gui.panels.problem_box import ProblemBox
from cnnstudio.gui.param_form import ParamForm

HAVE_FILES = "I have the files: choose folder"


class DatasetPanel(QWidget):
    changed = Signal()  # dataset, input or augmentation settings were edited
    download_requested = Signal()
    preview_requested = Signal()

    def __init__(self, spec: RunSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sources = {source.name: source for source in list_sources()}
        self.options_form: ParamForm | None = None
        self.shown_source: str | None = None
        self.input_form = ParamForm(INPUT_PARAMS, spec.input, "input")
        self.augment_form = ParamForm(AUGMENT_PARAMS, spec.augment, "augment")
        column = QVBoxLayout(self)
        column.addWidget(advanced_switch().check_box())
        column.addWidget(self._choose_box())
        column.addWidget(self._contents_box())
        column.addWidget(self._augment_box())
        column.addStretch()

        self.set_spec(spec)
        self.source_box.currentIndexChanged.connect(self._on_source_changed)
        self.folder_edit.editingFinished.connect(self.changed)
        self.input_form.changed.connect(self.changed)
        self.augment_form.changed.connect(self.changed)
        self.augment_form.changed.connect(self.preview_requested)
        switch = advanced_switch()
        switch.toggled.connect(self._show_advanced)
        self._show_advanced(switch.shown)

    # -- building -----------------------------------------------------------------------------
    def _choose_box(self) -> QGroupBox:
        self.source_box = QComboBox()
        self.source_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.source_box.setMinimumContentsLength(12)
        for source in self.sources.values():
            self.source_box.addItem(source.title, source.name)
            self.source_box.setItemData(self.source_box.count() - 1, source.description, 3)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("one subfolder per class")
        self.folder_edit.setToolTip("A folder with one subfolder of images per class.")
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.folder_widget = QWidget()
        self.folder_widget.setLayout(folder_row)
        self.options_holder = QVBoxLayout()
        self.download_progress = QProgressBar()
        self.download_progress.setRange(0, 0)  # busy: torchvision reports no fraction to us
        self.download_progress.setFormat("Downloading...")
        policy = self.download_progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # its place stays, so nothing below moves
        self.download_progress.setSizePolicy(policy)
        self.download_progress.hide()
        self.message = ProblemBox()

        self.choose_box = choose = QGroupBox("Dataset")
        self.choose_form = form = QFormLayout(choose)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Images from", self.source_box)
        form.addRow("Folder", self.folder_widget)
        form.addRow(self.options_holder)
        form.addRow(self.download_progress)
        form.addRow(self.message)
        form.addRow(self.input_form)
        form.addRow(HelpLine(choose))  # in each box: the panel scrolls, so one at its foot hides
        return choose

    def _contents_box(self) -> QGroupBox:
        self.class_table = QTableWidget(0, 3)
        self.class_table.setHorizontalHeaderLabels(["class", "training", "checking"])
        explain_headers(self.class_table, {"training": "training set", "checking": "validation"})
        self.class_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.class_table.setTabKeyNavigation(False)  # Tab moves on to the next control
        self.class_table.horizontalHeader().setStretchLastSection(True)
        self.class_table.setMaximumHeight(220)
        self.samples = ThumbnailGrid(columns=SAMPLES_PER_CLASS, size=32)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(160)
        self.report.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        contents = QGroupBox("Classes, samples and check")
        layout = QVBoxLayout(contents)
        layout.addWidget(self.class_table)
        layout.addWidget(self.samples)
        layout.addWidget(self.report)
        return contents

    def _augment_box(self) -> QGroupBox:
        self.preview = ThumbnailGrid(columns=SAMPLES_PER_CLASS, size=36)
        again = QPushButton("Another preview")
        again.clicked.connect(self.preview_requested)
        self.augment_box = augment = QGroupBox("Augmentation (what the network will see)")
        layout = QVBoxLayout(augment)
        layout.addWidget(self.augment_form)
        layout.addWidget(HelpLine(augment))
        layout.addWidget(again)
        layout.addWidget(self.preview)
        return augment

    def _show_advanced(self, shown: bool) -> None:
        for form in (self.options_form, self.input_form, self.augment_form):
            if form is not None:
                form.show_advanced(shown)

    # -- settings ---------------------------------------------------------------------------
    def set_editable(self, editable: bool) -> None:
        """Lock the dataset during a run; classes, samples and the check stay readable, and
        augmentation may change while it trains."""
        self.choose_box.setEnabled(editable)

    def set_spec(self, spec: RunSpec) -> None:
        """Show `spec`'s dataset settings; emits no `changed` and leaves the focus alone (the
        options form is rebuilt only when the source differs)."""
        self.data_dir = spec.dataset["data_dir"]
        self.source_box.blockSignals(True)
        self.source_box.setCurrentIndex(self.source_box.findData(spec.dataset["name"]))
        self.source_box.blockSignals(False)
        if spec.dataset["name"] != self.shown_source:
            self._build_options(spec.dataset)
        else:
            assert self.options_form is not None  # built for the shown source
            self.options_form.set_values(spec.dataset["options"])
            path = spec.dataset["options"].get("path") or ""
            if self.folder_edit.text() != path:
                self.folder_edit.setText(path)
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

    def set_input_size(self, size: int) -> None:
        """Feed the network images of `size` pixels (a fix offered by the model panel)."""
        self.input_form.set_values({**self.input_form.values(), "size": size})
        self.changed.emit()

    def _on_source_changed(self) -> None:
        self._build_options(default_dataset(self.source_box.currentData()))
        self.changed.emit()

    def _build_options(self, dataset: dict[str, Any]) -> None:
        source = self.sources[dataset["name"]]
        if self.options_form is not None:
            self.options_form.deleteLater()
        params = [p for p in source.options if p.name != "path"]
        self.options_form = ParamForm(params, dataset["options"], "dataset")
        self.options_form.show_advanced(advanced_switch().shown)
        self.options_form.changed.connect(self.changed)
        self.options_holder.addWidget(self.options_form)
        self.shown_source = source.name
        self.choose_form.setRowVisible(self.folder_widget, source.needs_path)
        self.folder_edit.setText(dataset["options"].get("path") or "")
        self.source_box.setToolTip(source.description)
        self.message.show_problem(source.description, problem=False)
        self._clear_contents()  # what was shown belongs to the previous dataset
        self.show_availability()

    # -- downloads and files placed by hand ---------------------------------------------------
    def availability_problem(self) -> str | None:
        """Why the chosen downloadable set cannot load yet, in words; None if it can."""
        source = self.sources[self.source_box.currentData()]
        if source.needs_path or source.is_available(self.data_dir):
            return None
        return f"{source.title} is not downloaded yet."

    def show_availability(self) -> None:
        problem = self.availability_problem()
        if problem:
            fixes = [("Download", self.download_requested.emit), (HAVE_FILES, self._find_files)]
            advice = " Download it (about a minute on a fast connection), or choose its folder."
            self.message.show_problem(problem + advice, fixes)

    def show_download_failed(self, message: str) -> None:
        """One message for a failed download, with Retry and a way to use files fetched by hand."""
        self.show_downloading(False)
        if OFFLINE in message:  # the rest says what the buttons offer
            message = f"{OFFLINE[0].upper()}{OFFLINE[1:]}."
        fixes = [("Retry", self.download_requested.emit), (HAVE_FILES, self._find_files)]
        self.message.show_problem(message, fixes)

    def _find_files(self) -> None:
        source = self.sources[self.source_box.currentData()]
        chosen = choose_folder(self, f"Folder holding the {source.title} files")
        if chosen is None:
            return
        for candidate in (chosen, *list(chosen.parents)[:2]):  # the data folder, or inside it
            if source.is_available(candidate):
                self.data_dir = str(candidate)
                self.show_busy(f"Found {source.title} in {candidate}.")
                self.changed.emit()
                return
        where = resolve_data_dir(self.data_dir)
        self.message.show_problem(
            f"No {source.title} files in {chosen}. Choose the folder that holds them, or "
            f"{source.hand_instructions(where)}.",  # type: ignore[attr-defined]  # a download
            [("Download", self.download_requested.emit), (HAVE_FILES, self._find_files)],
        )

    def _browse(self) -> None:
        path = choose_folder(self, "Folder of images, one subfolder per class")
        if path:
            self.set_folder(str(path))

    # -- results from worker threads ----------------------------------------------------------
    def show_busy(self, text: str) -> None:
        self.message.show_problem(text, problem=False)

    def show_downloading(self, active: bool) -> None:
        self.download_progress.setVisible(active)
        if active:
            self.message.show_problem("Downloading...", problem=False)

    def show_dataset(
        self, report: DatasetReport, samples: list[tuple[str, list[np.ndarray]]]
    ) -> None:
        self.message.show_problem(report.describe()[0], problem=False)
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
        """A dataset that cannot be used: the message, and the fix where one exists."""
        fixes = []
        if self.sources[self.source_box.currentData()].needs_path:
            fixes.append(("Choose folder", self._browse))
        self.message.show_problem(message, fixes)
        self._clear_contents()
        if self.availability_problem():
            self.show_availability()

    def show_preview(self, images: list[np.ndarray]) -> None:
        self.preview.show_images(images)

    def _clear_contents(self) -> None:
        self.class_table.setRowCount(0)
        self.samples.show_images([])
        self.report.clear()
        self.preview.show_images([])
