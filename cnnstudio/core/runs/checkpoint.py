"""Checkpoints: a trained network with everything needed to use it or to go on training it.

One file holds the weights, the spec, class names and preprocessing (input shape, mean, std), a
few held-out validation images (to check exports against and to try prediction on), and the
training state: optimizer, schedule and loss-scaler state, epoch, step, metrics
history and random-number states.

The file holds only tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(weights_only=True)``: opening it can never run code. There is no fallback to a full
unpickle; anything else is refused.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from cnnstudio.core.data.tensors import Normalizer
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.files import write_atomic
from cnnstudio.core.model.build import build_model
from cnnstudio.core.spec.run_spec import RunSpec

if TYPE_CHECKING:
    from cnnstudio.core.training.engine import Trainer

CHECKPOINT_FORMAT = "cnnstudio.checkpoint"
CHECKPOINT_VERSION = 1


@dataclass
class SavedModel:
    """A trained network ready for prediction and export (in eval mode, on the CPU)."""

    model: nn.Module
    spec: RunSpec
    class_names: list[str]
    input_shape: tuple[int, ...]
    native_shape: tuple[int, ...]  # the dataset's images before conversion to the input shape
    mean: list[float]
    std: list[float]
    sample_images: torch.Tensor  # uint8 (N, C, H, W) at the input shape, from validation
    sample_labels: torch.Tensor

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 images at the input shape -> the float batch the network was trained on, by the
        same arithmetic as training's batches."""
        scale, shift = Normalizer(tuple(self.mean), tuple(self.std)).to(torch.device("cpu"))
        return images.float().mul_(scale).sub_(shift)


def save_checkpoint(path: str | Path, trainer: Trainer) -> None:
    """Write the trainer's model and training state atomically to `path`."""
    write_atomic(path, checkpoint_bytes(trainer))


def checkpoint_bytes(trainer: Trainer) -> bytes:
    """The checkpoint file's contents (serialised once when it goes to two files)."""
    data = trainer.data
    payload: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "spec": trainer.spec.to_dict(),
        "class_names": list(data.class_names),
        "input_shape": list(data.input_shape),
        "native_shape": list(trainer.native_shape),
        "mean": list(trainer.normalizer.mean),
        "std": list(trainer.normalizer.std),
        "state_dict": _to_cpu(trainer.model.state_dict()),
        "sample_images": trainer.sample_images.clone(),
        "sample_labels": trainer.sample_labels.clone(),
        "training": _to_cpu(trainer.training_state()),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint's contents, loaded safely; any problem is a CnnstudioError in plain words."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise CnnstudioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CnnstudioError(f"{path}: is a folder; give the checkpoint file in it") from None
    except OSError as error:
        raise CnnstudioError(f"{path}: cannot be read ({error.strerror})") from None
    if magic != b"PK\x03\x04":  # torch.save writes a zip archive
        raise CnnstudioError(f"{path}: not a cnnstudio checkpoint (not a PyTorch file)")
    try:
        payload: Any = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # weights_only refused an object: it could run code
        raise CnnstudioError(
            f"{path}: refused: the file holds objects other than tensors and numbers, which "
            "could run code when opened. cnnstudio only opens checkpoints it wrote."
        ) from None
    except Exception as error:  # truncation, foreign formats
        raise CnnstudioError(
            f"{path}: not a cnnstudio checkpoint, or damaged; it was not opened "
            f"({_first_line(error)})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CnnstudioError(f"{path}: not a cnnstudio checkpoint")
    if payload.get("version") != CHECKPOINT_VERSION:
        raise CnnstudioError(
            f"{path}: checkpoint version {payload.get('version')!r}; this cnnstudio reads "
            f"version {CHECKPOINT_VERSION}. Open it with the cnnstudio that wrote it."
        )
    return payload


def load_model(path: str | Path) -> SavedModel:
    """The checkpoint's network, rebuilt from its spec with its weights, in eval mode."""
    payload = read_checkpoint(path)
    try:
        spec = RunSpec.from_dict(payload["spec"])
        shape = tuple(payload["input_shape"])
        model = build_model(spec.layers, shape, len(payload["class_names"]))
        model.load_state_dict(payload["state_dict"])
    except (KeyError, RuntimeError, CnnstudioError) as error:
        raise CnnstudioError(
            f"{path}: the checkpoint is incomplete or inconsistent ({error})"
        ) from None
    model.eval()
    return SavedModel(
        model,
        spec,
        list(payload["class_names"]),
        shape,
        tuple(payload["native_shape"]),
        list(payload["mean"]),
        list(payload["std"]),
        payload["sample_images"],
        payload["sample_labels"],
    )


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {key: _to_cpu(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_to_cpu(item) for item in value)
    return value


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
