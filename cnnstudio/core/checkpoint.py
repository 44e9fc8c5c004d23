"""The trained network as a file: weights plus what is needed to use them (classes, preprocessing).

The file holds only tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(weights_only=True)``: opening it can never run code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.files import write_atomic
from cnnstudio.core.model import build_model
from cnnstudio.core.spec import RunSpec

WEIGHTS_FORMAT = "cnnstudio.weights"


@dataclass
class SavedModel:
    model: nn.Module
    spec: RunSpec
    class_names: list[str]
    input_shape: tuple[int, ...]
    mean: list[float]
    std: list[float]


def save_weights(
    path: str | Path,
    model: nn.Module,
    spec: RunSpec,
    class_names: list[str],
    input_shape: tuple[int, ...],
    mean: list[float],
    std: list[float],
) -> None:
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": WEIGHTS_FORMAT,
        "version": 1,
        "spec": spec.to_dict(),
        "class_names": list(class_names),
        "input_shape": list(input_shape),
        "mean": list(mean),
        "std": list(std),
        "state_dict": state,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_atomic(path, buffer.getvalue())


def load_weights(path: str | Path) -> SavedModel:
    """Load a weights file safely; any problem is a CnnstudioError saying what is wrong."""
    try:
        payload: Any = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CnnstudioError(f"{path}: no such file") from None
    except Exception as error:  # unpickling refusals, truncation, foreign formats
        raise CnnstudioError(
            f"{path}: not a cnnstudio weights file, or damaged; it was not opened ({error})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != WEIGHTS_FORMAT:
        raise CnnstudioError(f"{path}: not a cnnstudio weights file")
    spec = RunSpec.from_dict(payload["spec"])
    shape = tuple(payload["input_shape"])
    model = build_model(spec.layers, shape, len(payload["class_names"]))
    model.load_state_dict(payload["state_dict"])
    model.eval()
    return SavedModel(model, spec, payload["class_names"], shape, payload["mean"], payload["std"])
