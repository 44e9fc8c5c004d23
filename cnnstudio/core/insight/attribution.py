"""Why the network chose a class: its probabilities, Grad-CAM (Selvaraju et al., 2017) and
occlusion sensitivity (Zeiler and Fergus, 2014), on a normalised batch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cnnstudio.core.insight.probe import evaluating, recording

OCCLUSION_BATCH = 128  # occluded copies scored at once


@torch.no_grad()
def probabilities(model: nn.Module, batch: torch.Tensor) -> np.ndarray:
    """Softmax of the network's outputs: float32 (N, classes)."""
    with evaluating(model):
        return model(batch).float().softmax(1).cpu().numpy()


def top_classes(
    probabilities_row: np.ndarray, class_names: Sequence[str], k: int = 5
) -> list[tuple[str, float]]:
    """The `k` likeliest (class name, probability), likeliest first (ties: lower class first)."""
    order = np.argsort(-probabilities_row, kind="stable")[:k]
    return [(class_names[i], float(probabilities_row[i])) for i in order]


def grad_cam(
    model: nn.Sequential,
    batch: torch.Tensor,
    layer_index: int,
    targets: Sequence[int] | None = None,
) -> np.ndarray:
    """Where the network looks for each image's target class (its prediction by default).

    The layer's maps are weighted by how much the class score rises with each map (its gradient,
    averaged over the map), summed, and only the positive part kept; the result is scaled up to
    the input size and to [0, 1] per image. Returns float32 (N, H, W). Weights' gradients are not
    touched (only the maps' gradient is taken), so it is safe in the middle of training.
    """
    with evaluating(model), torch.enable_grad(), recording(model, keep_graph=True) as outputs:
        scores = model(batch).float()
        maps = outputs[layer_index]
        if targets is None:
            chosen = scores.argmax(1)
        else:
            chosen = torch.as_tensor(list(targets), device=scores.device)
        score = scores.gather(1, chosen[:, None]).sum()
        (gradient,) = torch.autograd.grad(score, maps)
    weights = gradient.float().mean((2, 3), keepdim=True)
    cam = torch.relu((weights * maps.detach().float()).sum(1, keepdim=True))
    cam = F.interpolate(cam, size=batch.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    return _scaled_to_unit(cam).cpu().numpy()


@torch.no_grad()
def occlusion_map(
    model: nn.Module,
    image: torch.Tensor,
    target: int,
    patch: int | None = None,
    stride: int | None = None,
) -> np.ndarray:
    """How much hiding each region lowers the target class's probability.

    A grey square (the dataset's mean colour: 0 after normalisation) slides over the normalised
    image of shape (1, C, H, W); each pixel gets the mean drop of the squares covering it, clipped
    at 0. Patch and stride default to about an eighth and a sixteenth of the image side.
    Returns float32 (H, W) in [0, 1].
    """
    height, width = image.shape[-2:]
    patch = patch or max(2, round(min(height, width) / 8))
    stride = stride or max(1, patch // 2)
    rows, columns = _starts(height, patch, stride), _starts(width, patch, stride)
    corners = [(y, x) for y in rows for x in columns]
    with evaluating(model):
        baseline = model(image).float().softmax(1)[0, target]
        drops = []
        for first in range(0, len(corners), OCCLUSION_BATCH):
            chunk = corners[first : first + OCCLUSION_BATCH]
            hidden = image.repeat(len(chunk), 1, 1, 1)
            for row, (y, x) in enumerate(chunk):
                hidden[row, :, y : y + patch, x : x + patch] = 0
            drops.append(baseline - model(hidden).float().softmax(1)[:, target])
    drop = torch.cat(drops).cpu()
    total = torch.zeros(height, width)
    covered = torch.zeros(height, width)
    for (y, x), value in zip(corners, drop.tolist(), strict=True):
        total[y : y + patch, x : x + patch] += value
        covered[y : y + patch, x : x + patch] += 1
    return (total / covered.clamp(min=1)).clamp(0, 1).numpy()


def _starts(size: int, patch: int, stride: int) -> list[int]:
    """Square positions along one side that cover it up to the edge."""
    last = max(0, size - patch)
    starts = list(range(0, last + 1, stride))
    if starts[-1] != last:
        starts.append(last)
    return starts


def _scaled_to_unit(maps: torch.Tensor) -> torch.Tensor:
    """Each map divided by its maximum; an all-zero map stays zero, and so does a map of a
    network whose values overflowed."""
    maps = torch.nan_to_num(maps, nan=0.0, posinf=0.0, neginf=0.0)
    peak = maps.flatten(1).amax(1).clamp(min=1e-12)
    return maps / peak[:, None, None]
