"""Lesson files: a project a teacher hands out, with steps, locked settings, hidden controls and
goals (issue 12).

A lesson is JSON (``.cnnlesson``)::

    {"format": "cnnstudio.lesson", "version": 1,
     "title": "Your first CNN", "summary": "one line for listings",
     "steps": ["Markdown text of step 1", "..."],
     "locked": ["dataset", "layers", "optimizer.lr"],      # spec paths the student cannot edit
     "hidden": ["advanced", "runs_tab"],                   # controls the window does not show
     "goals": [{"kind": "val_accuracy_at_least", "value": 0.8, "text": "Reach 80%"}],
     "spec": {...a run spec...}}

Goals are reached in order, each by a run: "val_accuracy_at_least" (a validation accuracy of
`value` or more) or "coach_note" (the training coach's rule `rule` speaks, e.g. "overfitting");
`requires` adds conditions on the run's settings ({"path": "augment", "on": true},
{"path": "optimizer.lr", "at_least": 0.05}). Opening validates the whole file first, like a
project, so a damaged lesson changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnnstudio.core.errors import SpecError
from cnnstudio.core.files import read_json, write_atomic
from cnnstudio.core.params import Param, show_value
from cnnstudio.core.spec.run_spec import SECTIONS, RunSpec

LESSON_FORMAT = "cnnstudio.lesson"
LESSON_VERSION = 1
LESSON_SUFFIX = ".cnnlesson"

# What a lesson may lock: a whole section (SECTIONS or WHOLE), or one setting of a section.
WHOLE = ("dataset", "layers", "seed", "device")
# Controls the window can hide, with the words the teacher ticks in "Save as lesson".
HIDEABLE = {
    "advanced": "Advanced settings",
    "dataset_tab": "Dataset settings tab",
    "model_editor": "Model editor tab",
    "training_tab": "Training settings tab",
    "augmentation": "Augmentation settings",
    "runs_tab": "Runs tab",
    "export": "Export, report and predict",
}
# The coach rules a goal may wait for (core/insight/coach_rules.py; a test keeps them in step).
GOAL_RULES = ("overfitting", "stuck_at_chance", "loss_rising", "underfitting", "plateau")
GOAL_KINDS = ("val_accuracy_at_least", "coach_note")
MAX_STEPS = 50
MAX_TEXT = 10_000  # characters in one step: a page of Markdown is some 3,000
_FIELDS = ("format", "version", "title", "summary", "steps", "locked", "hidden", "goals", "spec")


@dataclass(frozen=True)
class Condition:
    """A setting the run must have for a goal to count."""

    path: str  # "augment", "optimizer.lr", ...
    on: bool | None = None  # a section with any setting on, or a setting that is on
    at_least: float | None = None
    at_most: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path}
        for key in ("on", "at_least", "at_most"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class Goal:
    kind: str
    value: float | None = None  # val_accuracy_at_least
    rule: str | None = None  # coach_note
    text: str = ""  # the words students see; made from the kind when empty
    requires: tuple[Condition, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.value is not None:
            data["value"] = self.value
        if self.rule is not None:
            data["rule"] = self.rule
        if self.text:
            data["text"] = self.text
        if self.requires:
            data["requires"] = [condition.to_dict() for condition in self.requires]
        return data

    def describe(self) -> str:
        """What to do, in the lesson's words or made from the kind."""
        if self.text:
            return self.text
        if self.kind == "val_accuracy_at_least":
            return f"Reach {self.value:.0%} validation accuracy"
        return f"Make the coach notice: {str(self.rule).replace('_', ' ')}"


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[str, ...]
    spec: RunSpec
    summary: str = ""
    locked: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = ()
    path: Path | None = field(default=None, compare=False)  # where it was read from

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": LESSON_FORMAT,
            "version": LESSON_VERSION,
            "title": self.title,
            "summary": self.summary,
            "steps": list(self.steps),
            "locked": list(self.locked),
            "hidden": list(self.hidden),
            "goals": [goal.to_dict() for goal in self.goals],
            "spec": self.spec.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any, path: Path | None = None) -> Lesson:
        """Validate a parsed lesson; every problem is a SpecError naming the field."""
        _check_header(data)
        try:
            spec = RunSpec.from_dict(data.get("spec", {}))
        except SpecError as error:
            raise SpecError(f"spec.{error}") from None
        return cls(
            title=_text(data.get("title"), "title", 200),
            summary=_text(data.get("summary", ""), "summary", 300, empty=True),
            steps=_steps(data.get("steps")),
            spec=spec,
            locked=_names(data.get("locked", []), "locked", check_lock_path),
            hidden=_names(data.get("hidden", []), "hidden", _check_hideable),
            goals=_goals(data.get("goals", [])),
            path=path,
        )


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate a lesson file; any problem is one SpecError naming the file."""
    path = Path(path)
    data = read_json(path)
    try:
        return Lesson.from_dict(data, path)
    except SpecError as error:
        raise SpecError(f"{path}: {error}") from None


def save_lesson(lesson: Lesson, path: str | Path) -> None:
    """Write `lesson` atomically (it is validated first: what is saved can be opened)."""
    document = lesson.to_dict()
    Lesson.from_dict(document)
    write_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def is_lesson_file(path: str | Path) -> bool:
    return Path(path).suffix == LESSON_SUFFIX


def check_lock_path(path: str, where: str = "locked") -> str:
    """`path` if a lesson can lock it ("layers", "optimizer", "optimizer.lr"); else SpecError."""
    section, _, name = path.partition(".")
    if not name and (section in WHOLE or section in SECTIONS):
        return path
    if section in SECTIONS and any(p.name == name for p in SECTIONS[section]):
        return path
    allowed = ", ".join((*WHOLE, *SECTIONS))
    raise SpecError(
        f"{where}: {path!r} is not a setting; give a section ({allowed}) or one of its "
        'settings, e.g. "optimizer.lr"'
    )


def setting(spec: RunSpec, path: str) -> Any:
    """The value at `path` in `spec` (a section as a dict)."""
    section, _, name = path.partition(".")
    value = spec.to_dict()[section]
    return value[name] if name else value


def _check_header(data: Any) -> None:
    if not isinstance(data, Mapping) or data.get("format") != LESSON_FORMAT:
        raise SpecError(f'not a cnnstudio lesson (no "format": "{LESSON_FORMAT}")')
    if data.get("version") != LESSON_VERSION:
        raise SpecError(
            f"lesson version {show_value(data.get('version'))}; this cnnstudio reads version "
            f"{LESSON_VERSION}"
        )
    unknown = [key for key in data if key not in _FIELDS]
    if unknown:
        raise SpecError(f"unknown field {unknown[0]!r}; allowed fields: " + ", ".join(_FIELDS))


def _text(value: Any, where: str, longest: int, empty: bool = False) -> str:
    if not isinstance(value, str) or not (empty or value.strip()):
        raise SpecError(f"{where}: expected a text; got {show_value(value)}")
    if len(value) > longest:
        raise SpecError(f"{where}: {len(value)} characters; at most {longest}")
    return value.strip()


def _steps(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise SpecError(f"steps: expected a list of texts (one a step); got {show_value(value)}")
    if len(value) > MAX_STEPS:
        raise SpecError(f"steps: {len(value)} steps; a lesson has at most {MAX_STEPS}")
    return tuple(_text(step, f"steps[{i}]", MAX_TEXT) for i, step in enumerate(value))


def _names(value: Any, where: str, check) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SpecError(f"{where}: expected a list of names; got {show_value(value)}")
    if len(set(value)) != len(value):
        raise SpecError(f"{where}: names a setting twice")
    return tuple(check(item, f"{where}[{i}]") for i, item in enumerate(value))


def _check_hideable(name: str, where: str) -> str:
    if name not in HIDEABLE:
        raise SpecError(f"{where}: {name!r} is not a control; give one of: " + ", ".join(HIDEABLE))
    return name


def _goals(value: Any) -> tuple[Goal, ...]:
    if not isinstance(value, list):
        raise SpecError(f"goals: expected a list of goals; got {show_value(value)}")
    return tuple(_goal(item, f"goals[{i}]") for i, item in enumerate(value))


def _goal(data: Any, where: str) -> Goal:
    if not isinstance(data, Mapping):
        raise SpecError(f"{where}: expected an object with a kind; got {show_value(data)}")
    kind = data.get("kind")
    if kind not in GOAL_KINDS:
        raise SpecError(f"{where}.kind: expected one of: " + ", ".join(GOAL_KINDS))
    wanted = {"val_accuracy_at_least": "value", "coach_note": "rule"}[kind]
    unknown = [key for key in data if key not in ("kind", wanted, "text", "requires")]
    if unknown:
        raise SpecError(f"{where}: unknown field {unknown[0]!r} for a {kind} goal")
    value = rule = None
    if kind == "val_accuracy_at_least":
        value = Param("value", "float", 0.5, above=0.0, maximum=1.0).check(
            data.get("value"), f"{where}.value"
        )
    elif data.get("rule") not in GOAL_RULES:
        raise SpecError(f"{where}.rule: expected one of: " + ", ".join(GOAL_RULES))
    else:
        rule = data["rule"]
    requires = data.get("requires", [])
    if not isinstance(requires, list):
        raise SpecError(f"{where}.requires: expected a list of conditions")
    return Goal(
        kind,
        value,
        rule,
        _text(data.get("text", ""), f"{where}.text", 300, empty=True),
        tuple(_condition(c, f"{where}.requires[{i}]") for i, c in enumerate(requires)),
    )


def _condition(data: Any, where: str) -> Condition:
    if not isinstance(data, Mapping) or not isinstance(data.get("path"), str):
        raise SpecError(f'{where}: expected an object with a "path"; got {show_value(data)}')
    path = check_lock_path(data["path"], f"{where}.path")
    unknown = [key for key in data if key not in ("path", "on", "at_least", "at_most")]
    if unknown or len(data) != 2:
        raise SpecError(f'{where}: give "path" and one of "on", "at_least", "at_most"')
    if "on" in data:
        return Condition(path, on=Param("on", "bool", True).check(data["on"], f"{where}.on"))
    key = "at_least" if "at_least" in data else "at_most"
    bound = Param(key, "float", 0.0).check(data[key], f"{where}.{key}")
    return Condition(path, **{key: bound})
