"""The validation images the network got wrong with the most confidence."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from cnnstudio.core.training.events import EpochEnded
from cnnstudio.gui.images import ThumbnailGrid

SHOWN = 32


def confident_mistakes(
    event: EpochEnded, true_labels: np.ndarray, count: int = SHOWN
) -> np.ndarray:
    """Validation rows predicted wrongly, most confident first."""
    wrong = np.flatnonzero(event.val_predictions != true_labels)
    order = np.argsort(-event.val_confidence[wrong], kind="stable")
    return wrong[order][:count]


class MistakesView(QWidget):
    explain_requested = Signal(object, int)  # a uint8 (C, H, W) image and its true class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Mistakes appear after the first epoch.")
        self.summary.setWordWrap(True)  # unwrapped, the long line widened the window
        self.grid = ThumbnailGrid(columns=8, size=64)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        column.addWidget(scroll, 1)
        self.pending: tuple | None = None

    def show_epoch(self, *epoch_and_images) -> None:
        """Show this epoch's mistakes now if visible, else when the view is next shown."""
        self.pending = epoch_and_images
        if self.isVisible():
            self._rebuild()

    def clear(self, message: str) -> None:
        """Drop the images shown (they belong to another run) and say why the view is empty."""
        self.pending = None
        self.summary.setText(message)
        self.grid.show_images([], [])

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pending is not None:
            self._rebuild()

    def _rebuild(self) -> None:
        assert self.pending is not None  # called only when something is pending
        self._show(*self.pending)
        self.pending = None

    def _show(
        self,
        event: EpochEnded,
        val_images: np.ndarray,
        val_labels: np.ndarray,
        class_names: list[str],
    ) -> None:
        rows = confident_mistakes(event, val_labels)
        wrong = int((event.val_predictions != val_labels).sum())
        self.summary.setText(
            f"Epoch {event.epoch}: {wrong} of {len(val_labels)} validation images wrong; "
            f"the {len(rows)} most confident mistakes (true -> predicted, confidence):"
        )
        captions = [
            f"{class_names[val_labels[r]]} -> {class_names[event.val_predictions[r]]} "
            f"({event.val_confidence[r]:.0%})"
            for r in rows
        ]
        images = [val_images[r] for r in rows]
        labels = [int(val_labels[r]) for r in rows]
        self.grid.show_images(
            images, captions, why=lambda i: self.explain_requested.emit(images[i], labels[i])
        )
