"""Comparing runs: the settings two runs differ in, and many runs' settings beside their best
validation accuracy (the Runs tab's diff table and its scatter of a setting against accuracy).

Settings are named as everywhere else (core/spec/variants.py): "lr", "batch size", "preset".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.runs.labels import parameter_count, started_spec
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import (
    PRESET,
    setting_param,
    setting_value,
    short_name,
    show_setting,
)
from cnnstudio.core.training.changes import SettingChange, read_changes

LAYERS = "layers"  # the spec's key for the layer stack, compared as the preset it matches
EPOCHS_TRAINED = "epochs trained"
PARAMETERS = "parameters"
# Numbers people try over orders of magnitude: their axis is logarithmic when all are > 0.
LOG_SETTINGS = ("optimizer.lr", "optimizer.weight_decay", PARAMETERS)


@dataclass(frozen=True)
class Difference:
    """A setting two runs differ in, with each run's value as people read it."""

    setting: str  # "lr", "preset", "dataset train size"
    first: str
    second: str


@dataclass(frozen=True)
class SettingValues:
    """One setting's value in each of several runs (numbers, or words for a choice)."""

    key: str  # a setting's path ("optimizer.lr"), "preset", PARAMETERS or EPOCHS_TRAINED
    label: str
    values: tuple[Any, ...]

    @property
    def numeric(self) -> bool:
        return all(_is_number(v) for v in self.values)

    @property
    def logarithmic(self) -> bool:
        """Drawn on a log axis: lr, weight decay and parameters, when every value is above 0."""
        return self.key in LOG_SETTINGS and self.numeric and all(v > 0 for v in self.values)

    def shown(self) -> list[str]:
        """Each run's value as words."""
        return [show_setting(v) for v in self.values]


def settings_diff(first: RunRecord, second: RunRecord) -> list[Difference]:
    """Only the settings in which the two runs differ, in the spec's order, then those changed
    while either trained. A setting is shown as the run started with it (spec.json holds the
    value it ended with), then each change: "0.001 -> 0.0003 at epoch 2"."""
    changes = [read_changes(first.folder), read_changes(second.folder)]
    starts = [started_spec(r.spec, c) for r, c in zip((first, second), changes, strict=True)]
    keys = differing_keys(starts)
    keys += list(dict.fromkeys(c.path for c in [*changes[0], *changes[1]] if c.path not in keys))
    differences = []
    for key in keys:
        if key == LAYERS:
            shown = _layers_apart(*starts)
        else:
            shown = (_history(starts[0], key, changes[0]), _history(starts[1], key, changes[1]))
        if shown[0] != shown[1]:
            differences.append(Difference(setting_label(key), *shown))
    return differences


def _history(start: RunSpec, key: str, changes: list[SettingChange]) -> str:
    """The setting's value at the start, then each change made to it while the run trained."""
    moves = "".join(
        f" -> {show_setting(c.new)} at epoch {c.epoch}" for c in changes if c.path == key
    )
    return show_setting(_value(start, key)) + moves


def settings_table(records: Sequence[RunRecord]) -> list[SettingValues]:
    """The settings that differ among `records` (each run's value as it started), then the
    network's parameters (when every run's are known) and the epochs each ran."""
    specs = [started_spec(r.spec, read_changes(r.folder)) for r in records]
    columns = [
        SettingValues(key, setting_label(key), tuple(_value(spec, key) for spec in specs))
        for key in differing_keys(specs)
    ]
    parameters = tuple(parameter_count(r) for r in records)
    if None not in parameters:  # a run without its dataset check has no count
        columns.append(SettingValues(PARAMETERS, PARAMETERS, parameters))
    trained = tuple(len(r.epochs) for r in records)
    return [*columns, SettingValues(EPOCHS_TRAINED, EPOCHS_TRAINED, trained)]


def best_accuracy(record: RunRecord) -> float | None:
    """The run's best validation accuracy; None before its first epoch."""
    best = record.best_epoch
    return None if best is None else best["val_accuracy"]


def differing_keys(specs: Sequence[RunSpec]) -> list[str]:
    """The spec fields ("optimizer.lr", "preset", "dataset.options.train_size") that differ
    between any two of `specs`, each once, in the order RunSpec.differences names them. The
    layer stack counts as "preset" when the runs' presets differ, else as "layers"."""
    keys: list[str] = []
    for other in specs[1:]:
        for line in specs[0].differences(other):
            key = line.split(": ", 1)[0]
            if key == LAYERS and len({setting_value(s, PRESET) for s in specs}) > 1:
                key = PRESET
            if key not in keys:
                keys.append(key)
    return keys


def setting_label(key: str) -> str:
    """A spec field in words: "lr" for optimizer.lr, "dataset train size" for
    dataset.options.train_size."""
    if key in (PRESET, LAYERS, "seed") or setting_param(key) is not None:
        return short_name(key)
    return key.replace(".options.", ".").replace(".", " ").replace("_", " ")


def _value(spec: RunSpec, key: str) -> Any:
    if key == PRESET:
        return setting_value(spec, PRESET)
    if key == LAYERS:
        return f"{len(spec.layers)} layers"
    value: Any = spec.to_dict()
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _layers_apart(first: RunSpec, second: RunSpec) -> tuple[str, str]:
    """Where two layer stacks of no preset part: the first layer that differs, as each has it
    ("5 layers; layer 2: conv2d out_channels=8" against "...out_channels=16")."""
    mine, theirs = ([layer.to_dict() for layer in spec.layers] for spec in (first, second))
    index = next(
        i for i, pair in enumerate(itertools.zip_longest(mine, theirs)) if pair[0] != pair[1]
    )
    return _layer_text(mine, theirs, index), _layer_text(theirs, mine, index)


def _layer_text(layers: list[dict[str, Any]], other: list[dict[str, Any]], index: int) -> str:
    if index >= len(layers):
        return f"{len(layers)} layers"
    layer = layers[index]
    theirs = other[index] if index < len(other) else {}
    if theirs.get("type") == layer["type"]:  # the same type: only what differs
        what = " ".join(
            f"{k}={show_setting(v)}" for k, v in layer.items() if k != "type" and theirs.get(k) != v
        )
    else:
        what = ""
    return f"{len(layers)} layers; layer {index + 1}: {layer['type']} {what}".rstrip()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
