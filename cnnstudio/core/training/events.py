"""Typed events the training loop announces. Payloads are plain numbers and numpy copies, never live
tensors, so any listener (console, files, the window's thread) can keep them safely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnstudio.core.training.metrics import ClassMetrics


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
