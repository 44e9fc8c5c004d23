"""What each layer makes of a batch (forward hooks), a convolution's filters, and per-layer
statistics of weights and activations."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from cnnstudio.core.insight.layers import LayerView
from cnnstudio.core.insight.snapshot import LayerStats

HISTOGRAM_BINS = 20
RELU_KINDS = ("relu",)  # exactly zero for negative inputs, so a unit can be "dead"


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode (dropout off, batch norm on its running statistics, which it leaves alone),
    then the mode the model was in: looking inside a training model changes nothing."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


@contextmanager
def recording(model: nn.Sequential, keep_graph: bool = False) -> Iterator[list[torch.Tensor]]:
    """Collects each layer's output, in order, while the block runs `model` forward."""
    outputs: list[torch.Tensor] = []

    def keep(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        outputs.append(output if keep_graph else output.detach())

    handles = [layer.register_forward_hook(keep) for layer in model]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


@torch.no_grad()
def layer_outputs(model: nn.Sequential, batch: torch.Tensor) -> list[np.ndarray]:
    """Every layer's output for a normalised batch: float32 (N, C, H, W) or (N, F) per layer."""
    with evaluating(model), recording(model) as outputs:
        model(batch)
    return [output.float().cpu().numpy() for output in outputs]


def filter_weights(model: nn.Sequential, index: int) -> np.ndarray:
    """A Conv2d layer's filters as float32 (out_channels, in_channels, k, k)."""
    layer = model[index]
    if not isinstance(layer, nn.Conv2d):
        raise ValueError(f"layer {index + 1} is a {type(layer).__name__}, not a convolution")
    return layer.weight.detach().float().cpu().numpy().copy()


def layer_statistics(
    model: nn.Sequential, views: Sequence[LayerView], outputs: Sequence[np.ndarray]
) -> list[LayerStats]:
    """Per layer: weight and activation mean, spread and histogram; for ReLUs the share of units
    that never fire on these images (dead units learn nothing)."""
    stats = []
    for view, output in zip(views, outputs, strict=True):
        weights = _weights(model[view.index])
        dead = None
        if view.kind in RELU_KINDS and len(output):
            dead = float((output.reshape(len(output), -1) <= 0).all(axis=0).mean())
        stats.append(
            LayerStats(
                index=view.index,
                weight_mean=None if weights is None else _finite(weights, np.mean),
                weight_std=None if weights is None else _finite(weights, np.std),
                activation_mean=_finite(output, np.mean),
                activation_std=_finite(output, np.std),
                dead_share=dead,
                weight_histogram=None if weights is None else _histogram(weights),
                activation_histogram=_histogram(output),
            )
        )
    return stats


def _weights(layer: nn.Module) -> np.ndarray | None:
    """All of a layer's weight tensors (not biases or norm shifts) as one flat array."""
    found = [
        parameter.detach().float().cpu().numpy().ravel()
        for name, parameter in layer.named_parameters()
        if name.endswith("weight") and parameter.dim() > 1
    ]
    return np.concatenate(found) if found else None


def _finite(values: np.ndarray, statistic: Callable[[np.ndarray], Any]) -> float:
    """The statistic of the finite values (a diverging network has infinities); NaN if none."""
    finite = values[np.isfinite(values)].astype(np.float64)  # a float32 sum could overflow
    return float(statistic(finite)) if finite.size else float("nan")


def _histogram(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts over the finite values' range (infinities are left out)."""
    finite = values[np.isfinite(values)].astype(np.float64)  # float32 edges could overflow
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high <= low:  # one value: a bin around it wide enough for its magnitude
        spread = max(0.5, abs(low) * 1e-3)
        low, high = low - spread, high + spread
    counts, edges = np.histogram(finite, bins=HISTOGRAM_BINS, range=(low, high))
    return counts.astype(np.int64), edges.astype(np.float32)
