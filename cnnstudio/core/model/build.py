"""Build the PyTorch network for a checked layer stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from cnnstudio.core.model.layers import LayerSpec
from cnnstudio.core.model.shapes import LayerReport, Shape, analyse_stack


class ResidualBlock(nn.Module):
    """Two 3x3 conv + batch-norm layers added to a (projected, if needed) shortcut, as in ResNet."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class GlobalAvgPool(nn.Module):
    """The mean of each channel over the whole map: (N, C, H, W) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean((2, 3))


# Modules of our own; the rest come from torch.nn. The script exporter copies these classes.
OWN_MODULES: dict[str, type[nn.Module]] = {
    "ResidualBlock": ResidualBlock,
    "GlobalAvgPool": GlobalAvgPool,
}


def build_model(
    layers: Sequence[LayerSpec],
    input_shape: Shape,
    num_classes: int,
    *,
    batch_size: int = 1,
    free_memory: int | None = None,
) -> nn.Sequential:
    """Return an nn.Sequential for `layers`; raises StackError if the stack cannot work.

    Nothing is allocated before the stack is checked to fit in `free_memory` bytes for training on
    batches of `batch_size` (see `analyse_stack`).
    """
    report = analyse_stack(
        layers, input_shape, num_classes, batch_size=batch_size, free_memory=free_memory
    ).raise_if_invalid()
    modules = []
    for row in report.rows:
        name, args = module_call(row)
        modules.append((OWN_MODULES.get(name) or getattr(nn, name))(*args))
    return nn.Sequential(*modules)


def module_call(row: LayerReport) -> tuple[str, tuple[Any, ...]]:
    """The module a layer becomes, as (class name, arguments), from its catalogue entry:
    build_model makes it, and the script exporter writes it out as code."""
    layer_type = row.layer.layer_type
    return layer_type.module, layer_type.module_arguments({**row.layer.params, **row.resolved})
