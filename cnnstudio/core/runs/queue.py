"""Names for queued runs: each run's values of the settings that differ among the queued runs
("lr=0.01, batch size=32"), or, when none differs, its default name ("PyTorch tutorial CNN on
shapes").

The window's run queue shows these names and gives each run its own in run.json, so the Runs
table tells a queue's runs apart (a sweep's runs too: they are queued runs like the others).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnnstudio.core.model.presets import matching_preset
from cnnstudio.core.runs.labels import default_name
from cnnstudio.core.spec.run_spec import SECTIONS, RunSpec
from cnnstudio.core.spec.variants import setting_value, short_name, show_setting

MOST_PARTS = 3  # a name lists this many changes, then says how many more there are


@dataclass(frozen=True, eq=False)  # two runs queued alike are still two runs
class QueuedRun:
    """A run waiting in the queue: its name and the settings it trains with."""

    name: str
    spec: RunSpec


def queue_names(specs: Sequence[RunSpec]) -> list[str]:
    """The queued runs' names: each one's values of the settings that differ among them
    ("lr=0.01, batch size=32"), so a name stays true wherever its run moves in the queue
    (named by what it changed from the run queued before it, a run moved up kept changes it
    did not have); its default name when none differs (one run, or runs alike)."""
    named = [_named_settings(spec) for spec in specs]
    keys = dict.fromkeys(key for settings in named for key in settings)
    differing = [key for key in keys if len({settings.get(key) for settings in named}) > 1]
    networks = any(spec.layers != specs[0].layers for spec in specs)
    names = []
    for spec, settings in zip(specs, named, strict=True):
        parts = [_network(spec)] if networks else []
        parts += [f"{key}={settings.get(key, '-')}" for key in differing]
        more = len(parts) - MOST_PARTS
        name = ", ".join(parts[:MOST_PARTS]) + (f" and {more} more" if more > 0 else "")
        names.append(name or default_name(spec))
    return names


def _network(spec: RunSpec) -> str:
    preset = matching_preset(spec.layers)
    return f"preset={preset}" if preset else "custom network"


def _named_settings(spec: RunSpec) -> dict[str, str]:
    """Every setting but the layers, by the name people read, with its value as shown."""
    named = {"dataset": spec.dataset["name"]}
    for section, params in SECTIONS.items():
        for param in params:
            path = f"{section}.{param.name}"
            named[short_name(path)] = show_setting(setting_value(spec, path))
    named["seed"] = show_setting(spec.seed)
    named["device"] = spec.device
    for key, value in spec.dataset["options"].items():
        name = key.replace("_", " ")
        named[f"dataset {name}" if name in named else name] = show_setting(value)
    if spec.dataset["data_dir"]:
        named["data folder"] = str(spec.dataset["data_dir"])
    return named
