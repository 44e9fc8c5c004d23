"""Random augmentation of whole training batches with tensor ops, on the training device.

Shifts (pad and crop), mirroring and rotation are one affine resampling per batch; brightness and
contrast are per-image factors; cutout blanks a random square. Integer shifts and mirroring land
exactly on pixel centres, so they copy pixels without blurring them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cnnstudio.core.params import Param

if TYPE_CHECKING:
    import torch

AUGMENT_PARAMS = (
    Param(
        "crop_padding",
        "int",
        0,
        "Shift images at random by up to this many pixels (pad and crop); 4 suits 32x32 images.",
        minimum=0,
        maximum=32,
    ),
    Param(
        "hflip", "bool", False, "Mirror images left to right at random (not for digits or text)."
    ),
    Param(
        "rotation",
        "float",
        0.0,
        "Rotate images at random by up to this many degrees.",
        minimum=0.0,
        maximum=180.0,
    ),
    Param(
        "brightness",
        "float",
        0.0,
        "Change brightness at random by up to this fraction.",
        minimum=0.0,
        maximum=0.9,
    ),
    Param(
        "contrast",
        "float",
        0.0,
        "Change contrast at random by up to this fraction.",
        minimum=0.0,
        maximum=0.9,
    ),
    Param(
        "cutout",
        "int",
        0,
        "Blank a random square of this many pixels per image.",
        minimum=0,
        maximum=256,
    ),
)


class Augmenter:
    """Applies the spec's augmentations to float batches scaled 0-1, shape (N, C, H, W)."""

    def __init__(
        self, settings: Mapping[str, Any], generator: torch.Generator, fill: Sequence[float]
    ) -> None:
        self.settings = dict(settings)
        self.generator = generator
        self.fill = tuple(fill)  # cutout paints the dataset's mean colour: zero once normalised

    @property
    def active(self) -> bool:
        return any(value for value in self.settings.values())

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        s = self.settings
        if s["crop_padding"] or s["hflip"] or s["rotation"]:
            batch = self._resample(batch)
        if s["brightness"]:
            batch = batch * self._factors(len(batch), s["brightness"], batch.device)
        if s["contrast"]:
            mean = batch.mean((1, 2, 3), keepdim=True)
            batch = (batch - mean) * self._factors(len(batch), s["contrast"], batch.device) + mean
        if s["brightness"] or s["contrast"]:
            batch = batch.clamp(0, 1)
        if s["cutout"]:
            batch = self._cutout(batch, s["cutout"])
        return batch

    def _uniform(self, n: int, device: torch.device) -> torch.Tensor:
        """n values in [-1, 1)."""
        import torch

        return torch.rand(n, generator=self.generator, device=device) * 2 - 1

    def _factors(self, n: int, amount: float, device: torch.device) -> torch.Tensor:
        return (1 + amount * self._uniform(n, device)).view(n, 1, 1, 1)

    def _resample(self, batch: torch.Tensor) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        n, _, height, width = batch.shape
        device = batch.device
        s = self.settings
        angle = self._uniform(n, device) * math.radians(s["rotation"])
        mirror = torch.ones(n, device=device)
        if s["hflip"]:
            heads = torch.rand(n, generator=self.generator, device=device) < 0.5
            mirror = torch.where(heads, -1.0, 1.0)
        pad = s["crop_padding"]
        shift = torch.randint(-pad, pad + 1, (2, n), generator=self.generator, device=device)
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.stack(
            [
                torch.stack([cos * mirror, -sin, 2 * shift[0] / width], 1),
                torch.stack([sin * mirror, cos, 2 * shift[1] / height], 1),
            ],
            1,
        )
        grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
        return F.grid_sample(
            batch, grid, mode="bilinear", padding_mode="zeros", align_corners=False
        )

    def _cutout(self, batch: torch.Tensor, size: int) -> torch.Tensor:
        import torch

        n, channels, height, width = batch.shape
        device = batch.device
        centre_y = torch.randint(0, height, (n, 1, 1), generator=self.generator, device=device)
        centre_x = torch.randint(0, width, (n, 1, 1), generator=self.generator, device=device)
        rows = torch.arange(height, device=device).view(1, -1, 1)
        cols = torch.arange(width, device=device).view(1, 1, -1)
        half = size / 2
        inside = ((rows - centre_y).abs() < half) & ((cols - centre_x).abs() < half)
        fill = torch.tensor(self.fill[:channels], device=device).view(1, channels, 1, 1)
        return torch.where(inside[:, None], fill, batch)


def preview_augmentation(
    images: torch.Tensor, settings: Mapping[str, Any], seed: int = 0
) -> torch.Tensor:
    """What the network will see: `images` (uint8, N, C, H, W) augmented once, as uint8."""
    import torch

    fill = images.float().mean((0, 2, 3)).div(255).tolist()
    augmenter = Augmenter(settings, torch.Generator().manual_seed(seed), fill)
    batch = augmenter(images.float() / 255)
    return (batch * 255).round().clamp(0, 255).to(torch.uint8)
