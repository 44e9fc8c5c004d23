"""Pictures of what a network computes: feature maps, filters and heat maps as RGB images.

Every function returns an RGB uint8 array (height, width, 3) ready for a PNG (`write_png`) or an
HTML page (`png_bytes`). Only numpy and Pillow: no matplotlib, no Qt, no torch. Small arrays (a
5x5 filter, a 7x7 map) are enlarged by whole pixels (nearest neighbour), so every value stays a
sharp square a person can see.
"""

from __future__ import annotations

import io
import math
import os

import numpy as np
from PIL import Image

from cnnstudio.core.files import write_atomic

GAP = 2  # pixels of background between two tiles
BACKGROUND = 255  # white, like the page of the HTML report
MID_GREY = 128  # a weight of 0 in a filter picture
TILE_SIDE = 48  # a tile's side is enlarged to at least this many pixels
BAR_HEIGHT = 120  # a flat layer's bars reach this many pixels above (and below) the zero line
MAX_BARS = 256  # longer vectors are drawn as a block of coloured cells instead of bars

# 17 evenly spaced colours of matplotlib's perceptually uniform maps (brightness rises with the
# value), interpolated to 256 entries: a lookup table instead of a matplotlib import.
_ANCHORS = {
    "viridis": (
        (68, 1, 84), (72, 24, 106), (71, 45, 123), (66, 64, 134), (59, 82, 139), (51, 99, 141),
        (44, 114, 142), (38, 130, 142), (33, 145, 140), (31, 160, 136), (40, 174, 128),
        (63, 188, 115), (94, 201, 98), (132, 212, 75), (173, 220, 48), (216, 226, 25),
        (253, 231, 37),
    ),
    "inferno": (
        (0, 0, 4), (11, 7, 36), (33, 12, 74), (61, 9, 101), (87, 16, 110), (113, 25, 110),
        (138, 34, 106), (163, 44, 97), (188, 55, 84), (210, 70, 68), (228, 90, 49),
        (241, 115, 29), (249, 142, 9), (252, 172, 17), (249, 203, 53), (242, 234, 105),
        (252, 255, 164),
    ),
}  # fmt: skip


def colour_table(name: str) -> np.ndarray:
    """The 256-entry RGB uint8 lookup table of a colour map ("viridis" or "inferno")."""
    anchors = np.asarray(_ANCHORS[name], dtype=np.float64)
    where = np.linspace(0, len(anchors) - 1, 256)
    channels = [np.interp(where, np.arange(len(anchors)), anchors[:, c]) for c in range(3)]
    return np.rint(np.stack(channels, axis=1)).astype(np.uint8)


def colourise(values: np.ndarray, colours: str = "viridis") -> np.ndarray:
    """Values in [0, 1] (any shape) -> RGB uint8 (..., 3) through a colour map."""
    indices = np.rint(np.clip(np.nan_to_num(values), 0.0, 1.0) * 255).astype(np.intp)
    return colour_table(colours)[indices]


def scaled(values: np.ndarray) -> np.ndarray:
    """`values` stretched to [0, 1] by their own minimum and maximum (a flat array -> all 0)."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64))
    if values.size == 0 or values.max() <= values.min():
        return np.zeros_like(values)
    low, high = values.min(), values.max()
    return (values - low) / (high - low)


def enlarge(picture: np.ndarray, factor: int) -> np.ndarray:
    """Each pixel of an (H, W, ...) array becomes a `factor` x `factor` square."""
    return np.repeat(np.repeat(picture, factor, axis=0), factor, axis=1)


def tile_factor(height: int, width: int, side: int = TILE_SIDE) -> int:
    """The whole-pixel enlargement that makes an image at least `side` pixels on its long side."""
    return max(1, math.ceil(side / max(height, width, 1)))


def grid_columns(count: int) -> int:
    """Columns for `count` tiles: a roughly square grid (6 -> 3, 16 -> 4, 64 -> 8)."""
    return max(1, math.ceil(math.sqrt(count)))


def tile_grid(tiles: np.ndarray, columns: int | None = None) -> np.ndarray:
    """Lay RGB tiles (N, h, w, 3) out in rows with `GAP` pixels of background between them."""
    count, height, width = tiles.shape[:3]
    columns = min(columns or grid_columns(count), max(count, 1))
    rows = max(1, math.ceil(count / columns))
    grid = np.full(
        (rows * height + (rows - 1) * GAP, columns * width + (columns - 1) * GAP, 3),
        BACKGROUND,
        dtype=np.uint8,
    )
    for index, tile in enumerate(tiles):
        top, left = (index // columns) * (height + GAP), (index % columns) * (width + GAP)
        grid[top : top + height, left : left + width] = tile
    return grid


def feature_maps_picture(
    maps: np.ndarray, columns: int | None = None, colours: str = "viridis"
) -> np.ndarray:
    """One layer's output for one image: (C, H, W) maps as a grid, each on its own colour scale
    (its lowest value darkest, its highest brightest); a flat (F,) output as `vector_picture`."""
    maps = np.asarray(maps)
    if maps.ndim == 1:
        return vector_picture(maps)
    factor = tile_factor(*maps.shape[1:])
    tiles = np.stack([enlarge(colourise(scaled(m), colours), factor) for m in maps])
    return tile_grid(tiles, columns)


def filters_picture(weights: np.ndarray, columns: int | None = None) -> np.ndarray:
    """A conv layer's weights (O, I, k, k) as a grid of small images, each filter scaled
    symmetrically around 0 (0 is mid-grey, its largest weight black or white).

    With 3 input channels a filter is one colour tile (red, green, blue weights); otherwise each
    filter is a row of grey tiles, one per input channel.
    """
    weights = np.asarray(weights, dtype=np.float64)
    reach = np.abs(weights).reshape(len(weights), -1).max(axis=1, initial=0.0)
    unit = weights / np.where(reach > 0, reach, 1.0)[:, None, None, None]  # in [-1, 1]
    levels = np.rint(MID_GREY + unit * 127).astype(np.uint8)
    factor = tile_factor(*weights.shape[2:])
    if weights.shape[1] == 3:
        tiles = np.stack([enlarge(np.moveaxis(f, 0, -1), factor) for f in levels])
        return tile_grid(tiles, columns)
    grey = levels.reshape(-1, *levels.shape[2:])  # (O * I, k, k), filter by filter
    tiles = np.stack([enlarge(np.repeat(t[:, :, None], 3, axis=2), factor) for t in grey])
    in_channels = weights.shape[1]
    return tile_grid(tiles, columns or (in_channels if in_channels > 1 else None))


def vector_picture(values: np.ndarray) -> np.ndarray:
    """A flat layer's output (F,) as bars up (positive) and down (negative) from a zero line,
    or, for more than `MAX_BARS` values, as a block of cells on one colour scale."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64).ravel())
    if len(values) > MAX_BARS:
        columns = grid_columns(len(values))
        cells = np.zeros(columns * math.ceil(len(values) / columns))
        cells[: len(values)] = scaled(values)
        picture = colourise(cells.reshape(-1, columns))
        picture.reshape(-1, 3)[len(values) :] = BACKGROUND  # the unused end of the last row
        return _four_tiles_wide(picture)
    bar = max(2, min(24, 512 // max(len(values), 1)))
    reach = float(np.abs(values).max(initial=0.0)) or 1.0
    heights = np.rint(values / reach * BAR_HEIGHT).astype(int)
    picture = np.full((2 * BAR_HEIGHT + 1, len(values) * (bar + 1) + 1, 3), BACKGROUND, np.uint8)
    picture[BAR_HEIGHT] = 160  # the zero line
    for index, height in enumerate(heights):
        left = 1 + index * (bar + 1)
        top, bottom = sorted((BAR_HEIGHT, BAR_HEIGHT - height))
        colour = (70, 130, 230) if height >= 0 else (235, 120, 40)
        picture[top : bottom + 1, left : left + bar] = colour
    return picture


def image_picture(image: np.ndarray) -> np.ndarray:
    """A uint8 network input (C, H, W) with 1 or 3 channels as an RGB picture (H, W, 3)."""
    image = np.asarray(image, dtype=np.uint8)
    if len(image) == 1:
        image = np.repeat(image, 3, axis=0)
    return np.ascontiguousarray(image[:3].transpose(1, 2, 0))


def heat_overlay(
    image: np.ndarray, heat: np.ndarray, opacity: float = 0.5, colours: str = "inferno"
) -> np.ndarray:
    """A heat map in [0, 1] (H, W) laid over the image (C, H, W) it explains: each pixel is
    (1 - opacity) x image + opacity x the heat's colour; enlarged so a small input is visible."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity {opacity} is outside [0, 1]")
    base = image_picture(image).astype(np.float64)
    blended = (1.0 - opacity) * base + opacity * colourise(heat, colours).astype(np.float64)
    return _four_tiles_wide(np.rint(blended).astype(np.uint8))


def input_picture(image: np.ndarray) -> np.ndarray:
    """A network input (C, H, W) as an RGB picture the size of its heat overlays."""
    return _four_tiles_wide(image_picture(image))


def _four_tiles_wide(picture: np.ndarray) -> np.ndarray:
    """A picture enlarged by whole pixels to about 4 tiles a side (a 28x28 image: 7 times)."""
    return enlarge(picture, tile_factor(picture.shape[0], picture.shape[1], side=4 * TILE_SIDE))


def png_bytes(picture: np.ndarray) -> bytes:
    """An RGB uint8 picture (H, W, 3) encoded as PNG."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(picture, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_png(path: str | os.PathLike[str], picture: np.ndarray) -> None:
    """Write an RGB uint8 picture as a PNG file, whole or not at all."""
    write_atomic(path, png_bytes(picture))
