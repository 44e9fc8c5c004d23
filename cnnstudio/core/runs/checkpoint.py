"""Checkpoints: a trained network with everything needed to use it or to go on training it.

One file holds the weights, the spec, class names and preprocessing (input shape, mean, std), a
few held-out validation images (to check exports against and to try prediction on), and the
training state (`TrainingState`): optimizer, schedule and loss-scaler state, epoch, step, the
per-epoch scores going on needs, and random-number states. The run's full record of its epochs is
in the run folder, not here, so a checkpoint does not grow with the epochs trained.

Reading one checks every field, as a spec is checked: a damaged or altered file is refused in
plain words, never half-used.

The file holds only tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(weights_only=True)``: opening it can never run code. There is no fallback to a full
unpickle; anything else is refused.
"""

from __future__ import annotations

import io
import logging
import math
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
from cnnstudio.core.training.state import TrainingState

if TYPE_CHECKING:
    from cnnstudio.core.training.engine import Trainer

CHECKPOINT_FORMAT = "cnnstudio.checkpoint"
CHECKPOINT_VERSION = 2  # 2: the training state keeps per-epoch scores, not every epoch's record
MAX_IMAGE_SIDE = 16_384
_FIELDS = {
    "format",
    "version",
    "spec",
    "class_names",
    "input_shape",
    "native_shape",
    "mean",
    "std",
    "state_dict",
    "sample_images",
    "sample_labels",
    "training",
}

log = logging.getLogger(__name__)


@dataclass
class SavedModel:
    """A trained network ready for prediction and export (in eval mode, on the CPU)."""

    model: nn.Sequential  # built by build_model: model[i] is layer i of the spec
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
        "training": _to_cpu(trainer.training_state().to_dict()),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


@dataclass
class Checkpoint:
    """A checkpoint file's contents, every field checked."""

    spec: RunSpec
    class_names: list[str]
    input_shape: tuple[int, int, int]
    native_shape: tuple[int, int, int]
    mean: list[float]
    std: list[float]
    state_dict: dict[str, torch.Tensor]
    sample_images: torch.Tensor
    sample_labels: torch.Tensor
    training: TrainingState


def read_checkpoint(path: str | Path) -> Checkpoint:
    """The checkpoint's contents, loaded safely and checked field by field; any problem is a
    CnnstudioError in plain words."""
    path = Path(path)
    payload = _load_payload(path)
    try:
        return _checked(payload)
    except CnnstudioError as error:
        raise CnnstudioError(f"{path}: damaged or altered checkpoint: {error}") from None


def load_model(path: str | Path) -> SavedModel:
    """The checkpoint's network, rebuilt from its spec with its weights, in eval mode."""
    saved = read_checkpoint(path)
    try:
        model = build_model(saved.spec.layers, saved.input_shape, len(saved.class_names))
        model.load_state_dict(saved.state_dict)
    except (RuntimeError, CnnstudioError) as error:
        raise CnnstudioError(
            f"{path}: the checkpoint is incomplete or inconsistent ({_first_line(error)})"
        ) from None
    model.eval()
    return SavedModel(
        model,
        saved.spec,
        saved.class_names,
        saved.input_shape,
        saved.native_shape,
        saved.mean,
        saved.std,
        saved.sample_images,
        saved.sample_labels,
    )


def _load_payload(path: Path) -> dict[str, Any]:
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
        log.info("torch.load(%s) failed", path, exc_info=True)
        raise CnnstudioError(
            f"{path}: not a cnnstudio checkpoint, or damaged; it was not opened "
            f"({_first_line(error)})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CnnstudioError(f"{path}: not a cnnstudio checkpoint")
    if payload.get("version") == 1:  # its training state held every epoch's whole record
        _upgrade_version_1(payload)
    if payload.get("version") != CHECKPOINT_VERSION:
        raise CnnstudioError(
            f"{path}: checkpoint version {payload.get('version')!r}; this cnnstudio reads "
            f"version {CHECKPOINT_VERSION}. Open it with the cnnstudio that wrote it."
        )
    return payload


def _upgrade_version_1(payload: dict[str, Any]) -> None:
    training = payload.get("training")
    if isinstance(training, dict) and isinstance(training.get("history"), list):
        keep = ("epoch", "val_loss", "val_accuracy")
        history = training.pop("history")
        training["scores"] = [
            {key: item.get(key) for key in keep} for item in history if isinstance(item, dict)
        ]
    payload["version"] = CHECKPOINT_VERSION


def _checked(payload: dict[str, Any]) -> Checkpoint:
    """Every field checked as the spec is: types, ranges and agreement with each other."""
    unknown = set(payload) - _FIELDS
    if unknown:
        raise CnnstudioError(f"unknown field {sorted(unknown)[0]!r}")
    spec = RunSpec.from_dict(payload.get("spec"))
    names = payload.get("class_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise CnnstudioError("class_names: expected a list of class names")
    input_shape = _image_shape(payload.get("input_shape"), "input_shape")
    native_shape = _image_shape(payload.get("native_shape"), "native_shape")
    channels = input_shape[0]
    mean = _channel_numbers(payload.get("mean"), "mean", channels, low=-1e6)
    std = _channel_numbers(payload.get("std"), "std", channels, low=1e-12)
    state_dict = payload.get("state_dict")
    if not isinstance(state_dict, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()
    ):
        raise CnnstudioError("state_dict: expected the network's weights")
    images, labels = payload.get("sample_images"), payload.get("sample_labels")
    if (
        not isinstance(images, torch.Tensor)
        or images.dtype != torch.uint8
        or tuple(images.shape[1:]) != input_shape
    ):
        raise CnnstudioError(f"sample_images: expected uint8 images of shape {input_shape}")
    if (
        not isinstance(labels, torch.Tensor)
        or labels.dtype != torch.int64
        or labels.shape != (len(images),)
        or (len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < len(names))
    ):
        raise CnnstudioError("sample_labels: expected one class number per sample image")
    training = TrainingState.from_dict(payload.get("training"))
    return Checkpoint(
        spec, names, input_shape, native_shape, mean, std, state_dict, images, labels, training
    )


def _image_shape(value: Any, name: str) -> tuple[int, int, int]:
    """(channels, height, width) within what an image can be."""
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or value[0] not in (1, 3, 4)
        or not all(1 <= side <= MAX_IMAGE_SIDE for side in value[1:])
    ):
        raise CnnstudioError(
            f"{name}: expected [channels, height, width] with 1, 3 or 4 channels and sides of "
            f"1 to {MAX_IMAGE_SIDE} pixels, got {value!r}"[:300]
        )
    return (value[0], value[1], value[2])


def _channel_numbers(value: Any, name: str, channels: int, low: float) -> list[float]:
    """One finite number per channel, at least `low`."""
    if (
        not isinstance(value, list)
        or len(value) != channels
        or not all(isinstance(v, float | int) and not isinstance(v, bool) for v in value)
        or not all(math.isfinite(v) and low <= v <= 1e6 for v in value)
    ):
        raise CnnstudioError(
            f"{name}: expected {channels} finite number(s) per channel, got {value!r}"[:300]
        )
    return [float(v) for v in value]


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
