"""What every dataset source provides: its options, shapes and class names, and loading."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.params import Param


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
    def load(
        self, options: Mapping[str, Any], data_dir: Path | None = None
    ) -> ImageData | StreamedImages:
        """Decode both splits into memory (or, for a folder too large for it, list the files to
        stream). Raises DatasetError with advice when that fails."""

    def is_available(self, data_dir: Path | None = None) -> bool:
        """Whether `load` can work without downloading anything."""
        return True
