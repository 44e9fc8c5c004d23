"""The in-memory form every dataset loads into, and decoding one image file into it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from cnnstudio.core.data.tensors import BatchFinisher, BatchLoader, channel_stats, convert_images

if TYPE_CHECKING:
    import torch

# Greyscale modes deeper than 8 bits, which `to_8_bit` scales (Pillow would clip them).
WIDE_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N", "F"}


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

    def at_shape(self, shape: tuple[int, int, int]) -> ImageData:
        """The images converted once, up front, to the (channels, height, width) the network
        takes, so every epoch trains on the ready uint8 tensor."""
        if shape == self.input_shape:
            return self
        return replace(
            self,
            train_images=convert_images(self.train_images, shape),
            val_images=convert_images(self.val_images, shape),
        )

    def channel_stats(self, seed: int) -> tuple[list[float], list[float]]:
        """Per-channel mean and std of every training image (`seed` draws nothing here)."""
        return channel_stats(self.train_images)

    def loaders(
        self,
        train_finish: BatchFinisher,
        val_finish: BatchFinisher,
        *,
        batch_size: int,
        val_batch_size: int,
        shuffle: torch.Generator,
    ) -> tuple[BatchLoader, BatchLoader]:
        """Training and validation batches, the images moved to the finishers' device once."""
        device = train_finish.device
        train = BatchLoader(
            self.train_images.to(device),
            self.train_labels.to(device),
            batch_size,
            train_finish,
            shuffle=True,
            generator=shuffle,
            drop_single=True,
        )
        images, labels = self.val_images.to(device), self.val_labels.to(device)
        return train, BatchLoader(images, labels, val_batch_size, val_finish, shuffle=False)

    def held_out_sample(self, count: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
        """The first `count` validation images (uint8, CPU) and their labels."""
        return self.val_images[:count].cpu().clone(), self.val_labels[:count].cpu().clone()


def decode_image(path: Path, size: int, channels: int) -> tuple[np.ndarray, tuple[int, int]]:
    """One image as uint8 (channels, size, size), and its original (width, height)."""
    mode = "L" if channels == 1 else "RGB"
    with Image.open(path) as image:
        original = image.size
        if image.mode in WIDE_MODES:
            image = to_8_bit(image)
        image.draft(mode, (size, size))  # JPEG: decode at a reduced scale, much faster
        image = image.convert(mode)
        scale = size / min(image.size)
        width = max(size, round(image.width * scale))
        height = max(size, round(image.height * scale))
        image = image.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=3.0)
        left, top = (width - size) // 2, (height - size) // 2
        # np.array, not asarray: Pillow's buffer is read-only, and torch.from_numpy on it printed
        # "The given NumPy array is not writable" (grey images are not copied again later).
        pixels = np.array(image.crop((left, top, left + size, top + size)))
    return (pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)), original


def to_8_bit(image: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or floating-point greyscale image scaled to 8 bits: integers from the
    16-bit range (0-65535), floats from 0-1. Pillow's own conversion clips instead, turning
    16-bit pictures white and 0-1 floats black. Other ranges are refused (ValueError)."""
    pixels = np.asarray(image)
    low, high = (float(pixels.min()), float(pixels.max())) if pixels.size else (0.0, 0.0)
    if image.mode == "F":
        if not (np.isfinite(pixels).all() and low >= 0 and high <= 1):
            raise ValueError(
                f"floating-point pixels from {low:g} to {high:g}; only 0 to 1 is understood: "
                "scale them to 0-1, or save the image with 8 or 16 bits"
            )
        scaled = pixels * 255.0
    else:
        if low < 0 or high > 65535:
            raise ValueError(
                f"32-bit pixels from {low:g} to {high:g}, beyond 16 bits: save the image with 8 "
                "or 16 bits"
            )
        scaled = pixels / 257.0  # 65535 -> 255
    return Image.fromarray(np.round(scaled).astype(np.uint8), "L")


def describe_error(error: Exception) -> str:
    """An error's own text, short enough for a list of files."""
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def unreadable_reason(error: Exception) -> str:
    """Why `decode_image` failed on a file, in words a person can act on."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, PermissionError):
        return "not allowed to read it"
    return f"not an image this program can read ({describe_error(error)})"
