"""What a checkpoint keeps, besides the weights, to go on training exactly where a run stopped.

The run's record of every epoch (metrics, confusion matrices) lives in its run folder; the state
keeps only the few numbers per epoch that going on needs: validation loss for early stopping and
validation accuracy for choosing the best epoch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.training.changes import SettingChange


@dataclass(frozen=True)
class EpochScore:
    """The numbers an epoch leaves behind for the epochs after it."""

    epoch: int
    val_loss: float
    val_accuracy: float


@dataclass
class TrainingState:
    """Optimizer, schedule and loss-scaler state, position and random states of a run, and the
    settings changed while it trained."""

    epochs_completed: int
    step: int
    optimizer: dict[str, Any]
    schedule: dict[str, Any]
    scaler: dict[str, Any]
    rng: dict[str, torch.Tensor]
    scores: list[EpochScore] = field(default_factory=list)
    changes: list[SettingChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain values and tensors, for `torch.save`."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values["scores"] = [asdict(score) for score in self.scores]
        values["changes"] = [change.to_dict() for change in self.changes]
        return values

    @classmethod
    def from_dict(cls, data: Any) -> TrainingState:
        """A checked state; anything missing or malformed is a CnnstudioError naming the field."""
        if not isinstance(data, dict):
            raise CnnstudioError("training: expected the training state")
        done = _count(data, "epochs_completed")
        state = cls(
            epochs_completed=done,
            step=_count(data, "step"),
            optimizer=_mapping(data, "optimizer"),
            schedule=_mapping(data, "schedule"),
            scaler=_mapping(data, "scaler"),
            rng=_random_states(data.get("rng")),
            scores=_scores(data.get("scores")),
            changes=_changes(data.get("changes", [])),  # none in checkpoints from before them
        )
        if [score.epoch for score in state.scores] != list(range(1, done + 1)):
            raise CnnstudioError(f"training.scores: expected epochs 1 to {done}, one each")
        if any(change.step > state.step + 1 for change in state.changes):
            raise CnnstudioError("training.changes: a change after the step the run reached")
        return state


def _count(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CnnstudioError(f"training.{name}: expected a whole number >= 0, got {value!r}")
    return value


def _mapping(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise CnnstudioError(f"training.{name}: missing or not a mapping")
    return value


def _random_states(value: Any) -> dict[str, torch.Tensor]:
    if not isinstance(value, dict) or not {"torch", "shuffle", "augment"} <= value.keys():
        raise CnnstudioError("training.rng: the random states are missing")
    for name, tensor in value.items():
        if not isinstance(tensor, torch.Tensor) or tensor.dtype != torch.uint8:
            raise CnnstudioError(f"training.rng.{name}: not a random-number state")
    return value


def _scores(value: Any) -> list[EpochScore]:
    if not isinstance(value, list):
        raise CnnstudioError("training.scores: missing or not a list")
    scores = []
    for item in value:
        try:
            score = EpochScore(int(item["epoch"]), float(item["val_loss"]), item["val_accuracy"])
        except (TypeError, KeyError, ValueError):
            raise CnnstudioError(f"training.scores: a malformed epoch score {item!r}") from None
        if not (isinstance(score.val_accuracy, float) and 0.0 <= score.val_accuracy <= 1.0):
            raise CnnstudioError(f"training.scores: accuracy out of range in {item!r}")
        if math.isnan(score.val_loss):
            raise CnnstudioError(f"training.scores: validation loss is NaN in {item!r}")
        scores.append(score)
    return scores


def _changes(value: Any) -> list[SettingChange]:
    if not isinstance(value, list):
        raise CnnstudioError("training.changes: not a list")
    try:
        return [SettingChange.from_dict(item) for item in value]
    except CnnstudioError as error:
        raise CnnstudioError(f"training.changes: {error}") from None
