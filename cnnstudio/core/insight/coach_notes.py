"""The training coach's notes: what one rule found, what it means, what to try, and where a note
has one, a machine-readable fix for the next run. Kept in the run folder as coach.json.

    {"format": "cnnstudio.coach", "version": 1, "notes": [{"rule": "overfitting", ...}, ...]}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.files import read_json, write_atomic
from cnnstudio.core.spec.run_spec import RunSpec

log = logging.getLogger(__name__)

COACH_FILE = "coach.json"
COACH_FORMAT = "cnnstudio.coach"
COACH_VERSION = 1

# How much a note matters: "problem" (the run cannot learn well like this), "warning" (it learns,
# but something holds it back), "info" (a hint for the next run).
SEVERITIES = ("problem", "warning", "info")


@dataclass(frozen=True)
class CoachFix:
    """A change for the next run that a button can make.

    kind "spec": `change` is a partial run spec ({"optimizer": {"lr": 0.0001}}), merged into the
    run's spec by `apply_fix`. kind "extend": train this same run `epochs` more epochs
    (`RunSession.extend(run_dir, epochs)`).
    """

    kind: str  # "spec" or "extend"
    label: str  # what the button says: "Use a learning rate of 0.0001"
    change: dict[str, Any] = field(default_factory=dict)
    epochs: int = 0


@dataclass(frozen=True)
class CoachNote:
    """One thing the coach noticed, in plain words."""

    rule: str  # which rule found it: "overfitting", "plateau", ...
    severity: str  # one of SEVERITIES
    title: str  # one line: "The network is memorising its training images (overfitting)"
    meaning: str  # what was seen and what it means
    advice: str  # what to try, completing "Try ...": "a learning rate ten times smaller (0.0001)."
    epoch: int  # where it was found (0: in the data, before training)
    step: int  # update steps done by then (0: before training)
    fix: CoachFix | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CoachNote:
        fix = data.get("fix")
        return cls(**{**data, "fix": CoachFix(**fix) if fix is not None else None})

    def describe(self) -> list[str]:
        """The note as a few lines of plain text (the console's and the report's wording)."""
        return [f"{self.where}: {self.title}.", f"  {self.meaning}", f"  Try {self.advice}"]

    @property
    def where(self) -> str:
        return f"Epoch {self.epoch}" if self.epoch else "Before training"


def apply_fix(spec: RunSpec, fix: CoachFix) -> RunSpec:
    """The next run's spec: `spec` with the fix's change merged in, validated like any spec."""
    if fix.kind != "spec":
        raise ValueError(f"a {fix.kind!r} fix changes no spec; extend the run instead")
    merged = spec.to_dict()
    for section, values in fix.change.items():
        if isinstance(values, dict):
            merged[section] = {**merged[section], **values}
        else:
            merged[section] = values
    return RunSpec.from_dict(merged)


def save_notes(run_dir: Path, notes: Sequence[CoachNote]) -> Path:
    """Write run_dir/coach.json (atomically: a run killed mid-write keeps the previous notes)."""
    path = run_dir / COACH_FILE
    document = {
        "format": COACH_FORMAT,
        "version": COACH_VERSION,
        "notes": [note.to_dict() for note in notes],
    }
    write_atomic(path, json.dumps(document, indent=2) + "\n")
    return path


def load_notes(run_dir: Path) -> list[CoachNote] | None:
    """The notes in run_dir/coach.json, in the order found; None without a readable file (a run
    from before the coach, or a damaged file, logged: the notes are advice, never worth refusing
    a run for)."""
    path = run_dir / COACH_FILE
    if not path.exists():
        return None
    try:
        document = read_json(path)
        if document.get("format") != COACH_FORMAT:
            raise ValueError("not a coach file")
        return [CoachNote.from_dict(note) for note in document["notes"]]
    except (CnnstudioError, AttributeError, KeyError, TypeError, ValueError):
        log.warning("skipped the damaged coach notes %s", path, exc_info=True)
        return None
