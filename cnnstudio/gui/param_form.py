"""An editor built from `Param` descriptions: the same schema that validates the spec lays out the
form, so every setting has its range and default; labels and plain explanations come from
`panels.wording`, and each tooltip adds the glossary's paragraph on the setting's term.

The form is built once and then only updated: `set_values` writes just the editors whose value
differs, with their signals blocked, so a person typing into one editor keeps focus, cursor and
undo history whatever else is applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from cnnstudio.core.params import AUTO, Param
from cnnstudio.glossary import lookup
from cnnstudio.gui.glossary_links import explain, term_tip
from cnnstudio.gui.panels.number_box import NumberBox
from cnnstudio.gui.panels.wording import wording

_INT_LIMIT = 1_000_000
_FLOAT_LIMIT = 1e6
TOOLTIP_ROLE = 3  # Qt.ItemDataRole.ToolTipRole
_SpinBox = QSpinBox | QDoubleSpinBox  # the editors of numbers (NumberBox is a QDoubleSpinBox)


class ParamForm(QWidget):
    """A form for `params`; `changed` fires on every edit, `values()` reads them back.

    Args:
        params: the settings, in order.
        values: their current values (absent ones show the default).
        group: where the form sits ("optimizer", "layer", ...), to pick the words for people.
    """

    changed = Signal()

    def __init__(
        self,
        params: Iterable[Param],
        values: Mapping[str, Any],
        group: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.params = tuple(params)
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.help: dict[str, str] = {}
        self.terms: dict[str, str] = {}  # each setting's glossary term
        self.advanced: set[str] = set()
        self.unused: dict[str, str] = {}  # setting -> why it has no effect now
        self.locked: dict[str, str] = {}  # setting -> why it cannot be changed (a lesson)
        self.frozen: dict[str, str] = {}  # setting -> why it cannot change while a run trains
        self.layout_ = layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for param in self.params:
            words = wording(group, param)
            editor = _editor_for(param)
            label = QLabel(words.label)
            label.setBuddy(editor)
            label.setWordWrap(True)
            self.editors[param.name], self.labels[param.name] = editor, label
            self.help[param.name], self.terms[param.name] = words.help, words.term
            explain((label, editor), words.help, words.term)
            if words.advanced:
                self.advanced.add(param.name)
            layout.addRow(label, editor)
            _connect(editor, self._emit_changed)
        self.set_values(values)

    def _emit_changed(self, *_value: object) -> None:
        self.changed.emit()

    def values(self) -> dict[str, Any]:
        return {p.name: _read(p, self.editors[p.name]) for p in self.params}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show `values` without emitting `changed`; editors showing theirs stay untouched."""
        for param in self.params:
            editor = self.editors[param.name]
            value = values.get(param.name, param.default)
            if _read(param, editor) == value:
                continue
            editor.blockSignals(True)
            _write(param, editor, value)
            editor.blockSignals(False)

    def show_advanced(self, shown: bool) -> None:
        """Show or hide the rarely needed settings."""
        for name in self.advanced:
            self.layout_.setRowVisible(self.labels[name], shown)

    def add_beside(self, name: str, widget: QWidget) -> None:
        """Put `widget` (a button) right of a setting's editor, in its row."""
        editor = self.editors[name]
        position = self.layout_.getWidgetPosition(editor)
        row = cast(tuple[int, QFormLayout.ItemRole], position)[0]
        self.layout_.removeWidget(editor)
        field = QWidget()
        line = QHBoxLayout(field)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(editor, 1)
        line.addWidget(widget)
        self.layout_.setWidget(row, QFormLayout.ItemRole.FieldRole, field)

    def set_applies(self, name: str, applies: bool, why: str = "") -> None:
        """Grey out a setting that has no effect with the other choices, saying why in its tip."""
        if applies:
            self.unused.pop(name, None)
        else:
            self.unused[name] = why
        self._show_state(name)

    def set_locked(self, name: str, why: str | None) -> None:
        """Lock a setting (greyed out, `why` in its tip), or unlock it with None; a locked
        setting stays locked whatever `set_applies` says."""
        if why is None:
            self.locked.pop(name, None)
        else:
            self.locked[name] = why
        self._show_state(name)

    def set_frozen(self, name: str, why: str | None) -> None:
        """Fix a setting while a run trains (greyed out, `why` in its tip), or free it with
        None; a lesson's lock is kept either way."""
        if why is None:
            self.frozen.pop(name, None)
        else:
            self.frozen[name] = why
        self._show_state(name)

    def _show_state(self, name: str) -> None:
        tip = self.help[name]
        if name in self.locked:
            tip = f"{tip} {self.locked[name]}"
        elif name in self.frozen:
            tip = f"{tip} {self.frozen[name]}"
        elif name in self.unused:
            tip = f"{tip} Not used now: {self.unused[name]}"
        widgets = (self.editors[name], self.labels[name])
        explain(widgets, tip, self.terms[name])
        usable = not (name in self.locked or name in self.frozen or name in self.unused)
        for widget in widgets:
            widget.setEnabled(usable)


def _special(param: Param) -> str | None:
    """The word shown at the bottom of a spin box's range, if the param has one."""
    if param.auto:
        return AUTO
    if param.optional:
        return "off"
    return None


def _editor_for(param: Param) -> QWidget:
    if param.kind == "bool":
        return QCheckBox()
    if param.kind == "choice":
        combo = QComboBox()
        for choice in param.choices:
            combo.addItem(str(choice), choice)
            if lookup(str(choice)) is not None:  # adam, sgd, ...: what the word means
                combo.setItemData(combo.count() - 1, term_tip(str(choice)), TOOLTIP_ROLE)
        return combo
    if param.kind == "str":
        return QLineEdit()
    special = _special(param)
    box: QSpinBox | NumberBox
    if param.kind == "int":
        box = QSpinBox()
        low = int(param.minimum if param.minimum is not None else -_INT_LIMIT)
        box.setRange(low - 1 if special else low, int(param.maximum or _INT_LIMIT))
    else:
        box = number = NumberBox()
        bottom = param.minimum if param.minimum is not None else (param.above or 0.0)
        if param.above is not None and param.minimum is None:
            bottom += NumberBox.RESOLUTION  # strictly above
        lowest = bottom - NumberBox.RESOLUTION if special else bottom
        number.setRange(lowest, param.maximum or _FLOAT_LIMIT)
        number.setSingleStep(0.001 if (param.maximum or 1) <= 10 else 0.1)
    if special:
        box.setSpecialValueText(special)
    box.setKeyboardTracking(True)
    return box


def _connect(editor: QWidget, slot) -> None:
    if isinstance(editor, QCheckBox):
        editor.toggled.connect(slot)
    elif isinstance(editor, QComboBox):
        editor.currentIndexChanged.connect(slot)
    elif isinstance(editor, QLineEdit):
        editor.editingFinished.connect(slot)
    else:
        cast(_SpinBox, editor).valueChanged.connect(slot)


def _read(param: Param, editor: QWidget) -> Any:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QLineEdit):
        return editor.text().strip() or None
    box = cast(_SpinBox, editor)
    if _special(param) and box.value() == box.minimum():
        return AUTO if param.auto else None
    return int(box.value()) if param.kind == "int" else float(box.value())


def _write(param: Param, editor: QWidget, value: Any) -> None:
    if isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(0, editor.findData(value)))
    elif isinstance(editor, QLineEdit):
        editor.setText("" if value is None else str(value))
    elif value in (AUTO, None):
        box = cast(_SpinBox, editor)
        box.setValue(box.minimum())  # type: ignore[arg-type]  # an int box's minimum is an int
    else:
        cast(_SpinBox, editor).setValue(value)
