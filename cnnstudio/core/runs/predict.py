"""Classifying image files with a trained network, preprocessed exactly as its training data was.

A file is decoded as the dataset's images were (shorter side scaled to the dataset's size, centre
crop, grey or colour), converted to the network's input shape as training converted them, then
normalised with the training mean and std.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cnnstudio.core.data.images import decode_image
from cnnstudio.core.data.tensors import convert_images
from cnnstudio.core.errors import DatasetError
from cnnstudio.core.runs.checkpoint import SavedModel


@dataclass(frozen=True)
class Prediction:
    path: str
    top: list[tuple[str, float]]  # (class name, probability), most likely first


def load_images(saved: SavedModel, paths: Sequence[str | Path]) -> torch.Tensor:
    """uint8 (N, C, H, W) at the network's input shape; an unreadable file is a DatasetError."""
    channels, size = saved.native_shape[0], saved.native_shape[1]
    decoded = []
    for path in paths:
        try:
            pixels, _ = decode_image(Path(path), size, channels)
        except FileNotFoundError:
            raise DatasetError(f"{path}: no such file") from None
        except Exception as error:
            raise DatasetError(f"{path}: not an image this program can read ({error})") from None
        decoded.append(torch.from_numpy(np.ascontiguousarray(pixels)))
    return convert_images(torch.stack(decoded), saved.input_shape)


@torch.no_grad()
def top_classes(
    saved: SavedModel, images: torch.Tensor, top_k: int = 3
) -> list[list[tuple[str, float]]]:
    """For uint8 images at the input shape: the `top_k` (class, probability), likeliest first."""
    probabilities = saved.model(saved.normalise(images)).softmax(1)
    values, indices = probabilities.topk(min(top_k, len(saved.class_names)), dim=1)
    return [
        [(saved.class_names[i], p) for i, p in zip(row_i.tolist(), row_v.tolist(), strict=True)]
        for row_v, row_i in zip(values, indices, strict=True)
    ]


def predict_files(saved: SavedModel, paths: list[str | Path], top_k: int = 3) -> list[Prediction]:
    top = top_classes(saved, load_images(saved, paths), top_k)
    return [Prediction(str(path), ranked) for path, ranked in zip(paths, top, strict=True)]
