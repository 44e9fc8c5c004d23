"""Where the network puts each image: the features its classifier reads (the input of the last
Linear layer), projected to two dimensions with PCA in torch (no scikit-learn)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from cnnstudio.core.insight.probe import evaluating


@torch.no_grad()
def embed(
    model: nn.Sequential,
    images: torch.Tensor,
    normalise: Callable[[torch.Tensor], torch.Tensor],
    batch_size: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """Uint8 images at the input shape -> their 2-D places (N, 2) and predicted classes (N,)."""
    last = max(i for i, layer in enumerate(model) if isinstance(layer, nn.Linear))
    head, tail = model[:last], model[last:]
    features, predictions = [], []
    with evaluating(model):
        for first in range(0, len(images), batch_size):
            hidden = head(normalise(images[first : first + batch_size]))
            features.append(hidden.flatten(1).float().cpu())
            predictions.append(tail(hidden).argmax(1).cpu())
    return pca_2d(torch.cat(features).numpy()), torch.cat(predictions).numpy()


def pca_2d(features: np.ndarray) -> np.ndarray:
    """The two directions along which the features spread most: float32 (N, 2).

    Signs are fixed (each axis's largest loading positive) so that the picture does not flip
    between epochs for no reason."""
    values = torch.as_tensor(features, dtype=torch.float64)
    centred = values - values.mean(0)
    if len(values) < 2:
        return np.zeros((len(values), 2), dtype=np.float32)
    _, _, directions = torch.linalg.svd(centred, full_matrices=False)
    axes = directions[:2].T
    if axes.shape[1] < 2:  # one feature: the second axis is flat
        axes = torch.cat([axes, torch.zeros_like(axes)], 1)
    signs = torch.sign(axes.gather(0, axes.abs().argmax(0, keepdim=True)))
    signs[signs == 0] = 1
    return (centred @ (axes * signs)).float().numpy()
