"""Classifying image files with a trained network, preprocessed exactly as its training data was.

A file is decoded as the dataset's images were (shorter side scaled to the dataset's size, centre
crop, grey or colour), converted to the network's input shape as training converted them, then
normalised with the training mean and std. A file that cannot be read is listed with the reason
and the others are still classified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cnnstudio.core.data.images import SkippedFile, decode_image, unreadable_reason
from cnnstudio.core.data.tensors import convert_images
from cnnstudio.core.runs.checkpoint import SavedModel


@dataclass(frozen=True)
class Prediction:
    path: str
    top: list[tuple[str, float]]  # (class name, probability), most likely first


@dataclass(frozen=True)
class ReadImages:
    """The files that could be read, as uint8 (N, C, H, W) at the network's input shape, in the
    order given, and those that could not, with the reason."""

    paths: list[str]
    images: torch.Tensor
    skipped: list[SkippedFile]


@dataclass(frozen=True)
class Predictions:
    predictions: list[Prediction]  # one per readable file, in the order given
    skipped: list[SkippedFile]  # the files that could not be read, with the reason


def read_images(saved: SavedModel, paths: Sequence[str | Path]) -> ReadImages:
    """Decode every file that can be read; never raises for a bad file."""
    channels, size = saved.native_shape[0], saved.native_shape[1]
    readable, decoded, skipped = [], [], []
    for path in paths:
        try:
            pixels, _ = decode_image(Path(path), size, channels)
        except Exception as error:  # listed for the user, who can act on the reason
            skipped.append(SkippedFile(str(path), unreadable_reason(error)))
            continue
        readable.append(str(path))
        decoded.append(torch.from_numpy(np.ascontiguousarray(pixels)))
    if not decoded:
        empty = torch.zeros((0, *saved.input_shape), dtype=torch.uint8)
        return ReadImages([], empty, skipped)
    return ReadImages(readable, convert_images(torch.stack(decoded), saved.input_shape), skipped)


@torch.no_grad()
def top_classes(
    saved: SavedModel, images: torch.Tensor, top_k: int = 3
) -> list[list[tuple[str, float]]]:
    """For uint8 images at the input shape: the `top_k` (class, probability), likeliest first."""
    if len(images) == 0:
        return []
    probabilities = saved.model(saved.normalise(images)).softmax(1)
    values, indices = probabilities.topk(min(top_k, len(saved.class_names)), dim=1)
    return [
        [(saved.class_names[i], p) for i, p in zip(row_i.tolist(), row_v.tolist(), strict=True)]
        for row_v, row_i in zip(values, indices, strict=True)
    ]


def predict_files(saved: SavedModel, paths: Sequence[str | Path], top_k: int = 3) -> Predictions:
    """The top classes of every readable file, and the files that could not be read."""
    read = read_images(saved, paths)
    top = top_classes(saved, read.images, top_k)
    predictions = [Prediction(path, ranked) for path, ranked in zip(read.paths, top, strict=True)]
    return Predictions(predictions, read.skipped)
