"""What the Inside tab shows for one image, whichever way it was computed (a recorded epoch's
snapshot, or an on-demand look with the newest network), and the words and tiles for a layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.gui.views.inside.layer_stack import INPUT, shape_text
from cnnstudio.gui.views.inside.map_grid import Tile, filter_tiles, map_tiles

if TYPE_CHECKING:
    from cnnstudio.core.insight.layers import LayerView
    from cnnstudio.core.insight.snapshot import InsideSnapshot
    from cnnstudio.gui.inside_work import Look


@dataclass(frozen=True)
class Shown:
    key: tuple[Any, ...]  # ("probe", index) or ("image", request number): what the image is
    image: np.ndarray  # uint8 (C, H, W) at the network's input shape
    label: int | None  # the true class, when known
    maps: Sequence[np.ndarray]  # per layer: (C, H, W) or (F,)
    probabilities: np.ndarray  # (classes,)
    cam: np.ndarray | None  # Grad-CAM (H, W) in [0, 1] of the class it was computed for
    cam_layer: int | None
    filters: dict[int, np.ndarray]  # conv layer index -> (O, I, k, k)
    source: str  # whose network: "epoch 3", "the newest network"
    caption: str  # which image: "recorded image 2 of 8", "a validation image", a file's name

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))


def from_snapshot(snapshot: InsideSnapshot, probe: int) -> Shown:
    cams = snapshot.cams
    return Shown(
        ("probe", probe),
        snapshot.images[probe],
        int(snapshot.labels[probe]),
        [np.asarray(maps[probe], dtype=np.float32) for maps in snapshot.maps],
        snapshot.probabilities[probe],
        None if cams is None else np.asarray(cams[probe], dtype=np.float32),
        snapshot.cam_layer,
        snapshot.filters,
        f"epoch {snapshot.epoch}",
        f"recorded image {probe + 1} of {len(snapshot.labels)}",
    )


def from_look(look: Look, key: tuple[Any, ...]) -> Shown:
    explained = look.explanation
    return Shown(
        key,
        explained.image,
        look.label,
        list(explained.maps),
        explained.probabilities,
        explained.gradcam,
        explained.cam_layer,
        look.filters,
        "the newest network",
        look.name,
    )


def layer_picture(
    layers: Sequence[LayerView],
    input_shape: Sequence[int],
    index: int,
    shown: Shown,
    filters: bool,
    class_names: Sequence[str] = (),
) -> tuple[str, str, list[Tile]]:
    """The title, the explanation and the tiles of layer `index` (INPUT: the image itself). The
    last layer's values are the class scores: hovering one names its class."""
    if index == INPUT:
        channels = shown.image.shape[0]
        words = "The image as the network gets it: one picture of numbers per colour channel."
        title = f"input: {channels} channel(s) of {shape_text(shown.image.shape[1:])}"
        return title, words, map_tiles(shown.image.astype(np.float32))
    layer = layers[index]
    if filters and index in shown.filters:
        weights = shown.filters[index]
        size = shape_text(weights.shape[1:])
        title = f"{layer.name}: {len(weights)} filters of {size}, {shown.source}"
        words = (
            "Each filter is the pattern its map looks for (red: weights above zero, blue: below)."
            if weights.shape[1] != 3
            else "Each filter is the pattern its map looks for, in colour."
        )
        return title, words, filter_tiles(weights)
    maps = shown.maps[index]
    full = layer.output_shape[0]
    kept = f" (the first {len(maps)} of {full})" if maps.ndim == 3 and len(maps) < full else ""
    what = (
        f"{len(maps)} maps of {shape_text(maps.shape[1:])}"
        if maps.ndim == 3
        else f"{len(maps)} values"
    )
    title = f"{layer.name}: {what}{kept}, {shown.source}"
    if index == len(layers) - 1 and maps.ndim == 1 and len(class_names) == len(maps):
        words = (
            f"{layer.explanation} These are the scores of the {len(maps)} classes: point at a "
            "square to see its class; the top classes beside turn them into probabilities."
        )
        return title, words, map_tiles(maps, tuple(class_names))
    return title, layer.explanation, map_tiles(maps)


def overlay(
    shown: Shown,
    target: int | None,
    occlusion: bool,
    heats: Mapping[tuple[Any, ...], np.ndarray | None],
    class_names: Sequence[str],
    layers: Sequence[LayerView],
) -> tuple[np.ndarray | None, str]:
    """The heat map over the image and what it means: Grad-CAM or `occlusion` for class
    `target` (None: the predicted one). The recording has Grad-CAM of the predicted class;
    anything else is in `heats` once computed: ("cam" or "occlusion", *shown.key, class)."""
    chosen = target if target is not None else shown.predicted
    name = class_names[chosen]
    if occlusion:
        occluded = heats.get(("occlusion", *shown.key, chosen))
        if occluded is None:
            return None, "Hiding each part of the image in turn..."
        return occluded, f"Occlusion: hiding the bright parts lowers {name} most."
    key = ("cam", *shown.key, target)
    if shown.key[0] == "probe" and target is None:
        cam = shown.cam  # recorded with the epoch
    elif key not in heats:
        return None, "Looking..."
    else:
        cam = heats[key]
    if cam is None:
        return None, "No Grad-CAM here: the network has no feature maps."
    layer = layers[shown.cam_layer].name if shown.cam_layer is not None else "?"
    return cam, f"Grad-CAM on {layer}: where it looks for {name}."
