"""The chosen image with a heat map over it (Grad-CAM or occlusion), and the network's top
classes for it as horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


def _heat_colours() -> np.ndarray:
    """Inferno, see-through where cold: only the parts that matter glow over the image."""
    colours = pg.colormap.get("inferno").getLookupTable(nPts=256, alpha=True)
    colours[:, 3] = np.clip(np.linspace(0, 1.6, 256), 0, 1) * 255
    return colours


HEAT_COLOURS = _heat_colours()
BAR_ROW = 18
NAME_SHARE = 0.42  # of the width, for the class names


class OverlayPicture(pg.GraphicsView):
    """An image (C, H, W uint8) with an optional heat map (H, W in [0, 1]) over it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.view.setMenuEnabled(False)
        self.setCentralItem(self.view)
        self.picture = pg.ImageItem(axisOrder="row-major")
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setLookupTable(HEAT_COLOURS)
        self.heat.setZValue(1)
        self.view.addItem(self.picture)
        self.view.addItem(self.heat)
        self.setMinimumSize(96, 96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.has_image = False

    def set_image(self, image: np.ndarray | None) -> None:
        if image is None:
            self.picture.clear()
            self.heat.clear()
            self.has_image = False
            return
        pixels = image[0] if image.shape[0] == 1 else image[:3].transpose(1, 2, 0)
        self.picture.setImage(np.ascontiguousarray(pixels), levels=(0, 255), autoLevels=False)
        self.has_image = True
        self.view.autoRange(padding=0)

    def set_heat(self, heat: np.ndarray | None) -> None:
        """A map at the image's size, 0 (cold) to 1 (hot); None hides it."""
        if heat is None:
            self.heat.clear()
            return
        self.heat.setImage(np.asarray(heat, dtype=np.float32), levels=(0.0, 1.0), autoLevels=False)
        self.heat.setRect(self.picture.boundingRect())

    def set_opacity(self, opacity: float) -> None:
        self.heat.setOpacity(opacity)

    def sizeHint(self) -> QSize:
        return QSize(180, 180)


class ProbabilityBars(QWidget):
    """The likeliest classes, one row each: the name, a bar as long as the probability, the
    percentage. The image's true class, when known, is drawn in green, other classes in blue."""

    def __init__(self, rows: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self.top: list[tuple[str, float]] = []
        self.true_name: str | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def set_top(self, top: Sequence[tuple[str, float]], true_name: str | None = None) -> None:
        self.top, self.true_name = list(top)[: self.rows], true_name
        self.setToolTip(
            "\n".join(f"{name}: {p:.1%}" for name, p in self.top) or "No image looked at yet."
        )
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(160, self.rows * BAR_ROW + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.rows * BAR_ROW + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = QFontMetrics(self.font())
        name_width = int(self.width() * NAME_SHARE)
        percent_width = metrics.horizontalAdvance("100%") + 4
        bar_width = max(self.width() - name_width - percent_width - 8, 4)
        for row, (name, probability) in enumerate(self.top):
            top = 2 + row * BAR_ROW
            names = QRect(0, top, name_width, BAR_ROW)
            shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_width - 4)
            painter.setPen(QColor("black"))
            painter.drawText(
                names, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, shown
            )
            colour = "#41ab5d" if name == self.true_name else "#4a90d9"
            length = max(int(bar_width * probability), 1)
            painter.fillRect(name_width + 4, top + 3, length, BAR_ROW - 6, QColor(colour))
            painter.drawText(
                QRect(name_width + 8 + length, top, percent_width + 8, BAR_ROW),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"{probability:.0%}",
            )
        painter.end()
