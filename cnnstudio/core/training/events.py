"""Typed events the training loop announces. Payloads are plain numbers and numpy copies, never live
tensors, so any listener (console, files, the window's thread) can keep them safely.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.core.training.metrics import ClassMetrics, class_metrics

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class FitStarted:
    epochs: int
    first_epoch: int
    batches_per_epoch: int
    train_size: int
    val_size: int
    class_names: tuple[str, ...]
    input_shape: tuple[int, ...]
    device: str
    mixed_precision: bool
    param_count: int


@dataclass(frozen=True)
class BatchEnded:
    epoch: int  # 1-based
    batch: int  # 1-based within the epoch
    batches_per_epoch: int
    step: int  # 1-based over the whole run
    loss: float
    accuracy: float
    lr: float
    images_per_second: float  # this epoch so far, pauses excluded


@dataclass(frozen=True)
class EpochEnded:
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    val_top5_accuracy: float
    lr: float  # used for the epoch's last batch (per-epoch schedules step after this event)
    seconds: float  # training and validation time of this epoch, pauses excluded
    confusion: np.ndarray  # (classes, classes), rows true, columns predicted
    per_class: ClassMetrics
    val_predictions: np.ndarray  # predicted class of each validation image
    val_confidence: np.ndarray  # probability the network gave its prediction
    best_epoch: int  # epoch with the highest validation accuracy so far
    is_best: bool


@dataclass(frozen=True)
class FitFailed:
    message: str  # plain words: what happened and what to try
    kind: str  # "non_finite_loss", "out_of_memory", "data_changed" or "exception"


@dataclass(frozen=True)
class FitEnded:
    status: str  # "completed", "stopped" or "failed"
    reason: str
    epochs_completed: int
    best_epoch: int | None
    best_val_accuracy: float | None
    seconds: float


_ARRAYS = ("confusion", "val_predictions", "val_confidence")


def epoch_to_state(event: EpochEnded) -> dict[str, Any]:
    """The event as plain values and tensors, for a checkpoint (per-class metrics are derived)."""
    import torch

    state: dict[str, Any] = {
        f.name: getattr(event, f.name) for f in fields(event) if f.name != "per_class"
    }
    for name in _ARRAYS:
        state[name] = torch.from_numpy(np.ascontiguousarray(state[name]))
    return state


def epoch_from_state(state: dict[str, Any]) -> EpochEnded:
    values = dict(state)
    for name in _ARRAYS:
        values[name] = values[name].numpy()
    return EpochEnded(**values, per_class=class_metrics(values["confusion"]))
