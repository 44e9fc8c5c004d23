"""Build the PyTorch network for a checked layer stack."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from cnnstudio.core.layers import LayerSpec
from cnnstudio.core.shapes import LayerReport, Shape, analyse_stack


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


def build_model(layers: Sequence[LayerSpec], input_shape: Shape, num_classes: int) -> nn.Sequential:
    """Return an nn.Sequential for `layers`; raises StackError if the stack cannot work."""
    report = analyse_stack(layers, input_shape, num_classes).raise_if_invalid()
    return nn.Sequential(*(_module(row) for row in report.rows))


def _module(row: LayerReport) -> nn.Module:
    p, r = row.layer.params, row.resolved
    match row.layer.type:
        case "conv2d":
            return nn.Conv2d(
                r["in_channels"], p["out_channels"], p["kernel_size"], p["stride"], p["padding"]
            )
        case "batchnorm2d":
            return nn.BatchNorm2d(r["num_features"])
        case "relu":
            return nn.ReLU()
        case "leaky_relu":
            return nn.LeakyReLU(p["negative_slope"])
        case "gelu":
            return nn.GELU()
        case "silu":
            return nn.SiLU()
        case "tanh":
            return nn.Tanh()
        case "sigmoid":
            return nn.Sigmoid()
        case "maxpool2d":
            return nn.MaxPool2d(p["kernel_size"], r["stride"], p["padding"])
        case "avgpool2d":
            return nn.AvgPool2d(p["kernel_size"], r["stride"], p["padding"])
        case "global_avg_pool":
            return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        case "dropout":
            return nn.Dropout(p["p"])
        case "dropout2d":
            return nn.Dropout2d(p["p"])
        case "flatten":
            return nn.Flatten()
        case "linear":
            return nn.Linear(r["in_features"], r["out_features"])
        case "residual":
            return ResidualBlock(r["in_channels"], p["out_channels"], p["stride"])
    raise ValueError(f"no module for layer type {row.layer.type!r}")
