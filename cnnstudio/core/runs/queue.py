"""Names for queued runs: what a run changes from the one queued before it ("lr=0.01, batch
size=32"), or, for the first, its default name ("PyTorch tutorial CNN on shapes").

The window's run queue shows these names and gives each run its own in run.json, so the Runs
table tells a queue's runs apart; a sweep's runs are named by their variant's label, which reads
the same way.
"""

from __future__ import annotations

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


def what_differs(before: RunSpec, spec: RunSpec) -> list[str]:
    """The settings `spec` changes from `before`, each as "name=value", in the spec's order."""
    changes = []
    if before.layers != spec.layers:
        preset = matching_preset(spec.layers)
        changes.append(f"preset={preset}" if preset else "network edited")
    old, new = _named_settings(before), _named_settings(spec)
    changes += [f"{name}={value}" for name, value in new.items() if old.get(name) != value]
    return changes


def queued_name(before: RunSpec | None, spec: RunSpec) -> str:
    """A queued run's name: what it changes from `before` (the run queued before it), or its
    title when it is the first or changes nothing."""
    if before is None:
        return default_name(spec)
    changes = what_differs(before, spec)
    if not changes:
        return f"{default_name(spec)}, again"
    more = len(changes) - MOST_PARTS
    return ", ".join(changes[:MOST_PARTS]) + (f" and {more} more" if more > 0 else "")


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
