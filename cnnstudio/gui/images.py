"""uint8 image arrays (C, H, W) to Qt pixmaps, and a grid of captioned thumbnails."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


def to_pixmap(image: np.ndarray, size: int = 64) -> QPixmap:
    """A (C, H, W) uint8 array as a pixmap scaled to `size` pixels, crisp (no smoothing)."""
    if image.shape[0] == 1:
        pixels = np.ascontiguousarray(image[0])
        height, width = pixels.shape
        qimage = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        pixels = np.ascontiguousarray(image[:3].transpose(1, 2, 0))
        height, width, _ = pixels.shape
        qimage = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    # copy(): QImage does not own the numpy buffer
    return QPixmap.fromImage(qimage.copy()).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


class ThumbnailGrid(QWidget):
    """Images in rows of `columns`, each with an optional caption right below it, packed at the
    top left: spread over a larger area, a few captions drifted away from their images."""

    def __init__(self, columns: int = 8, size: int = 56, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns, self.thumb_size = columns, size
        self.grid = QGridLayout()
        self.grid.setSpacing(4)
        row = QHBoxLayout()
        row.addLayout(self.grid)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addStretch(1)

    def show_images(
        self,
        images: Sequence[np.ndarray],
        captions: Sequence[str] = (),
        why: Callable[[int], None] | None = None,
    ) -> None:
        """Show the images; with `why`, each gets a "why?" button that calls it with its index."""
        while self.grid.count():
            cell = self.grid.takeAt(0).widget()  # type: ignore[union-attr]  # count() > 0
            if cell is not None:
                cell.setParent(None)  # gone at once, not at the next turn of the event loop
                cell.deleteLater()
        for index, image in enumerate(images):
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            picture = QLabel()
            picture.setPixmap(to_pixmap(image, self.thumb_size))
            column.addWidget(picture, alignment=Qt.AlignmentFlag.AlignHCenter)
            if index < len(captions):
                text = QLabel(captions[index])
                text.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                text.setWordWrap(True)
                text.setMaximumWidth(self.thumb_size + 40)
                column.addWidget(text)
            if why is not None:
                column.addWidget(_why_button(partial(why, index)), 0, CENTRED)
            self.grid.addWidget(cell, index // self.columns, index % self.columns)


CENTRED = Qt.AlignmentFlag.AlignHCenter
WHY_HEIGHT = 18  # pixels: a link-sized button, so the grid stays packed


def _why_button(clicked: Callable[[], None]) -> QPushButton:
    """A small flat "why?" under a thumbnail: opens the image in the Inside tab."""
    button = QPushButton("why?")
    button.setFlat(True)
    button.setFixedHeight(WHY_HEIGHT)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setToolTip("Look inside the network: where it looked and what each layer saw")
    button.setStyleSheet("QPushButton { color: palette(link); padding: 0 4px; }")
    button.clicked.connect(lambda _checked=False: clicked())
    return button
