"""Dialogs for what is done with a finished run: predicting image files, exporting the network.

The work itself (loading checkpoints, running the network, exporting) happens on job threads;
these dialogs only show results.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.data.images import SkippedFile
from cnnstudio.core.errors import DatasetError
from cnnstudio.gui.file_dialogs import save_file
from cnnstudio.gui.images import to_pixmap

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
EXPORT_CHOICES = (
    ("onnx", "ONNX (.onnx), for onnxruntime and most tools", ".onnx"),
    ("torchscript", "TorchScript (.pt), for PyTorch without cnnstudio", ".pt"),
    ("script", "Training script (.py), plain PyTorch, runs with torchrun too", ".py"),
)


@dataclass(frozen=True)
class PredictedImages:
    checkpoint: Path
    paths: list[Path]
    images: np.ndarray  # uint8 (N, C, H, W) as the network saw them
    top: list[list[tuple[str, float]]]
    skipped: list[SkippedFile]  # files that could not be read, with the reason


def predict(checkpoint: Path, paths: list[Path]) -> PredictedImages:
    """Runs on a job thread: the checkpoint's network on the image files."""
    # Imported here, on the job thread: they import torch, which the window starts without.
    from cnnstudio.core.runs.checkpoint import load_model
    from cnnstudio.core.runs.predict import read_images, top_classes

    saved = load_model(checkpoint)
    read = read_images(saved, paths)
    if not read.paths:
        first = read.skipped[0]
        raise DatasetError(f"no image could be read: {first.path}: {first.reason}")
    top = top_classes(saved, read.images)
    return PredictedImages(
        checkpoint, [Path(p) for p in read.paths], read.images.numpy(), top, read.skipped
    )


class PredictionDialog(QDialog):
    """Each readable image with its likeliest classes; below them, the files not read and why."""

    def __init__(self, result: PredictedImages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Predictions of {result.checkpoint.parent.name}")
        self.rows: list[str] = []
        self.skipped_rows = [f"{Path(file.path).name}: {file.reason}" for file in result.skipped]
        total = len(result.paths) + len(result.skipped)
        summary = "Each image is scaled, cropped and normalised as the training images were."
        if result.skipped:
            summary = f"Classified {len(result.paths)} of {total} files. " + summary
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(self._results(result))
        column = QVBoxLayout(self)
        column.addWidget(QLabel(summary))
        column.addWidget(area, 1)
        if result.skipped:
            skipped = QLabel(
                f"Not classified ({len(result.skipped)}):<br>"
                + "<br>".join(html.escape(row) for row in self.skipped_rows)
            )
            skipped.setWordWrap(True)
            skipped.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            skipped.setStyleSheet("color: #b00020;")
            column.addWidget(skipped)
        column.addWidget(close_buttons(self))
        self.resize(520, min(720, 180 + 110 * len(result.paths) + 20 * len(result.skipped)))

    def _results(self, result: PredictedImages) -> QWidget:
        grid = QGridLayout()
        for index, (path, image, top) in enumerate(
            zip(result.paths, result.images, result.top, strict=True)
        ):
            picture = QLabel()
            picture.setPixmap(to_pixmap(image, 96))
            lines = [f"<b>{html.escape(path.name)}</b>"] + [f"{name}: {p:.1%}" for name, p in top]
            text = QLabel("<br>".join(lines))
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(picture, index, 0)
            grid.addWidget(text, index, 1)
            self.rows.append(f"{path.name}: " + ", ".join(f"{n} {p:.1%}" for n, p in top))
        grid.setColumnStretch(1, 1)  # the text right beside its picture
        grid.setRowStretch(len(result.paths), 1)  # rows packed at the top
        grid.setHorizontalSpacing(16)
        content = QWidget()
        content.setLayout(grid)
        return content


def close_buttons(dialog: QDialog) -> QDialogButtonBox:
    """A Close button (Escape too) for a dialog that shows results and asks nothing."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    return buttons


class ExportDialog(QDialog):
    """Choose a format and a file; `start_export(format, path)` runs it and reports back."""

    def __init__(
        self,
        run_dir: Path,
        start_export: Callable[[str, Path, Callable[[Any], None], Callable[[str], None]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export {run_dir.name}")
        self.run_dir, self.start_export = run_dir, start_export
        self.format_box = QComboBox()
        for key, text, _suffix in EXPORT_CHOICES:
            self.format_box.addItem(text, key)
        self.path_edit = QLineEdit(str(run_dir / "export" / "model.onnx"))
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        self.export_button = QPushButton("Export")
        self.export_button.clicked.connect(self.export)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Format", self.format_box)
        form.addRow("File", path_row)
        form.addRow(self.export_button)
        form.addRow(self.result_label)
        form.addRow(close_buttons(self))
        self.resize(640, 180)

    def _on_format_changed(self) -> None:
        suffix = EXPORT_CHOICES[self.format_box.currentIndex()][2]
        path = Path(self.path_edit.text())
        name = "train" if suffix == ".py" else "model"
        self.path_edit.setText(str(path.with_name(name + suffix)))

    def _browse(self) -> None:
        path = save_file(self, "Export to", self.path_edit.text())
        if path:
            self.path_edit.setText(str(path))

    def export(self) -> None:
        self.export_button.setEnabled(False)
        self.result_label.setText("Exporting...")
        self.start_export(
            self.format_box.currentData(), Path(self.path_edit.text()), self._done, self._failed
        )

    def _done(self, message: str) -> None:
        self.export_button.setEnabled(True)
        self.result_label.setStyleSheet("color: #1b5e20;")
        self.result_label.setText(message)

    def _failed(self, message: str) -> None:
        self.export_button.setEnabled(True)
        self.result_label.setStyleSheet("color: #b00020;")
        self.result_label.setText(message)


def export_run(run_dir: Path, export_format: str, out: Path) -> str:
    """Runs on a job thread; returns what to tell the user."""
    from cnnstudio.core.runs.checkpoint import load_model  # imports torch: see predict()

    saved = load_model(run_dir / "best.pt")
    if export_format == "script":
        from cnnstudio.core.export.script import export_script

        export_script(saved, out)
        return f"Wrote {out}. Run it with: python {out.name}  (or torchrun --nproc_per_node=N)"
    from cnnstudio.core.export.models import export_model

    exported = export_model(saved, export_format, out)
    return (
        f"Wrote {exported.path} and {exported.metadata_path.name}. The exported model "
        f"{exported.parity.describe()}."
    )
