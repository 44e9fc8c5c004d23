"""Training from disk, for image folders too large to decode into memory at once.

A DataLoader with worker processes decodes files into uint8 batches; the same `BatchFinisher` as
the in-memory path then augments and normalises them on the training device, so both paths train
on identical batches. A file that fails to decode mid-run is left out of its batch and listed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import psutil

from cnnstudio.core.data.images import ImageData, SkippedFile, decode_image
from cnnstudio.core.data.tensors import BatchFinisher, batch_count, channel_stats

if TYPE_CHECKING:
    import torch

MEMORY_SHARE = 0.5  # decode into memory only what fits in half the memory free now
STATS_SAMPLE = 2000  # images decoded to estimate the normalisation mean and std


def fits_in_memory(image_count: int, channels: int, size: int) -> bool:
    return image_count * channels * size * size <= psutil.virtual_memory().available * MEMORY_SHARE


@dataclass
class StreamedImages:
    """A dataset read from its files every epoch: paths and labels, decoded at (channels, size)."""

    train_paths: list[str]
    train_labels: torch.Tensor
    val_paths: list[str]
    val_labels: torch.Tensor
    class_names: list[str]
    size: int
    channels: int
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.size, self.size)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def paths(self) -> list[str]:
        return self.train_paths + self.val_paths


class _FileImages:
    """Map-style dataset of image files for a DataLoader (which needs no torch Dataset base)."""

    def __init__(self, paths: list[str], labels: torch.Tensor, size: int, channels: int) -> None:
        self.paths, self.labels = paths, labels
        self.size, self.channels = size, channels

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, int]:
        import torch

        try:
            pixels, _ = decode_image(Path(self.paths[index]), self.size, self.channels)
        except Exception:  # reported by the loader, which drops the row
            empty = torch.zeros((self.channels, self.size, self.size), dtype=torch.uint8)
            return empty, -1, index
        return torch.from_numpy(np.ascontiguousarray(pixels)), int(self.labels[index]), index


class StreamingLoader:
    """Iterates (float images, labels) batches decoded from files by worker processes;
    `drop_single` drops a last batch of one image (for training only)."""

    def __init__(
        self,
        paths: list[str],
        labels: torch.Tensor,
        size: int,
        channels: int,
        batch_size: int,
        finish: BatchFinisher,
        *,
        shuffle: bool,
        generator: torch.Generator | None = None,
        workers: int | None = None,
        drop_single: bool = False,
    ) -> None:
        from torch.utils.data import DataLoader

        self.finish = finish
        self.paths = paths
        self.skipped: dict[str, SkippedFile] = {}
        workers = min(4, os.cpu_count() or 1) if workers is None else workers
        self.loader: DataLoader[Any] = DataLoader(
            _FileImages(paths, labels, size, channels),  # type: ignore[arg-type]  # duck-typed
            batch_size=batch_size,
            shuffle=shuffle,
            generator=generator,
            num_workers=workers,
            persistent_workers=workers > 0,
            pin_memory=finish.device.type == "cuda",
        )
        self.num_batches = batch_count(len(paths), batch_size, drop_single=drop_single)

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for index, (raw, labels, rows) in enumerate(self.loader):
            if index == self.num_batches:
                break  # the one-image last batch that batch norm cannot train on
            readable = labels >= 0
            for row in rows[~readable].tolist():
                path = self.paths[row]
                self.skipped.setdefault(path, SkippedFile(path, "cannot be decoded"))
            if not readable.all():
                raw, labels = raw[readable], labels[readable]
            if len(labels) == 0:
                continue
            device = self.finish.device
            raw = raw.to(device, non_blocking=True)
            yield self.finish(raw), labels.to(device, non_blocking=True)


def sample_channel_stats(data: StreamedImages, seed: int) -> tuple[list[float], list[float]]:
    """Mean and std per channel from a seeded sample of training images."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    count = min(STATS_SAMPLE, len(data.train_paths))
    rows = torch.randperm(len(data.train_paths), generator=generator)[:count].tolist()
    sample = _FileImages(
        [data.train_paths[r] for r in rows], data.train_labels[rows], data.size, data.channels
    )
    images = torch.stack([sample[i][0] for i in range(len(sample)) if sample[i][1] >= 0])
    return channel_stats(images)


def held_out_sample(data: ImageData | StreamedImages, count: int = 64) -> tuple[torch.Tensor, ...]:
    """The first `count` readable validation images (uint8, CPU) and their labels: stored with a
    checkpoint to check exports against and to try prediction on."""
    import torch

    if isinstance(data, ImageData):
        return data.val_images[:count].cpu().clone(), data.val_labels[:count].cpu().clone()
    files = _FileImages(data.val_paths, data.val_labels, data.size, data.channels)
    readable = []
    for index in range(len(files)):
        image, label, _ = files[index]
        if label >= 0:  # an unreadable file is left out, as in training
            readable.append((image, label))
        if len(readable) == count:
            break
    if not readable:
        empty = torch.zeros((0, *data.input_shape), dtype=torch.uint8)
        return empty, torch.zeros(0, dtype=torch.long)
    images, labels = zip(*readable, strict=True)
    return torch.stack(images), torch.tensor(labels)
