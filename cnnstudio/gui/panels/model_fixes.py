"""Fixes to offer when the layer stack cannot take the dataset's images, worked out by formula.

Small images are the usual cause: the tutorial CNN's two 5x5 convolutions and two pools need at
least 16x16 pixels, so 8x8 digits fail. Two fixes always exist for that: enlarge the images, or
switch to a preset that works at their size. Each is offered only if the shape rules accept it.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnstudio.core.model.layers import LayerSpec
from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.model.shapes import analyse_stack

RESIZE_TO = 32  # the size the classic small-image networks were designed for


class Fix(NamedTuple):
    label: str
    preset: str | None = None  # use this preset
    input_size: int | None = None  # or resize the images to this size


def fixes_for(
    layers: list[LayerSpec], input_shape: tuple[int, ...] | None, num_classes: int
) -> list[Fix]:
    """The fixes that would make `layers` accept `input_shape`; empty if none is known."""
    if input_shape is None or len(input_shape) != 3:
        return []
    channels, height, width = input_shape
    fixes = []
    resized = (channels, RESIZE_TO, RESIZE_TO)
    if max(height, width) < RESIZE_TO and _fits(layers, resized, num_classes):
        fixes.append(Fix(f"Resize images to {RESIZE_TO}x{RESIZE_TO}", input_size=RESIZE_TO))
    for preset in PRESETS.values():
        if list(preset.layers) != layers and _fits(preset.layers, input_shape, num_classes):
            fixes.append(Fix(f"Use preset {preset.title}", preset=preset.name))
            break
    return fixes


def _fits(layers, input_shape: tuple[int, ...], num_classes: int) -> bool:
    return analyse_stack(list(layers), input_shape, num_classes).error is None
