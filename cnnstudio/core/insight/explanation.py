"""Everything the window's Inside view and `cnnstudio explain` show for one image."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cnnstudio.core.insight.attribution import grad_cam, top_classes
from cnnstudio.core.insight.layers import LayerView, default_cam_layer
from cnnstudio.core.insight.probe import layer_outputs

TOP_K = 5


@dataclass(frozen=True)
class Explanation:
    """One image through the network: every layer's maps, the top classes and Grad-CAM."""

    image: np.ndarray  # uint8 (C, H, W) at the input shape
    layers: tuple[LayerView, ...]
    maps: tuple[np.ndarray, ...]  # per layer float32 (C, H, W) or (F,)
    probabilities: np.ndarray  # float32 (classes,)
    top: tuple[tuple[str, float], ...]  # the likeliest classes, likeliest first
    cam_layer: int | None  # the layer Grad-CAM explains (None: the network has no maps)
    target: int  # the class Grad-CAM explains
    gradcam: np.ndarray | None  # float32 (H, W) in [0, 1]


def explain_image(
    model: nn.Sequential,
    normalised: torch.Tensor,
    image: np.ndarray,
    views: Sequence[LayerView],
    class_names: Sequence[str],
    cam_layer: int | None = None,
    target: int | None = None,
) -> Explanation:
    """Explain one image, given as the normalised batch (1, C, H, W) the network takes and as the
    uint8 picture people see. Grad-CAM explains `target` (default: the predicted class) at
    `cam_layer` (default: `default_cam_layer`)."""
    outputs = layer_outputs(model, normalised)
    probabilities = _softmax(outputs[-1][0])
    chosen = int(probabilities.argmax()) if target is None else target
    layer = default_cam_layer(views) if cam_layer is None else cam_layer
    cam = None if layer is None else grad_cam(model, normalised, layer, [chosen])[0]
    return Explanation(
        image=np.asarray(image, dtype=np.uint8),
        layers=tuple(views),
        maps=tuple(output[0] for output in outputs),
        probabilities=probabilities,
        top=tuple(top_classes(probabilities, class_names, TOP_K)),
        cam_layer=layer,
        target=chosen,
        gradcam=cam,
    )


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores.astype(np.float64) - scores.max())
    return (shifted / shifted.sum()).astype(np.float32)
