"""What the window shows about a dataset, computed on a worker thread (it uses torch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cnnstudio.core.data.augment import preview_augmentation
from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.inspect import DatasetReport, inspect_data
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.prepare import load_dataset

SAMPLES_PER_CLASS = 8
CLASSES_SHOWN = 10
PREVIEW_COUNT = 16


@dataclass
class LoadedDataset:
    data: ImageData | StreamedImages
    report: DatasetReport
    samples: list[tuple[str, list[np.ndarray]]]  # (class name, a few of its training images)


def load_for_display(spec: RunSpec) -> LoadedDataset:
    data = load_dataset(spec)
    samples = []
    if isinstance(data, ImageData):
        labels = data.train_labels.numpy()
        images = data.train_images.numpy()
        for index, name in enumerate(data.class_names[:CLASSES_SHOWN]):
            rows = np.flatnonzero(labels == index)[:SAMPLES_PER_CLASS]
            samples.append((name, [images[r] for r in rows]))
    return LoadedDataset(data, inspect_data(data), samples)


def augmentation_preview(data: Any, settings: dict, seed: int) -> list[np.ndarray]:
    if not isinstance(data, ImageData):
        return []
    rows = _across_classes(data.train_labels.numpy(), PREVIEW_COUNT)
    return list(preview_augmentation(data.train_images[rows], settings, seed).numpy())


def _across_classes(labels: np.ndarray, count: int) -> np.ndarray:
    """`count` rows taking each class in turn: a folder's files come sorted by class, so the
    first rows alone would all show one class."""
    per_class = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    rounds = min(count, max((len(rows) for rows in per_class), default=0))
    order = [rows[i] for i in range(rounds) for rows in per_class if i < len(rows)]
    return np.asarray(order[:count], dtype=np.int64)
