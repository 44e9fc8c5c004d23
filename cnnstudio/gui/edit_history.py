"""Undo and redo for the settings: each edit is the whole run spec before and after.

Snapshots keep this independent of how the panels edit: a panel says it changed, the window reads
the spec, and the history records old and new. Consecutive edits of the same field (typing "16"
is two edits of `epochs`) merge into one step. Undoing applies the older spec back to the panels.
The history also knows the spec last saved (or opened), so the window can mark unsaved changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from cnnstudio.gui.panels.wording import label

SPEC_EDIT_ID = 1


class EditHistory(QObject):
    applied = Signal(dict)  # a spec (as a dict) to show in the panels: undone or redone
    modified_changed = Signal(bool)  # differs from the spec last saved or opened

    def __init__(self, spec: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.current = spec
        self.saved = spec
        self._modified = False

    def record(self, spec: dict[str, Any], separate: bool = False) -> None:
        """The panels now hold `spec`: push it as an edit (nothing if nothing changed).
        A `separate` edit (a button's change) is a step of its own, never merged with typing."""
        if spec == self.current:
            return
        old, self.current = self.current, spec
        self.stack.push(_SpecEdit(self, old, spec, separate))
        self._update_modified()

    def reset(self, spec: dict[str, Any], saved: dict[str, Any] | None = None) -> None:
        """A project was opened or made: forget the edits; `saved` is what is on disk."""
        self.stack.clear()
        self.current = spec
        self.saved = spec if saved is None else saved
        self._update_modified()

    def mark_saved(self) -> None:
        self.saved = self.current
        self._update_modified()

    @property
    def modified(self) -> bool:
        return self._modified

    def _apply(self, spec: dict[str, Any]) -> None:
        self.current = spec
        self.applied.emit(spec)
        self._update_modified()

    def _update_modified(self) -> None:
        modified = self.current != self.saved
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)


class _SpecEdit(QUndoCommand):
    def __init__(
        self, history: EditHistory, old: dict[str, Any], new: dict[str, Any], separate: bool
    ) -> None:
        super().__init__()
        self.history, self.old, self.new, self.separate = history, old, new, separate
        self.fields = changed_fields(old, new)
        self.setText(describe(self.fields))
        self.done = False  # push() calls redo(); the panels already show the edit then

    def id(self) -> int:
        return -1 if self.separate else SPEC_EDIT_ID  # -1: Qt never merges it

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _SpecEdit) or other.fields != self.fields:
            return False
        self.new = other.new
        self.setObsolete(self.old == self.new)  # typed back to where it was: no step left
        return True

    def redo(self) -> None:
        if self.done:
            self.history._apply(self.new)
        self.done = True

    def undo(self) -> None:
        self.history._apply(self.old)


def changed_fields(old: Any, new: Any, prefix: str = "") -> frozenset[str]:
    """Dotted paths of the values that differ ("training.epochs", "layers.2.params.p")."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = old.keys() | new.keys()
        parts = [changed_fields(old.get(k), new.get(k), f"{prefix}{k}.") for k in sorted(keys)]
        return frozenset().union(*parts)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        parts = [
            changed_fields(a, b, f"{prefix}{i}.")
            for i, (a, b) in enumerate(zip(old, new, strict=True))
        ]
        return frozenset().union(*parts)
    return frozenset() if old == new else frozenset({prefix.rstrip(".")})


def describe(fields: frozenset[str]) -> str:
    """The edit's name in the Edit menu, in the window's words: "Undo Epochs", "Undo Filters of
    layer 2"; several settings at once (a preset) are "settings"."""
    if len(fields) != 1:
        return "settings"
    section, *rest = next(iter(fields)).split(".")
    if section == "layers":
        if len(rest) >= 2 and rest[0].isdigit():
            return f"{label('layer', rest[-1])} of layer {int(rest[0]) + 1}"
        return "layers"
    if not rest or rest == ["name"]:
        return section.replace("_", " ")
    return label(section, rest[-1])
