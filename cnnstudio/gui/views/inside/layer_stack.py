"""The network as a column of blocks, input at the top, classes at the bottom, an arrow between
each two: a block names its layer and its output shape; its tooltip adds what the layer does, how
much of the image one value sees, and its parameters. Clicking a block chooses it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from cnnstudio.gui.glossary_links import term_tip

if TYPE_CHECKING:
    from cnnstudio.core.insight.layers import LayerView

INPUT = -1  # the block of the input image
BLOCK_HEIGHT = 24
ARROW = 10  # the gap between two blocks, where the arrow goes
MARGIN = 6
WIDTH = 150
# Soft colours by what a layer does: looking (conv), squashing (activations), shrinking (pools),
# deciding (linear); anything else grey.
COLOURS = {
    "input": "#d9d9d9",
    "conv2d": "#9ecae1",
    "residual": "#9ecae1",
    "maxpool2d": "#c7e9c0",
    "avgpool2d": "#c7e9c0",
    "global_avg_pool": "#c7e9c0",
    "linear": "#fdd0a2",
}
ACTIVATIONS = {"relu", "leaky_relu", "gelu", "silu", "tanh", "sigmoid"}
ACTIVATION_COLOUR = "#fff2ae"
OTHER_COLOUR = "#e8e8e8"


def shape_text(shape: Sequence[int]) -> str:
    return " x ".join(str(n) for n in shape)


def short_shape(shape: Sequence[int]) -> str:
    """6x28x28: what fits in a block beside the name."""
    return "x".join(str(n) for n in shape)


class LayerStack(QWidget):
    """Blocks for the input and each layer; `chosen` is the index clicked (INPUT for the input)."""

    layer_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers: list[LayerView] = []
        self.input_shape: tuple[int, ...] = ()
        self.chosen: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def set_layers(self, layers: Sequence[LayerView], input_shape: Sequence[int]) -> None:
        self.layers, self.input_shape = list(layers), tuple(input_shape)
        if self.chosen is not None and self.chosen >= len(self.layers):
            self.chosen = None
        self.updateGeometry()
        self.adjustSize()
        self.update()

    def choose(self, index: int | None) -> None:
        self.chosen = index
        self.update()

    def sizeHint(self) -> QSize:
        count = len(self.layers) + 1
        return QSize(WIDTH, 2 * MARGIN + count * BLOCK_HEIGHT + (count - 1) * ARROW)

    def block_rect(self, index: int) -> QRect:
        """Where the block of layer `index` (INPUT: the input) is drawn, in this widget."""
        row = index + 1
        top = MARGIN + row * (BLOCK_HEIGHT + ARROW)
        return QRect(MARGIN, top, WIDTH - 2 * MARGIN, BLOCK_HEIGHT)

    def index_at(self, point: QPoint) -> int | None:
        for index in range(INPUT, len(self.layers)):
            if self.block_rect(index).contains(point):
                return index
        return None

    def label(self, index: int) -> tuple[str, str]:
        """The block's name and shape lines."""
        if index == INPUT:
            return "input", short_shape(self.input_shape)
        layer = self.layers[index]
        last = index == len(self.layers) - 1
        name = f"{layer.name}: classes" if last else layer.name
        return name, short_shape(layer.output_shape)

    def tooltip(self, index: int) -> str:
        if index == INPUT:
            return f"The image the network is given: {shape_text(self.input_shape)}."
        layer = self.layers[index]
        return (
            f"<b>{layer.name}</b> ({layer.title}): {layer.explanation}<br>"
            f"Output {shape_text(layer.output_shape)}; one value sees "
            f"{layer.receptive_field} x {layer.receptive_field} input pixels; "
            f"{layer.params:,} parameters; {layer.macs:,} multiply-adds per image."
        ) + term_tip(layer.title)  # what such a layer is, from the glossary

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and index is not None:
            self.choose(index)
            self.layer_clicked.emit(index)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            index = self.index_at(event.pos())  # type: ignore[attr-defined]  # a QHelpEvent
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip(index), self)  # type: ignore[attr-defined]
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        for index in range(INPUT, len(self.layers)):
            rect = self.block_rect(index)
            kind = "input" if index == INPUT else self.layers[index].kind
            colour = COLOURS.get(kind, ACTIVATION_COLOUR if kind in ACTIVATIONS else OTHER_COLOUR)
            chosen = index == self.chosen
            painter.setPen(QPen(QColor("#1f4e9c" if chosen else "#808080"), 3 if chosen else 1))
            painter.setBrush(QColor(colour))
            painter.drawRoundedRect(rect, 5, 5)
            name, shape = self.label(index)
            inner = rect.adjusted(6, 0, -6, 0)
            painter.setPen(QColor("black"))
            flags = Qt.AlignmentFlag.AlignVCenter
            painter.drawText(inner, flags | Qt.AlignmentFlag.AlignLeft, name)
            room = inner.width() - metrics.horizontalAdvance(name) - 6
            shape = metrics.elidedText(shape, Qt.TextElideMode.ElideLeft, max(room, 0))
            painter.drawText(inner, flags | Qt.AlignmentFlag.AlignRight, shape)
            if index < len(self.layers) - 1:
                self._arrow(painter, rect)
        painter.end()

    def _arrow(self, painter: QPainter, above: QRect) -> None:
        x, top = above.center().x(), above.bottom() + 2
        bottom = top + ARROW - 3
        painter.setPen(QPen(QColor("#606060"), 1.5))
        painter.drawLine(x, top, x, bottom)
        painter.drawLine(x - 4, bottom - 4, x, bottom)
        painter.drawLine(x + 4, bottom - 4, x, bottom)
