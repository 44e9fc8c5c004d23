"""A run's name and notes (run.json), and what the Runs table shows of a run.

run.json holds {"name": ..., "notes": ...}, written when a person renames a run or writes notes.
Without a name, a run is called after its network and dataset ("PyTorch tutorial CNN on shapes").
A damaged run.json is logged and ignored: the run keeps its default name and the list of runs
never breaks because of one file.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from cnnstudio.core.data.tensors import input_shape
from cnnstudio.core.errors import SpecError
from cnnstudio.core.files import read_json, write_atomic
from cnnstudio.core.model.presets import PRESETS, matching_preset
from cnnstudio.core.model.shapes import analyse_stack
from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import with_setting
from cnnstudio.core.training.changes import SettingChange, read_changes

LABEL_FILE = "run.json"
CUSTOM = "custom network"

log = logging.getLogger(__name__)

# The first line of dataset_check.txt: "10,000 training and 2,000 validation images, 3x32x32,
# 10 classes." (DatasetReport.describe): the data the run trained on.
_CHECKED_DATA = re.compile(r", (\d+)x(\d+)x(\d+), (\d+) classes\.")


@dataclass(frozen=True)
class RunLabel:
    """What a person wrote about a run; an empty name means the default name."""

    name: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RunRow:
    """One run as the Runs table lists it: the record, its label and what is worked out."""

    record: RunRecord
    label: RunLabel
    default_name: str
    architecture: str  # the preset's title, or "custom network (N layers)"
    parameters: int | None  # None when the data it trained on is not on record
    started: RunSpec  # the settings it started with (record.spec: those it ended with)

    @property
    def name(self) -> str:
        return self.label.name or self.default_name


def read_label(folder: Path) -> RunLabel:
    """The folder's run.json; an empty label if there is none or it is damaged (logged)."""
    path = Path(folder) / LABEL_FILE
    if not path.exists():
        return RunLabel()
    try:
        document = read_json(path)
        if not isinstance(document, dict):
            raise SpecError(f"{path}: not a JSON object")
        return RunLabel(str(document.get("name", "")), str(document.get("notes", "")))
    except SpecError:
        log.warning("ignored a damaged %s", path, exc_info=True)
        return RunLabel()


def write_label(folder: Path, *, name: str | None = None, notes: str | None = None) -> RunLabel:
    """Set the run's name and/or notes (the other is kept), written atomically; the new label.

    Raises OSError when the folder cannot be written."""
    old = read_label(folder)
    label = RunLabel(
        old.name if name is None else name.strip(), old.notes if notes is None else notes
    )
    document = {"name": label.name, "notes": label.notes}
    write_atomic(Path(folder) / LABEL_FILE, json.dumps(document, indent=2) + "\n")
    return label


def architecture(spec: RunSpec) -> str:
    """The title of the preset whose layers the run has, or "custom network"."""
    preset = matching_preset(list(spec.layers))
    return PRESETS[preset].title if preset else CUSTOM


def default_name(spec: RunSpec) -> str:
    """A run's name until a person gives it one: "PyTorch tutorial CNN on shapes"."""
    return f"{architecture(spec)} on {spec.dataset['name']}"


def run_name(record: RunRecord) -> str:
    """The name a person gave the run, else its default name."""
    return read_label(record.folder).name or default_name(record.spec)


def parameter_count(record: RunRecord) -> int | None:
    """The network's trainable parameters, by formula (no torch): from its layers and the image
    shape and classes its dataset check recorded; None if the run has no dataset check."""
    try:
        first = (record.folder / "dataset_check.txt").read_text(encoding="utf-8").split("\n")[0]
    except (OSError, UnicodeDecodeError):
        return None
    found = _CHECKED_DATA.search(first)
    if found is None:
        return None
    channels, height, width, classes = (int(n) for n in found.groups())
    shape = input_shape((channels, height, width), record.spec.input)
    # No memory check: the run has trained already, and reading free memory costs a system call.
    report = analyse_stack(record.spec.layers, shape, classes, free_memory=sys.maxsize)
    return report.total_params if report.error is None else None


def describe_run(record: RunRecord) -> RunRow:
    """What the Runs table shows of `record` (reads run.json and the dataset check)."""
    spec = record.spec
    name = architecture(spec)
    shown = name if name != CUSTOM else f"{CUSTOM} ({len(spec.layers)} layers)"
    return RunRow(
        record,
        read_label(record.folder),
        default_name(spec),
        shown,
        parameter_count(record),
        started_spec(spec, read_changes(record.folder)),
    )


def started_spec(spec: RunSpec, changes: list[SettingChange]) -> RunSpec:
    """The settings a run started with: its spec.json holds those it ended with, so each setting
    changed while it trained goes back to the old value of its first change."""
    for change in reversed(changes):  # the first change of a setting is put back last
        try:
            spec = with_setting(spec, change.path, change.old)
        except SpecError:  # a changes.csv edited by hand: the value it ended with stays
            log.warning("ignored the change %s", change.label, exc_info=True)
    return spec
