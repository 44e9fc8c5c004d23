"""The validation set as the network sees it: one dot per image, placed by the features its
classifier reads (PCA to 2-D), coloured by true class; hovering a dot shows its image."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cnnstudio.gui.images import to_pixmap

HOVER_RADIUS = 8  # pixels from a dot's centre that still count as on it
THUMB = 96
# Ten colours people tell apart (matplotlib's "tab10"); evenly spread hues for more classes
# put neighbours such as triangle and cross in two greens.
CLASS_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def class_colour(label: int, classes: int) -> object:
    if classes <= len(CLASS_COLOURS):
        return pg.mkColor(CLASS_COLOURS[label])
    return pg.intColor(label, hues=classes)


@dataclass(frozen=True)
class EmbeddingPoints:
    """What the view draws: a 2-D position per image and what to say about it."""

    points: np.ndarray  # float32 (N, 2)
    labels: np.ndarray  # true class per image
    predictions: np.ndarray  # predicted class per image
    images: np.ndarray  # uint8 (N, C, H, W), for the hover thumbnail
    class_names: Sequence[str]
    epoch: int | None  # the epoch whose network placed them (None: the run's last one)


class EmbeddingView(QWidget):
    """The map, a "Draw the map" button (the work runs elsewhere), and the hovered image."""

    draw_requested = Signal()
    shown = Signal()  # came into view: the presenter checks there is a network to draw with

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(
            "Each dot is a validation image, placed by what the network's last hidden layer "
            "makes of it (squeezed to two dimensions). Images it finds alike lie close together."
        )
        self.summary.setWordWrap(True)
        self.draw_button = QPushButton("Draw the map")
        self.draw_button.setEnabled(False)
        self.draw_button.setToolTip("Train a network, or show a past run, first.")
        self.draw_button.clicked.connect(self.draw_requested)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.legend = self.plot.addLegend(
            offset=(4, 4),
            labelTextSize="8pt",
            labelTextColor="k",
            brush=pg.mkBrush(255, 255, 255, 210),  # readable over the dots it covers
            pen=pg.mkPen(200, 200, 200),
        )
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMB, THUMB)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel("Point at a dot to see its image.")
        self.caption.setWordWrap(True)
        self.caption.setFixedWidth(THUMB + 40)
        self.data: EmbeddingPoints | None = None
        self._layout()
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _layout(self) -> None:
        side = QVBoxLayout()
        side.addWidget(self.thumbnail)
        side.addWidget(self.caption)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.plot, 1)
        body.addLayout(side)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.draw_button, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addLayout(body, 1)

    def set_available(self, available: bool) -> None:
        """Whether there is a network to draw the map with."""
        self.draw_button.setEnabled(available)
        self.draw_button.setToolTip(
            "Place every validation image by the network's features."
            if available
            else "Train a network, or show a past run, first."
        )

    def set_busy(self) -> None:
        self.draw_button.setEnabled(False)
        self.summary.setText("Drawing the map: every validation image goes through the network...")

    def show_points(self, data: EmbeddingPoints) -> None:
        self.data = data
        self.plot.clear()
        self.legend.clear()
        for label, name in enumerate(data.class_names):
            rows = data.labels == label
            if not rows.any():
                continue
            colour = class_colour(label, len(data.class_names))
            self.plot.plot(
                data.points[rows],
                pen=None,
                symbol="o",
                symbolSize=6,
                symbolPen=None,
                symbolBrush=colour,
                name=name,
            )
        wrong = int((data.predictions != data.labels).sum())
        when = "The last epoch" if data.epoch is None else f"Epoch {data.epoch}"
        self.summary.setText(
            f"{when}: {len(data.labels)} validation images, {wrong} of them "
            "predicted wrongly. Each dot is an image placed by what the network's last hidden "
            "layer makes of it; images it finds alike lie close together."
        )
        self.draw_button.setEnabled(True)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown.emit()

    def clear(self) -> None:
        self.data = None
        self.plot.clear()
        self.legend.clear()
        self.thumbnail.clear()
        self.caption.setText("Point at a dot to see its image.")

    def nearest(self, scene_position: QPointF) -> int | None:
        """The image whose dot is under a scene position (within a few pixels), if any."""
        if self.data is None or not len(self.data.points):
            return None
        view_box = self.plot.getPlotItem().getViewBox()
        where = view_box.mapSceneToView(scene_position)
        pixel_width, pixel_height = view_box.viewPixelSize()
        offsets = (self.data.points - [where.x(), where.y()]) / [pixel_width, pixel_height]
        distances = (offsets**2).sum(1)
        closest = int(distances.argmin())
        return closest if distances[closest] <= HOVER_RADIUS**2 else None

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        index = self.nearest(scene_position)
        if index is None or self.data is None:
            return
        data = self.data
        self.thumbnail.setPixmap(to_pixmap(data.images[index], THUMB))
        true, predicted = data.labels[index], data.predictions[index]
        verdict = "right" if true == predicted else f"predicted {data.class_names[predicted]}"
        self.caption.setText(f"{data.class_names[true]} ({verdict})")
