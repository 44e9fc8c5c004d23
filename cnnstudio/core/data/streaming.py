"""Training from disk, for image folders too large to decode into memory at once.

A DataLoader with worker processes decodes files into uint8 batches; the same `BatchFinisher` as
the in-memory path then augments and normalises them on the training device, so both paths train
on identical batches. A file that cannot be read mid-run means the folder changed under the run:
the loader raises a DatasetError naming the files, and the engine ends the run with it, rather
than train and validate on fewer images than it says.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import psutil

from cnnstudio.core.data.images import SkippedFile, decode_image, unreadable_reason
from cnnstudio.core.data.tensors import BatchFinisher, batch_count, channel_stats
from cnnstudio.core.errors import DatasetError

if TYPE_CHECKING:
    import torch

MEMORY_SHARE = 0.5  # decode into memory only what fits in half the memory free now
STATS_SAMPLE = 2000  # images decoded to estimate the normalisation mean and std
_NAMED = 3  # unreadable files named in the message of a run that stops for them

log = logging.getLogger(__name__)


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

    def at_shape(self, shape: tuple[int, int, int]) -> StreamedImages:
        """The same files, decoded at the (channels, size, size) the network takes as they
        stream (a folder's images are square)."""
        channels, size, _ = shape
        return replace(self, size=size, channels=channels)

    def channel_stats(self, seed: int) -> tuple[list[float], list[float]]:
        """Mean and std per channel from a seeded sample of training images."""
        import torch

        generator = torch.Generator().manual_seed(seed)
        count = min(STATS_SAMPLE, len(self.train_paths))
        rows = torch.randperm(len(self.train_paths), generator=generator)[:count].tolist()
        paths = [self.train_paths[r] for r in rows]
        images, _ = self._readable(_FileImages(paths, self.train_labels[rows], *self._at), count)
        return channel_stats(images)

    def loaders(
        self,
        train_finish: BatchFinisher,
        val_finish: BatchFinisher,
        *,
        batch_size: int,
        val_batch_size: int,
        shuffle: torch.Generator,
    ) -> tuple[StreamingLoader, StreamingLoader]:
        """Training and validation batches decoded from the files by worker processes."""
        train = StreamingLoader(
            self.train_paths,
            self.train_labels,
            *self._at,
            batch_size,
            train_finish,
            shuffle=True,
            generator=shuffle,
            drop_single=True,
        )
        val = StreamingLoader(
            self.val_paths, self.val_labels, *self._at, val_batch_size, val_finish, shuffle=False
        )
        return train, val

    def held_out_sample(self, count: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
        """The first `count` readable validation images (uint8, CPU) and their labels."""
        return self._readable(_FileImages(self.val_paths, self.val_labels, *self._at), count)

    @property
    def _at(self) -> tuple[int, int]:
        return self.size, self.channels

    def _readable(self, files: _FileImages, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Up to `count` images that decode, in order, and their labels; before training, a
        file that fails here is left to fail the run when its batch comes."""
        import torch

        images, labels = [], []
        for index in range(len(files)):
            image, label, _, reason = files[index]
            if label < 0:
                log.warning("%s: %s", files.paths[index], reason)
                continue
            images.append(image)
            labels.append(label)
            if len(images) == count:
                break
        if not images:
            empty = torch.zeros((0, *self.input_shape), dtype=torch.uint8)
            return empty, torch.zeros(0, dtype=torch.long)
        return torch.stack(images), torch.tensor(labels)


class _FileImages:
    """Map-style dataset of image files for a DataLoader (which needs no torch Dataset base)."""

    def __init__(self, paths: list[str], labels: torch.Tensor, size: int, channels: int) -> None:
        self.paths, self.labels = paths, labels
        self.size, self.channels = size, channels

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, int, str]:
        """(uint8 image, label, index, ""), or a blank image, label -1 and why it failed."""
        import torch

        try:
            pixels, _ = decode_image(Path(self.paths[index]), self.size, self.channels)
        except Exception as error:  # reported by the loader, which stops the run
            empty = torch.zeros((self.channels, self.size, self.size), dtype=torch.uint8)
            return empty, -1, index, unreadable_reason(error)
        image = torch.from_numpy(np.ascontiguousarray(pixels))
        return image, int(self.labels[index]), index, ""


class StreamingLoader:
    """Iterates (float images, labels) batches decoded from files by worker processes;
    `drop_single` drops a last batch of one image (for training only). A file that cannot be
    read raises a DatasetError that names it."""

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
        device = self.finish.device
        for index, (raw, labels, rows, reasons) in enumerate(self.loader):
            if index == self.num_batches:
                break  # the one-image last batch that batch norm cannot train on
            unreadable = (labels < 0).nonzero().flatten().tolist()
            if unreadable:
                failures = [(self.paths[int(rows[i])], reasons[i]) for i in unreadable]
                raise DatasetError(_changed_message(failures))
            raw = raw.to(device, non_blocking=True)
            yield self.finish(raw), labels.to(device, non_blocking=True)


def _changed_message(failures: list[tuple[str, str]]) -> str:
    named = "; ".join(f"{path} ({reason})" for path, reason in failures[:_NAMED])
    more = f" and {len(failures) - _NAMED} more" if len(failures) > _NAMED else ""
    return (
        f"{len(failures)} image file(s) could not be read during training: {named}{more}. The "
        "folder changed after it was loaded (or these files are damaged), so the run stopped "
        "rather than count fewer images than it says; the epochs it finished are saved. Put the "
        "files back and resume the run, or start a new run on the folder as it is now."
    )
