"""The data fast path: images stay uint8 tensors in memory (on the training device); each batch is
gathered, converted and normalised with a few whole-batch tensor ops. No PIL, no per-sample work.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cnnstudio.core.data.augment import Augmenter
from cnnstudio.core.errors import DatasetError
from cnnstudio.core.params import AUTO

if TYPE_CHECKING:
    import torch

_GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601 luma, as PIL's convert("L")
_CHUNK = 4096  # images converted at a time, to bound the float copy's memory


def input_shape(
    native: tuple[int, int, int], input_options: Mapping[str, Any]
) -> tuple[int, int, int]:
    """The (channels, height, width) the network sees, given the dataset's native shape."""
    channels, height, width = native
    if input_options["channels"] != AUTO:
        channels = input_options["channels"]
    if input_options["size"] != AUTO:
        height = width = input_options["size"]
    return (channels, height, width)


def convert_images(images: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """uint8 images to the (channels, height, width) the network takes: grey/colour, resize."""
    import torch
    import torch.nn.functional as F

    if tuple(images.shape[1:]) == tuple(shape):
        return images
    channels, height, width = shape
    out = torch.empty((len(images), channels, height, width), dtype=torch.uint8)
    for start in range(0, len(images), _CHUNK):
        chunk = images[start : start + _CHUNK].float()
        if chunk.shape[1] == 3 and channels == 1:
            chunk = (chunk * torch.tensor(_GRAY_WEIGHTS)[None, :, None, None]).sum(1, keepdim=True)
        elif chunk.shape[1] == 1 and channels == 3:
            chunk = chunk.expand(-1, 3, -1, -1)
        if chunk.shape[2:] != (height, width):
            chunk = F.interpolate(
                chunk, size=(height, width), mode="bilinear", antialias=True, align_corners=False
            )
        out[start : start + _CHUNK] = chunk.round().clamp(0, 255).to(torch.uint8)
    return out


def channel_stats(images: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of uint8 images, on the 0-1 scale."""
    import torch

    total = torch.zeros(images.shape[1], dtype=torch.float64)
    total_sq = torch.zeros_like(total)
    for start in range(0, len(images), _CHUNK):
        chunk = images[start : start + _CHUNK].double().div_(255)
        total += chunk.sum((0, 2, 3))
        total_sq += chunk.square().sum((0, 2, 3))
    count = images.numel() / images.shape[1]
    mean = total / count
    std = (total_sq / count - mean.square()).clamp_min(1e-12).sqrt()
    return mean.tolist(), std.tolist()


@dataclass(frozen=True)
class Normalizer:
    """Turns uint8 batches into normalised floats, (x / 255 - mean) / std, in one fused step."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def to(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        std = torch.tensor(self.std, device=device).view(1, -1, 1, 1)
        mean = torch.tensor(self.mean, device=device).view(1, -1, 1, 1)
        return 1.0 / (255.0 * std), mean / std  # scale, shift


class BatchFinisher:
    """Turns a uint8 batch on the training device into the float batch the network trains on:
    memory layout, then augmentation (training only), then normalisation."""

    def __init__(
        self,
        normalizer: Normalizer,
        device: torch.device,
        *,
        channels_last: bool = False,
        augmenter: Augmenter | None = None,
    ) -> None:
        import torch

        self.device = device
        self.scale, self.shift = normalizer.to(device)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.augmenter = augmenter if augmenter is not None and augmenter.active else None

    def __call__(self, raw: torch.Tensor) -> torch.Tensor:
        import torch

        batch = raw.to(dtype=torch.float32, memory_format=self.memory_format)
        if self.augmenter is not None:
            batch = self.augmenter(batch.div_(255)).mul_(255)
        return batch.mul_(self.scale).sub_(self.shift)


def check_split_sizes(train_count: int, val_count: int) -> None:
    """Refuse, with advice, splits too small to train on or to measure accuracy with."""
    if train_count < 2:
        raise DatasetError(
            f"the training split holds {train_count} image(s); training needs at least two. "
            "Add training images (for a folder of your own: more images per class, or a "
            "smaller val_fraction)."
        )
    if val_count == 0:
        raise DatasetError(
            "the validation split holds no images, so accuracy cannot be measured. Each class "
            "needs at least two images, one of them kept for validation: add images, or put "
            "validation images in a val/ folder beside train/."
        )


def batch_count(count: int, batch_size: int, *, drop_single: bool) -> int:
    """Batches per pass. With `drop_single` (training), a last batch of a single image is dropped:
    batch norm cannot train on one value per channel. Evaluation never drops an image."""
    return count // batch_size + (count % batch_size > (1 if drop_single else 0))


class BatchLoader:
    """Iterates (float images, labels) batches from uint8 tensors already on the training device.

    Shuffling uses its own seeded generator so a run is repeatable; `drop_single` drops a last
    batch of one image (for training only).
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        batch_size: int,
        finish: BatchFinisher,
        *,
        shuffle: bool,
        generator: torch.Generator | None = None,
        drop_single: bool = False,
    ) -> None:
        self.images, self.labels = images, labels
        self.batch_size = batch_size
        self.finish = finish
        self.shuffle = shuffle
        self.generator = generator
        self.num_batches = batch_count(len(images), batch_size, drop_single=drop_single)

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        import torch

        count = len(self.images)
        if self.shuffle:
            order = torch.randperm(count, generator=self.generator).to(self.images.device)
        for index in range(self.num_batches):
            start, stop = index * self.batch_size, min(count, (index + 1) * self.batch_size)
            if self.shuffle:
                rows = order[start:stop]
                raw, labels = self.images[rows], self.labels[rows]
            else:
                raw, labels = self.images[start:stop], self.labels[start:stop]
            yield self.finish(raw), labels
