"""The dataset registry: every source a run can name, and the in-memory form they all load into."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cnnstudio.core.errors import SpecError
from cnnstudio.core.params import Param


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


class DatasetSource(ABC):
    """One kind of dataset. Subclasses declare their options as `Param`s and load into ImageData."""

    name: str
    title: str
    description: str
    options: tuple[Param, ...] = ()
    needs_path = False  # True where the options name a folder of the user's

    @abstractmethod
    def native_shape(self, options: Mapping[str, Any]) -> tuple[int, int, int]:
        """(channels, height, width) of the images as stored, known without loading them."""

    @abstractmethod
    def class_names(self, options: Mapping[str, Any]) -> list[str]:
        """Names of the classes, in label order, known without loading the images."""

    @abstractmethod
    def load(self, options: Mapping[str, Any], data_dir: Path | None = None) -> ImageData:
        """Decode both splits into memory. Raises DatasetError with advice when that fails."""

    def is_available(self, data_dir: Path | None = None) -> bool:
        """Whether `load` can work without downloading anything."""
        return True


DEFAULT_DATASET = "shapes"
_SOURCES: dict[str, DatasetSource] = {}


def get_source(name: str) -> DatasetSource:
    sources = _sources()
    if name not in sources:
        raise SpecError(f"unknown dataset {name!r}; available datasets: " + ", ".join(sources))
    return sources[name]


def list_sources() -> list[DatasetSource]:
    return list(_sources().values())


def _sources() -> dict[str, DatasetSource]:
    """Every source, built-in first, in a fixed order (imported here: they import this module)."""
    if not _SOURCES:
        from cnnstudio.core.datasets import builtin_shapes, folder, torchvision_sets

        for source in (*builtin_shapes.SOURCES, *folder.SOURCES, *torchvision_sets.SOURCES):
            _SOURCES[source.name] = source
    return _SOURCES
