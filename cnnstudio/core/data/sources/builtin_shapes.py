"""The built-in dataset: ten kinds of shape, drawn procedurally, so the app works offline.

Each image is one shape of random size, position, rotation and colours on a shaded background with
pixel noise. Drawing uses a signed distance per shape, evaluated for a whole class at once with
tensor ops, so 12,000 images take well under a second. The same seed always gives the same images.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.sources.base import DatasetSource
from cnnstudio.core.params import Param
from cnnstudio.core.threads import one_intra_op_thread

if TYPE_CHECKING:
    import torch

SIZE = 32
CLASS_NAMES = [
    "disc",
    "ring",
    "square",
    "triangle",
    "cross",
    "star",
    "crescent",
    "stripes",
    "checker",
    "two dots",
]


def _distance(label: int, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Signed distance (in shape radii) from each point to the shape's edge; negative inside."""
    import torch

    rho = torch.sqrt(u * u + v * v)
    if label == 0:  # disc
        return rho - 1.0
    if label == 1:  # ring
        return (rho - 0.72).abs() - 0.28
    if label == 2:  # square
        return torch.maximum(u.abs(), v.abs()) - 0.8
    if label == 3:  # triangle: three half-planes, normals 120 degrees apart
        edges = [
            u * math.cos(a) + v * math.sin(a)
            for a in (math.pi / 2, 7 * math.pi / 6, 11 * math.pi / 6)
        ]
        return torch.maximum(torch.maximum(edges[0], edges[1]), edges[2]) - 0.5
    if label == 4:  # cross
        arm_h = torch.maximum(u.abs() - 1.0, v.abs() - 0.3)
        arm_v = torch.maximum(v.abs() - 1.0, u.abs() - 0.3)
        return torch.minimum(arm_h, arm_v)
    if label == 5:  # five-pointed star
        return rho - (0.62 + 0.38 * torch.cos(5 * torch.atan2(v, u)))
    if label == 6:  # crescent: a disc with an offset disc cut out
        bite = torch.sqrt((u - 0.5) ** 2 + v * v)
        return torch.maximum(rho - 1.0, 0.8 - bite)
    if label == 7:  # stripes inside a disc
        return torch.maximum(rho - 1.0, 0.35 * torch.sin(u * 1.5 * math.pi))
    if label == 8:  # checker inside a square
        return torch.maximum(
            torch.maximum(u.abs(), v.abs()) - 0.9,
            0.3 * torch.sin(u * math.pi) * torch.sin(v * math.pi),
        )
    if label == 9:  # two dots
        left = torch.sqrt((u + 0.5) ** 2 + v * v)
        right = torch.sqrt((u - 0.5) ** 2 + v * v)
        return torch.minimum(left, right) - 0.38
    raise ValueError(label)


def draw_shapes(labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Draw one image per label: uint8 (N, 3, SIZE, SIZE)."""
    import torch

    n = len(labels)

    def uniform(low: float, high: float, *shape: int) -> torch.Tensor:
        return torch.rand(n, *shape, generator=generator) * (high - low) + low

    centre = uniform(11.0, 21.0, 2)
    radius = uniform(6.0, 11.0)
    angle = uniform(0.0, 2 * math.pi)
    background = uniform(0.0, 1.0, 3)
    # The shape differs from the background by 0.3-0.7 in every channel, lighter or darker.
    direction = torch.where(background.mean(1, keepdim=True) < 0.5, 1.0, -1.0)
    foreground = (background + direction * uniform(0.3, 0.7, 3)).clamp(0, 1)
    shading = uniform(-0.15, 0.15, 2)
    noise_level = uniform(0.02, 0.1)

    ys, xs = torch.meshgrid(
        torch.arange(SIZE, dtype=torch.float32),
        torch.arange(SIZE, dtype=torch.float32),
        indexing="ij",
    )
    dx = xs - centre[:, 0, None, None]
    dy = ys - centre[:, 1, None, None]
    cos, sin = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
    r = radius[:, None, None]
    u, v = (dx * cos + dy * sin) / r, (-dx * sin + dy * cos) / r

    distance = torch.empty(n, SIZE, SIZE)
    for label in range(len(CLASS_NAMES)):
        rows = labels == label
        distance[rows] = _distance(label, u[rows], v[rows])
    # One pixel of anti-aliased edge: distance in radii times radius is distance in pixels.
    alpha = (0.5 - distance * r).clamp(0, 1)[:, None]

    gradient = (
        shading[:, 0, None, None] * (xs - SIZE / 2) + shading[:, 1, None, None] * (ys - SIZE / 2)
    ) / SIZE
    back = background[:, :, None, None] + gradient[:, None]
    image = back * (1 - alpha) + foreground[:, :, None, None] * alpha
    image += torch.randn(image.shape, generator=generator) * noise_level[:, None, None, None]
    return (image.clamp(0, 1) * 255).round().to(torch.uint8)


class ShapesSource(DatasetSource):
    name = "shapes"
    title = "Shapes (built-in)"
    description = (
        "Ten kinds of shape in random sizes, positions, angles and colours, with noise. Drawn on "
        "this computer in a second: no download needed."
    )
    options = (
        Param("train_size", "int", 10_000, "Training images.", minimum=20, maximum=200_000),
        Param("val_size", "int", 2_000, "Validation images.", minimum=10, maximum=50_000),
        Param(
            "seed", "int", 0, "Seed for drawing; the same seed gives the same images.", minimum=0
        ),
    )

    def native_shape(self, options: Mapping[str, Any]) -> tuple[int, int, int]:
        return (3, SIZE, SIZE)

    def class_names(self, options: Mapping[str, Any]) -> list[str]:
        return list(CLASS_NAMES)

    def load(self, options: Mapping[str, Any], data_dir: Path | None = None) -> ImageData:
        seed = options["seed"]
        with one_intra_op_thread():
            train_images, train_labels = _split(options["train_size"], seed * 2)
            val_images, val_labels = _split(options["val_size"], seed * 2 + 1)
        return ImageData(train_images, train_labels, val_images, val_labels, list(CLASS_NAMES))


def _split(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A class-balanced, shuffled split drawn from its own seed."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(count) % len(CLASS_NAMES)
    labels = labels[torch.randperm(count, generator=generator)]
    # Chunks keep the intermediate tensors in cache: about 4x faster than one big batch.
    images = torch.cat([draw_shapes(chunk, generator) for chunk in labels.split(512)])
    return images, labels


SOURCES = (ShapesSource(),)
