"""The in-memory form every dataset loads into, and decoding one image file into it (a leaf)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class SkippedFile:
    """A file that was left out, and why, in words a person can act on."""

    path: str
    reason: str


@dataclass
class ImageData:
    """A dataset decoded once: uint8 images (N, C, H, W) and int64 labels for each split.

    Where the source knows them: `skipped` lists unreadable files, `original_sizes` holds each
    image's (width, height) before resizing and `paths` its file, training images first.
    """

    train_images: torch.Tensor
    train_labels: torch.Tensor
    val_images: torch.Tensor
    val_labels: torch.Tensor
    class_names: list[str]
    skipped: list[SkippedFile] = field(default_factory=list)
    original_sizes: np.ndarray | None = None
    paths: list[str] | None = None

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_images.shape[1:])  # type: ignore[return-value]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def decode_image(path: Path, size: int, channels: int) -> tuple[np.ndarray, tuple[int, int]]:
    """One image as uint8 (channels, size, size), and its original (width, height)."""
    mode = "L" if channels == 1 else "RGB"
    with Image.open(path) as image:
        original = image.size
        image.draft(mode, (size, size))  # JPEG: decode at a reduced scale, much faster
        image = image.convert(mode)
        scale = size / min(image.size)
        width = max(size, round(image.width * scale))
        height = max(size, round(image.height * scale))
        image = image.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=3.0)
        left, top = (width - size) // 2, (height - size) // 2
        pixels = np.asarray(image.crop((left, top, left + size, top + size)))
    return (pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)), original
