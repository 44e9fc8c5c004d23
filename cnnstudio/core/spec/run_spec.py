"""The run spec: one versioned JSON document holding everything a training run needs.

The window edits it, the CLI reads it, checkpoints embed it and exported scripts are generated from
it. Loading validates every field: unknown keys and bad values are errors that name the field and
say what is allowed. `RunSpec.from_dict(spec.to_dict()) == spec` always holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cnnstudio.core.data.augment import AUGMENT_PARAMS
from cnnstudio.core.data.sources.registry import DEFAULT_DATASET, get_source
from cnnstudio.core.errors import SpecError
from cnnstudio.core.files import read_json, write_atomic
from cnnstudio.core.model.layers import LayerSpec, layer_from_dict
from cnnstudio.core.model.presets import DEFAULT_PRESET, get_preset
from cnnstudio.core.params import AUTO, Param, check_params, show_value

SPEC_FORMAT = "cnnstudio.run"
SPEC_VERSION = 1

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("none", "step", "cosine", "onecycle", "plateau")

INPUT_PARAMS = (
    Param(
        "size",
        "int",
        AUTO,
        'Square image size fed to the network; "auto" keeps the dataset\'s size.',
        minimum=8,
        maximum=512,
        auto=True,
    ),
    Param(
        "channels",
        "choice",
        AUTO,
        '1 (grayscale) or 3 (colour); "auto" keeps the dataset\'s channels.',
        choices=(1, 3, AUTO),
    ),
)
OPTIMIZER_PARAMS = (
    Param("name", "choice", "adam", "The update rule.", choices=OPTIMIZERS),
    Param(
        "lr",
        "float",
        0.001,
        "Learning rate: the size of each update step.",
        above=0.0,
        maximum=10.0,
    ),
    Param(
        "weight_decay",
        "float",
        0.0,
        "Pulls weights towards zero to reduce overfitting.",
        minimum=0.0,
        maximum=1.0,
    ),
    Param("momentum", "float", 0.9, "Momentum (SGD and RMSprop).", minimum=0.0, maximum=0.999),
    Param("nesterov", "bool", False, "Nesterov momentum (SGD)."),
)
SCHEDULE_PARAMS = (
    Param(
        "name",
        "choice",
        "none",
        "How the learning rate changes during training.",
        choices=SCHEDULES,
    ),
    Param(
        "step_size",
        "int",
        5,
        "Epochs between learning-rate drops (step).",
        minimum=1,
        maximum=10_000,
    ),
    Param(
        "gamma",
        "float",
        0.1,
        "Factor the rate is multiplied by at each drop (step, plateau).",
        above=0.0,
        maximum=1.0,
    ),
    Param(
        "patience",
        "int",
        2,
        "Epochs without improvement before a drop (plateau).",
        minimum=0,
        maximum=10_000,
    ),
)
TRAINING_PARAMS = (
    Param("epochs", "int", 10, "Passes over the training data.", minimum=1, maximum=10_000),
    Param("batch_size", "int", 64, "Images per update step.", minimum=1, maximum=65_536),
    Param(
        "label_smoothing",
        "float",
        0.0,
        "Softens the targets; 0.1 often helps a little.",
        minimum=0.0,
        maximum=0.9,
    ),
    Param(
        "grad_clip",
        "float",
        None,
        "Largest allowed gradient norm; null is no clipping.",
        above=0.0,
        optional=True,
    ),
    Param(
        "early_stopping_patience",
        "int",
        None,
        "Stop after this many epochs without a better validation loss; null never stops early.",
        minimum=1,
        maximum=10_000,
        optional=True,
    ),
    Param("mixed_precision", "bool", True, "Use 16-bit maths where safe (CUDA only)."),
    Param("channels_last", "bool", True, "Faster memory layout for convolutions (CUDA only)."),
)
# The spec's sections of settings, each a set of Params (races, sweeps and lessons name them).
SECTIONS: dict[str, tuple[Param, ...]] = {
    "input": INPUT_PARAMS,
    "augment": AUGMENT_PARAMS,
    "optimizer": OPTIMIZER_PARAMS,
    "schedule": SCHEDULE_PARAMS,
    "training": TRAINING_PARAMS,
}
_DATASET_KEYS = ("name", "options", "data_dir")
_DATA_DIR = Param(
    "data_dir",
    "str",
    None,
    "Where downloaded datasets are kept; null is the user's data folder.",
    optional=True,
)
SEED = Param(
    "seed", "int", 0, "Random seed: the same seed gives the same run on the CPU.", minimum=0
)
# Far above any network that trains on one machine (ResNet-152 is some 500 of these layers), and
# low enough that a stack the window lists and checks on every keystroke stays quick.
MAX_LAYERS = 1000
_DEVICE_PATTERN = re.compile(r"auto|cpu|mps|cuda(:\d+)?")
_TOP_LEVEL = (
    "format",
    "version",
    "dataset",
    "input",
    "augment",
    "layers",
    "optimizer",
    "schedule",
    "training",
    "seed",
    "device",
)


@dataclass
class RunSpec:
    """Everything one training run needs. Sections are plain dicts of validated values."""

    dataset: dict[str, Any] = field(default_factory=lambda: default_dataset(DEFAULT_DATASET))
    input: dict[str, Any] = field(default_factory=lambda: _defaults(INPUT_PARAMS))
    augment: dict[str, Any] = field(default_factory=lambda: _defaults(AUGMENT_PARAMS))
    layers: list[LayerSpec] = field(default_factory=lambda: list(get_preset(DEFAULT_PRESET).layers))
    optimizer: dict[str, Any] = field(default_factory=lambda: _defaults(OPTIMIZER_PARAMS))
    schedule: dict[str, Any] = field(default_factory=lambda: _defaults(SCHEDULE_PARAMS))
    training: dict[str, Any] = field(default_factory=lambda: _defaults(TRAINING_PARAMS))
    seed: int = 0
    device: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": SPEC_FORMAT,
            "version": SPEC_VERSION,
            "dataset": {
                "name": self.dataset["name"],
                "options": dict(self.dataset["options"]),
                "data_dir": self.dataset["data_dir"],
            },
            "input": dict(self.input),
            "augment": dict(self.augment),
            "layers": [layer.to_dict() for layer in self.layers],
            "optimizer": dict(self.optimizer),
            "schedule": dict(self.schedule),
            "training": dict(self.training),
            "seed": self.seed,
            "device": self.device,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> RunSpec:
        """Validate a parsed JSON document; absent sections take defaults, unknown keys fail."""
        if not isinstance(data, Mapping):
            raise SpecError("spec: expected a JSON object at the top level")
        unknown = [key for key in data if key not in _TOP_LEVEL]
        if unknown:
            raise SpecError(
                f"spec: unknown field {unknown[0]!r}; allowed fields: " + ", ".join(_TOP_LEVEL)
            )
        if data.get("format", SPEC_FORMAT) != SPEC_FORMAT:
            raise SpecError(f'format: expected "{SPEC_FORMAT}"; this is not a cnnstudio run spec')
        _check_version(data.get("version", SPEC_VERSION))
        spec = cls(
            dataset=_check_dataset(data.get("dataset", {})),
            input=check_params(INPUT_PARAMS, data.get("input", {}), "input"),
            augment=check_params(AUGMENT_PARAMS, data.get("augment", {}), "augment"),
            optimizer=check_params(OPTIMIZER_PARAMS, data.get("optimizer", {}), "optimizer"),
            schedule=check_params(SCHEDULE_PARAMS, data.get("schedule", {}), "schedule"),
            training=check_params(TRAINING_PARAMS, data.get("training", {}), "training"),
            seed=SEED.check(data.get("seed", 0), "seed"),
            device=check_device_name(data.get("device", "auto")),
        )
        if "layers" in data:
            spec.layers = _check_layers(data["layers"])
        if spec.optimizer["nesterov"] and not (
            spec.optimizer["name"] == "sgd" and spec.optimizer["momentum"] > 0
        ):
            raise SpecError("optimizer.nesterov: only works with SGD and a momentum above 0")
        return spec

    def differences(self, other: RunSpec) -> list[str]:
        """Where `other` differs, one "field: old -> new" line each (layers as a whole)."""
        mine, theirs = _flatten(self.to_dict()), _flatten(other.to_dict())
        return [
            f"{key}: {mine.get(key, '-')} -> {theirs.get(key, '-')}"
            for key in sorted(mine.keys() | theirs.keys())
            if mine.get(key) != theirs.get(key)
        ]

    def with_preset(self, name: str) -> RunSpec:
        return replace(self, layers=list(get_preset(name).layers))

    def with_dataset(self, name: str) -> RunSpec:
        return replace(self, dataset=default_dataset(name))


def default_dataset(name: str) -> dict[str, Any]:
    return {"name": name, "options": _defaults(get_source(name).options), "data_dir": None}


def check_device_name(value: Any) -> str:
    if isinstance(value, str) and _DEVICE_PATTERN.fullmatch(value):
        return value
    raise SpecError(f"device: expected auto, cpu, cuda, cuda:N or mps; got {value!r}")


def load_spec(path: str | Path) -> RunSpec:
    """Read and validate a spec file; every problem becomes a SpecError naming the file."""
    data = read_json(path)
    try:
        return RunSpec.from_dict(data)
    except SpecError as error:
        raise SpecError(f"{path}: {error}") from None


def save_spec(spec: RunSpec, path: str | Path) -> None:
    write_atomic(path, spec.to_json())


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = json.dumps(value) if isinstance(value, list) else value
    return flat


def _defaults(params: tuple[Param, ...]) -> dict[str, Any]:
    return {p.name: p.default for p in params}


def _check_version(version: Any) -> None:
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SpecError(f"version: expected a positive integer; got {version!r}")
    if version > SPEC_VERSION:
        raise SpecError(
            f"version: this spec was written by a newer cnnstudio (version {version}); this one "
            f"reads version {SPEC_VERSION} or older. Update cnnstudio to open it."
        )


def _check_dataset(data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise SpecError("dataset: expected an object with the fields " + ", ".join(_DATASET_KEYS))
    unknown = [key for key in data if key not in _DATASET_KEYS]
    if unknown:
        raise SpecError(
            f"dataset: unknown field {unknown[0]!r}; allowed fields: " + ", ".join(_DATASET_KEYS)
        )
    name = data.get("name", DEFAULT_DATASET)
    try:
        source = get_source(name if isinstance(name, str) else repr(name))
    except SpecError as error:
        raise SpecError(f"dataset.name: {error}") from None
    options = check_params(source.options, data.get("options", {}), "dataset.options")
    data_dir = _DATA_DIR.check(data.get("data_dir"), "dataset.data_dir")
    return {"name": source.name, "options": options, "data_dir": data_dir}


def _check_layers(data: Any) -> list[LayerSpec]:
    if not isinstance(data, list):
        raise SpecError(f"layers: expected a list of layers; got {show_value(data)}")
    if len(data) > MAX_LAYERS:
        raise SpecError(
            f"layers: {len(data)} layers; a stack has at most {MAX_LAYERS}. Deep networks need "
            "far fewer: ResNet-152 is about 500."
        )
    return [layer_from_dict(layer, f"layers[{i}]") for i, layer in enumerate(data)]
