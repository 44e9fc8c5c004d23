"""A grid of small pictures of numbers: a layer's feature maps, or a conv layer's filters.

One view box holds every tile; the ImageItems are created once and reused (a layer with more maps
adds items, one with fewer hides the rest). Each tile has its own colour scale, from its own
smallest to largest value: a faint map and a bright one both show their pattern. Hovering a tile
says which map it is and the value under the mouse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnnstudio.gui.widgets import ElidedLabel

MAX_TILES = 64  # a wide layer shows its first 64 maps: more would be too small to read
GAP = 0.12  # between tiles, as a share of a tile's side
MAP_COLOURS = pg.colormap.get("viridis").getLookupTable(nPts=256)
WEIGHT_COLOURS = pg.colormap.get("CET-D1").getLookupTable(nPts=256)  # blue - white - red
HOVER_HINT = "Hover to read the values."


@dataclass(frozen=True)
class Tile:
    """One picture of the grid: its values (H, W), or (H, W, 3) in [0, 1] shown as colour."""

    values: np.ndarray
    name: str  # "map 3", "filter 2"
    levels: tuple[float, float] | None = None  # None: colour (values already in [0, 1])
    weights: bool = False  # a diverging colour scale around 0
    cell: tuple[int, int] = (0, 0)  # a mosaic's patch size: hover names the patch (channel)
    shown_count: int | None = None  # of a vector folded into a square: the real value count
    unit_names: tuple[str, ...] = ()  # of a vector: what each value is (the class scores)

    def describe(self, row: int, col: int) -> str:
        """What the value at pixel (row, col) is, in words."""
        value = self.values[row, col]
        if self.shown_count is not None:  # a vector, folded into rows
            unit = row * self.values.shape[1] + col
            if unit >= self.shown_count:
                return ""
            name = self.unit_names[unit] if unit < len(self.unit_names) else f"unit {unit}"
            return f"{name}: {float(value):.3g}"
        if self.cell != (0, 0):  # a filter's input channels side by side
            step_r, step_c = self.cell[0] + 1, self.cell[1] + 1
            if row % step_r == self.cell[0] or col % step_c == self.cell[1]:
                return ""  # the gap between two patches
            per_row = (self.values.shape[1] + 1) // step_c
            channel = (row // step_r) * per_row + col // step_c
            where = f"input channel {channel} ({col % step_c}, {row % step_r})"
            return f"{self.name}, {where}: {float(value):.3g}"
        text = ", ".join(f"{float(v):.2f}" for v in np.atleast_1d(value))
        return f"{self.name} at ({col}, {row}): {text}"


class MapGrid(QWidget):
    """Tiles laid out to fill the widget's shape, with a line for the hovered value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsView(background="w")
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.view.setMenuEnabled(False)
        self.graphics.setCentralItem(self.view)
        self.graphics.setMinimumSize(120, 120)
        self.items: list[pg.ImageItem] = []
        self.tiles: list[Tile] = []
        self.columns = 1
        self.hover = ElidedLabel(HOVER_HINT)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.graphics, 1)
        column.addWidget(self.hover)

    def show_tiles(self, tiles: list[Tile]) -> None:
        """Show `tiles` (at most MAX_TILES), reusing the items of earlier pictures."""
        self.tiles = tiles[:MAX_TILES]
        while len(self.items) < len(self.tiles):
            item = pg.ImageItem(axisOrder="row-major")
            self.view.addItem(item)
            self.items.append(item)
        for item, tile in zip(self.items, self.tiles, strict=False):
            if tile.levels is None:
                item.setLookupTable(None)
                item.setImage(tile.values, levels=(0.0, 1.0), autoLevels=False)
            else:
                item.setLookupTable(WEIGHT_COLOURS if tile.weights else MAP_COLOURS)
                item.setImage(tile.values, levels=tile.levels, autoLevels=False)
            item.setVisible(True)
        for item in self.items[len(self.tiles) :]:
            item.setVisible(False)
        self.hover.setText(HOVER_HINT if self.tiles else "")
        self._arrange()

    @property
    def shown(self) -> int:
        """How many tiles are drawn."""
        return len(self.tiles)

    def tile_rect(self, index: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of tile `index` in the view's coordinates."""
        row, col = divmod(index, self.columns)
        height, width = self.tiles[index].values.shape[:2]
        side = max(height, width)
        return col * (1 + GAP), row * (1 + GAP), width / side, height / side

    def tile_centre(self, index: int) -> QPointF:
        """Tile `index`'s centre in scene coordinates (where a person would point)."""
        x, y, width, height = self.tile_rect(index)
        return self.view.mapViewToScene(QPointF(x + width / 2, y + height / 2))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Pick the column count that makes the tiles largest in this widget's shape."""
        count = len(self.tiles)
        if count == 0:
            return
        width, height = max(self.graphics.width(), 1), max(self.graphics.height(), 1)
        self.columns = max(
            range(1, count + 1),
            key=lambda cols: min(width / cols, height / math.ceil(count / cols)),
        )
        for index, item in enumerate(self.items[:count]):
            item.setRect(*self.tile_rect(index))
        rows = math.ceil(count / self.columns)
        self.view.setRange(
            xRange=(0, self.columns * (1 + GAP) - GAP),
            yRange=(0, rows * (1 + GAP) - GAP),
            padding=0.02,
        )

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        self.hover.setText(self.describe_at(scene_pos) or HOVER_HINT)

    def describe_at(self, scene_pos: QPointF) -> str:
        """The tile and value under a scene position, in words ("" over no tile)."""
        point = self.view.mapSceneToView(scene_pos)
        for index, tile in enumerate(self.tiles):
            x, y, width, height = self.tile_rect(index)
            if x <= point.x() < x + width and y <= point.y() < y + height:
                rows, cols = tile.values.shape[:2]
                row = min(int((point.y() - y) / height * rows), rows - 1)
                col = min(int((point.x() - x) / width * cols), cols - 1)
                return tile.describe(row, col)
        return ""


def map_tiles(maps: np.ndarray, unit_names: tuple[str, ...] = ()) -> list[Tile]:
    """A layer's output for one image as tiles: (C, H, W) one per channel; (F,) one square,
    its values named by `unit_names` when given."""
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim == 1:
        side = math.ceil(math.sqrt(len(maps)))
        square = np.full(side * side, np.nan, dtype=np.float32)
        square[: len(maps)] = maps
        folded = square.reshape(side, side)
        low, high = _levels(maps)
        values = np.nan_to_num(folded, nan=low)
        return [Tile(values, "unit", (low, high), shown_count=len(maps), unit_names=unit_names)]
    return [Tile(m, f"map {i}", _levels(m)) for i, m in enumerate(maps[:MAX_TILES])]


def filter_tiles(weights: np.ndarray) -> list[Tile]:
    """A conv layer's weights (O, I, k, k) as tiles: 3 input channels in colour, otherwise each
    filter's input channels side by side on one diverging scale around zero."""
    tiles = []
    for index, kernel in enumerate(np.asarray(weights, dtype=np.float32)[:MAX_TILES]):
        if kernel.shape[0] == 3:
            reach = float(np.abs(kernel).max()) or 1.0
            rgb = 0.5 + kernel.transpose(1, 2, 0) / (2 * reach)
            tiles.append(Tile(rgb, f"filter {index}", None))
        else:
            reach = float(np.abs(kernel).max()) or 1.0
            tiles.append(
                Tile(_mosaic(kernel), f"filter {index}", (-reach, reach), True, kernel.shape[1:])
            )
    return tiles


def _mosaic(patches: np.ndarray) -> np.ndarray:
    """(I, k, k) patches in a near-square grid with one-value gaps (zero: white on the scale)."""
    count, height, width = patches.shape
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    out = np.zeros((rows * (height + 1) - 1, columns * (width + 1) - 1), dtype=np.float32)
    for index, patch in enumerate(patches):
        row, col = divmod(index, columns)
        out[row * (height + 1) : row * (height + 1) + height, col * (width + 1) :][:, :width] = (
            patch
        )
    return out


def _levels(values: np.ndarray) -> tuple[float, float]:
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    return (low, high) if high > low else (low, low + 1e-6)
