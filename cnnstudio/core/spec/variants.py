"""Settings of a run spec by name, and variants of a spec that differ in one or two of them.

A setting is a dotted path into the spec ("optimizer.lr", "augment.hflip", "training.epochs"),
"seed", or "preset" (the layer stack of a ready-made preset). Short names stand for the common
ones: lr, optimizer, momentum, weight_decay, batch_size, epochs, schedule, and each augmentation
(hflip, crop_padding, ...). Races, sweeps, changes made while a run trains and the comparison of
runs all name settings this way.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnnstudio.core.data.augment import AUGMENT_PARAMS
from cnnstudio.core.errors import SpecError
from cnnstudio.core.model.presets import PRESETS, get_preset, matching_preset
from cnnstudio.core.params import Param
from cnnstudio.core.spec.run_spec import SECTIONS, SEED, RunSpec

PRESET = "preset"
ALIASES: dict[str, str] = {
    "lr": "optimizer.lr",
    "optimizer": "optimizer.name",
    "momentum": "optimizer.momentum",
    "weight_decay": "optimizer.weight_decay",
    "nesterov": "optimizer.nesterov",
    "schedule": "schedule.name",
    "batch_size": "training.batch_size",
    "epochs": "training.epochs",
    "label_smoothing": "training.label_smoothing",
    "grad_clip": "training.grad_clip",
    **{param.name: f"augment.{param.name}" for param in AUGMENT_PARAMS},
}
# A setting's words on a chart or in a table: its alias, unless that is a programmer's word.
_SHORT_NAMES = {path: alias for alias, path in ALIASES.items()} | {
    "augment.crop_padding": "shift",
    "augment.hflip": "mirroring",
}


def setting_path(name: str) -> str:
    """The dotted path a setting's name (short or dotted) stands for; SpecError if unknown."""
    path = ALIASES.get(name, name)
    if path in (PRESET, "seed") or _param_or_none(path) is not None:
        return path
    raise SpecError(
        f"unknown setting {name!r}; settings: {', '.join(ALIASES)}, preset, seed, or a "
        "dotted name such as optimizer.lr or augment.rotation"
    )


def short_name(path: str) -> str:
    """The words for a setting on a chart or in a table: "lr", "weight decay", "mirroring"."""
    return _SHORT_NAMES.get(path, path.rsplit(".", 1)[-1]).replace("_", " ")


def setting_param(path: str) -> Param | None:
    """The Param describing a setting (None for "preset", whose values are preset names)."""
    return None if path == PRESET else _param_or_none(path)


def setting_value(spec: RunSpec, path: str) -> Any:
    """A setting's value in `spec`; "preset" is the preset's name, or "custom"."""
    if path == PRESET:
        return matching_preset(spec.layers) or "custom"
    if path == "seed":
        return spec.seed
    section, key = path.split(".", 1)
    return getattr(spec, section)[key]


def with_setting(spec: RunSpec, path: str, value: Any) -> RunSpec:
    """A copy of `spec` with one setting changed, checked like a loaded spec (SpecError)."""
    document = spec.to_dict()
    if path == PRESET:
        document["layers"] = [layer.to_dict() for layer in get_preset(value).layers]
    elif path == "seed":
        document["seed"] = value
    else:
        section, key = path.split(".", 1)
        document[section][key] = value
    return RunSpec.from_dict(document)


def parse_value(path: str, text: str) -> Any:
    """A value typed as text ("0.01", "true", "adam", "null") in the setting's own kind."""
    param = setting_param(path)
    if param is None:
        text = text.strip()
        if text not in PRESETS:
            raise SpecError(f"preset: unknown preset {text!r}; presets: {', '.join(PRESETS)}")
        return text
    return param.parse(text, path)


def show_setting(value: Any) -> str:
    """A value as people read it (and `parse_value` reads back): 0.001 not 0.0010000, on, off,
    adam."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return "off" if value is None else str(value)


@dataclass(frozen=True)
class Vary:
    """One setting and the values to try."""

    path: str
    values: tuple[Any, ...]


def parse_vary(text: str) -> Vary:
    """ "lr=0.1,0.01" -> Vary("optimizer.lr", (0.1, 0.01)); SpecError saying what is wrong."""
    name, equals, values = text.partition("=")
    if not equals or not values.strip():
        raise SpecError(f"{text!r}: expected SETTING=VALUE,VALUE (for example lr=0.1,0.01)")
    path = setting_path(name.strip())
    parsed = tuple(parse_value(path, value) for value in values.split(","))
    if len(set(map(show_setting, parsed))) < len(parsed):
        raise SpecError(f"{text!r}: a value is given twice")
    return Vary(path, parsed)


@dataclass(frozen=True)
class Variant:
    """A spec with some settings set: one run of a race or a sweep."""

    settings: dict[str, Any]  # path -> value, in the order varied
    spec: RunSpec

    @property
    def label(self) -> str:
        """ "optimizer=adam, lr=0.01" """
        return ", ".join(
            f"{short_name(path)}={show_setting(value)}" for path, value in self.settings.items()
        )


def grid(spec: RunSpec, varies: Sequence[Vary], most: int) -> list[Variant]:
    """Every combination of the varied settings' values, each a checked spec.

    Raises SpecError when a setting is varied twice, when there are more than `most`
    combinations, or when a combination is not a valid spec (naming it)."""
    paths = [vary.path for vary in varies]
    if len(set(paths)) < len(paths):
        raise SpecError("each setting can be varied once")
    combinations = list(itertools.product(*(vary.values for vary in varies)))
    if len(combinations) > most:
        raise SpecError(f"{len(combinations)} combinations; at most {most}. Try fewer values.")
    variants = []
    for values in combinations:
        settings = dict(zip(paths, values, strict=True))
        varied = spec
        for path, value in settings.items():
            try:
                varied = with_setting(varied, path, value)
            except SpecError as error:
                label = Variant(settings, spec).label
                raise SpecError(f"{label}: {error}") from None
        variants.append(Variant(settings, varied))
    return variants


def _param_or_none(path: str) -> Param | None:
    if path == "seed":
        return SEED
    section, _, key = path.partition(".")
    return next((p for p in SECTIONS.get(section, ()) if p.name == key), None)
