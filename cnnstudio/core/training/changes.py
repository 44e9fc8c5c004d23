"""Settings that may change while a run trains, and the record of each change.

The learning rate, momentum, weight decay, the number of epochs and every augmentation can change
between two batches: the optimizer, the augmenter and the loop read them afresh. Everything else
is fixed once training has started (the network is built, the batches are laid out, the images
loaded), and `locked_reason` says so in words a person reads beside the setting.

Each change applied is a `SettingChange`: the first step that uses the new value, the old and
new values. The run folder keeps them in changes.csv (step,epoch,setting,old,new), the checkpoint
in its training state, so a resumed run keeps them and the report lists them.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnstudio.core.data.augment import AUGMENT_PARAMS
from cnnstudio.core.errors import CnnstudioError, SpecError
from cnnstudio.core.params import amount
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import parse_value, short_name, show_setting, with_setting

log = logging.getLogger(__name__)

LIVE_SETTINGS: tuple[str, ...] = (
    "optimizer.lr",
    "optimizer.momentum",
    "optimizer.weight_decay",
    "training.epochs",
    *(f"augment.{param.name}" for param in AUGMENT_PARAMS),
)
CHANGE_COLUMNS = ("step", "epoch", "setting", "old", "new")
FIXED = "Fixed while the run trains:"
# Schedules that set the learning rate (and one-cycle the momentum) at every batch.
PER_BATCH_SCHEDULES = ("cosine", "onecycle")
# Why a setting outside LIVE_SETTINGS cannot change: by its dotted path, else by its section.
_FIXED_BECAUSE = {
    "training.batch_size": "the batches are already laid out",
    "optimizer.name": "the optimizer is already built",
    "dataset": "the images are already loaded",
    "input": "the images are already loaded at this size",
    "layers": "the network is already built",
    "preset": "the network is already built",
    "optimizer": "the optimizer is already built",
    "schedule": "the learning-rate schedule is already set up",
    "training": "it is set up when training starts",
    "seed": "the random numbers are already drawn from it",
    "device": "the run already trains on its device",
}


def locked_reason(spec: RunSpec, path: str) -> str | None:
    """None when the setting `path` may change while `spec` trains; else why not, in words."""
    schedule = spec.schedule["name"]
    if path not in LIVE_SETTINGS:
        why = _FIXED_BECAUSE.get(path) or _FIXED_BECAUSE.get(path.split(".")[0], "")
        return f"{FIXED} {why or 'it is set up when training starts'}. Stop the run to change it."
    if path == "optimizer.lr" and schedule in PER_BATCH_SCHEDULES:
        return f"{FIXED} the {schedule} schedule sets the learning rate at every batch."
    if path == "optimizer.momentum":
        optimizer = spec.optimizer["name"]
        if optimizer not in ("sgd", "rmsprop"):
            return f"{optimizer} has no momentum to change (only sgd and rmsprop use it)."
        if schedule == "onecycle":
            return f"{FIXED} the onecycle schedule sets the momentum at every batch."
    return None


def check_change(spec: RunSpec, path: str, value: Any, least_epochs: int) -> RunSpec:
    """`spec` with `path` set to `value`, for a run that cannot end before `least_epochs` (the
    epoch in progress); SpecError in plain words when the change is not possible now."""
    reason = locked_reason(spec, path)
    if reason is not None:
        raise SpecError(f"{short_name(path)}: {reason}")
    changed = with_setting(spec, path, value)
    if path == "training.epochs" and value < least_epochs:
        raise SpecError(
            f"The run has reached epoch {least_epochs}, so it can end after epoch "
            f"{least_epochs} at the earliest: {amount(value, 'epoch')} is too few."
        )
    return changed


@dataclass(frozen=True)
class SettingChange:
    """A setting changed while the run trained."""

    step: int  # the first training step (1-based, over the run) that uses the new value
    epoch: int
    path: str
    old: Any
    new: Any

    @property
    def label(self) -> str:
        """ "lr 0.01 -> 0.001" """
        return f"{short_name(self.path)} {show_setting(self.old)} -> {show_setting(self.new)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "epoch": self.epoch,
            "setting": self.path,
            "old": self.old,
            "new": self.new,
        }

    @classmethod
    def from_dict(cls, item: Any) -> SettingChange:
        """A checked change (CnnstudioError naming what is wrong)."""
        try:
            path = item["setting"]
            step, epoch = item["step"], item["epoch"]
            if path not in LIVE_SETTINGS:
                raise ValueError(f"{path!r} cannot change while a run trains")
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in (step, epoch)):
                raise ValueError("step and epoch must be whole numbers")
            if step < 1 or epoch < 1:
                raise ValueError("step and epoch start at 1")
            old = parse_value(path, json.dumps(item["old"]))
            new = parse_value(path, json.dumps(item["new"]))
        except (TypeError, KeyError, ValueError, CnnstudioError) as error:
            raise CnnstudioError(f"a malformed setting change {item!r} ({error})") from None
        return cls(step, epoch, path, old, new)


@dataclass(frozen=True)
class RefusedChange:
    """A change asked for that the run could not make; `reason` says why, in plain words."""

    path: str
    value: Any
    reason: str


def changes_csv(changes: Sequence[SettingChange]) -> str:
    """The text of changes.csv; values are written as JSON (0.001, true) so they read back
    exactly."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CHANGE_COLUMNS)
    for change in changes:
        old, new = json.dumps(change.old), json.dumps(change.new)
        writer.writerow([change.step, change.epoch, change.path, old, new])
    return text.getvalue()


def read_changes(folder: Path) -> list[SettingChange]:
    """The changes made while the run in `folder` trained (none when it has no changes.csv).
    A row that cannot be read (a torn last line) is left out."""
    try:
        text = (Path(folder) / "changes.csv").read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError):
        log.warning("changes.csv in %s is unreadable", folder, exc_info=True)
        return []
    changes = []
    for row in csv.DictReader(io.StringIO(text)):
        try:
            values = {key: json.loads(row[key]) for key in ("step", "epoch", "old", "new")}
            changes.append(SettingChange.from_dict({**values, "setting": row["setting"]}))
        except (TypeError, ValueError, CnnstudioError):
            log.warning("skipping a damaged row of %s/changes.csv: %r", folder, row)
    return changes
