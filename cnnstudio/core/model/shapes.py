"""Shape inference by formula: output shape, parameters and multiply-adds per layer, no torch.

It runs on every keystroke in the window, so it must be cheap and must not touch torch (torch work
on the GUI thread slows training; see docs/ARCHITECTURE.md). Each layer type's rule comes from the
catalogue (layers.py). `build.py` builds modules from the concrete values resolved here, so the
stack that is checked is the stack that is built. The analysis also checks that training the stack
fits in the free memory, so a stack too big to run is refused before anything is allocated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from math import prod

from cnnstudio.core.errors import StackError
from cnnstudio.core.model.layer_type import Impossible, Shape
from cnnstudio.core.model.layers import LayerSpec
from cnnstudio.core.model.memory import MemoryNeed, available_memory
from cnnstudio.core.model.rules import format_shape

__all__ = ["LayerReport", "Shape", "StackReport", "analyse_stack", "format_shape"]


@dataclass(frozen=True)
class LayerReport:
    """What one layer does to its input."""

    index: int
    layer: LayerSpec
    input_shape: Shape
    output_shape: Shape
    params: int
    macs: int
    resolved: dict[str, int] = field(default_factory=dict)
    window: int = 1  # input positions along a side one output reads (see LayerOutput)
    stride: int = 1

    @property
    def values_per_image(self) -> int:
        """Values the layer computes and keeps for the backward pass, per image."""
        return self.layer.layer_type.kept_maps * prod(self.output_shape)


@dataclass(frozen=True)
class StackReport:
    """Per-layer reports up to the first impossible layer, and that layer's error if any."""

    input_shape: Shape
    rows: tuple[LayerReport, ...]
    error: StackError | None

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def total_macs(self) -> int:
        return sum(row.macs for row in self.rows)

    @property
    def output_shape(self) -> Shape:
        return self.rows[-1].output_shape if self.rows else self.input_shape

    def memory(self, batch_size: int) -> MemoryNeed:
        """The memory training these layers takes for batches of `batch_size` images."""
        values = prod(self.input_shape) + sum(row.values_per_image for row in self.rows)
        return MemoryNeed(self.total_params, values, batch_size)

    def raise_if_invalid(self) -> StackReport:
        if self.error is not None:
            raise self.error
        return self


def analyse_stack(
    layers: Sequence[LayerSpec],
    input_shape: Shape,
    num_classes: int,
    *,
    batch_size: int = 1,
    free_memory: int | None = None,
) -> StackReport:
    """Work out every layer's output for an input of `input_shape` (channels, height, width).

    The last Linear layer may have out_features "auto", meaning `num_classes`; the stack must end
    with one value per class. A stack that works is then checked to fit: training it on batches of
    `batch_size` must need no more than `free_memory` bytes (by default the free main memory).
    """
    rows: list[LayerReport] = []
    shape = tuple(input_shape)
    last_linear = max((i for i, layer in enumerate(layers) if layer.type == "linear"), default=-1)
    for index, layer in enumerate(layers):
        classes = num_classes if index == last_linear else None
        try:
            out = layer.layer_type.rule(layer.params, shape, classes)
        except Impossible as problem:
            return StackReport(
                input_shape, tuple(rows), StackError(index, layer.title, str(problem))
            )
        rows.append(
            LayerReport(
                index,
                layer,
                shape,
                out.shape,
                out.params,
                out.macs,
                out.resolved,
                out.window,
                out.stride,
            )
        )
        shape = out.shape
    report = StackReport(input_shape, tuple(rows), _check_ending(layers, shape, num_classes))
    if report.error is None:
        free = available_memory() if free_memory is None else free_memory
        too_big = report.memory(batch_size).problem(free)
        if too_big:
            return StackReport(input_shape, report.rows, StackError(None, "", too_big))
    return report


def _check_ending(layers: Sequence[LayerSpec], shape: Shape, num_classes: int) -> StackError | None:
    if not layers:
        return StackError(None, "", "it is empty; add layers or pick a preset.")
    last = len(layers) - 1
    if len(shape) != 1:
        return StackError(
            last,
            layers[last].title,
            f"the network ends with a {format_shape(shape)} feature map, but it must end with one "
            f"value per class ({num_classes}); finish with Flatten (or global average pooling) and "
            "a Linear layer with out_features auto.",
        )
    if shape[0] != num_classes:
        return StackError(
            last,
            layers[last].title,
            f"the network ends with {shape[0]} values, but the dataset has {num_classes} classes; "
            f"set the last Linear layer's out_features to auto (or {num_classes}).",
        )
    return None
