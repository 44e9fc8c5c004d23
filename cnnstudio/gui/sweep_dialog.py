"""Run > Sweep...: one run for every combination of the values of one or two settings.

A person picks a setting (lr, optimizer, batch size, a preset, an augmentation...), types its
values separated by commas, optionally a second setting, and sees the runs this makes as they
type, or what is wrong in plain words. "Add N runs to queue" hands them to the run queue.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.errors import SpecError
from cnnstudio.core.model.presets import PRESETS, matching_preset
from cnnstudio.core.params import amount
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import (
    ALIASES,
    PRESET,
    Variant,
    grid,
    parse_vary,
    setting_param,
    setting_value,
    short_name,
    show_setting,
)

MOST_RUNS = 24  # a sweep of more runs is refused: try fewer values
NONE = "(none)"
SETTINGS = (*ALIASES.values(), PRESET, "seed")


class VariantPicker(QWidget):
    """One or two settings, each with its values typed comma-separated, and the variants of
    `spec` they make (every combination, at most `most`), listed live."""

    changed = Signal()

    def __init__(self, spec: RunSpec, most: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec, self.most = spec, most
        self.variants: list[Variant] = []
        self.problem: str | None = None
        self.settings = [QComboBox(), QComboBox()]
        self.values = [QLineEdit(), QLineEdit()]
        rows = QGridLayout()
        for row, (combo, values) in enumerate(zip(self.settings, self.values, strict=True)):
            if row:
                combo.addItem(NONE, None)
            for path in SETTINGS:
                combo.addItem(short_name(path), path)
                param = setting_param(path)
                tip = param.help if param else f"A ready-made network: {', '.join(PRESETS)}"
                combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            values.setPlaceholderText("values, separated by commas")
            rows.addWidget(QLabel("Vary" if row == 0 else "and"), row, 0)
            rows.addWidget(combo, row, 1)
            rows.addWidget(values, row, 2)
            combo.currentIndexChanged.connect(lambda _i, r=row: self._on_setting_chosen(r))
            values.textChanged.connect(self._update)
        rows.setColumnStretch(2, 1)
        self.count = QLabel()
        self.runs = QListWidget()
        self.error = warning_label()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(rows)
        column.addWidget(self.count)
        column.addWidget(self.runs, 1)
        column.addWidget(self.error)
        for row in (0, 1):
            self._on_setting_chosen(row)

    def _on_setting_chosen(self, row: int) -> None:
        """Show the chosen setting's value now, to type the others beside it."""
        path = self.settings[row].currentData()
        self.values[row].setEnabled(path is not None)
        self.values[row].setText("" if path is None else self._current_value(path))
        self._update()

    def _current_value(self, path: str) -> str:
        if path == PRESET:
            return matching_preset(self.spec.layers) or ""
        return show_setting(setting_value(self.spec, path))

    def _update(self) -> None:
        try:
            self.variants, self.problem = grid(self.spec, self._varies(), self.most), None
        except SpecError as error:
            self.variants, self.problem = [], str(error)
        self.count.setText(
            f"{amount(len(self.variants), 'run')}:" if self.variants else "No runs yet."
        )
        self.runs.clear()
        self.runs.addItems([variant.label for variant in self.variants])
        self.error.setText(self.problem or "")
        self.changed.emit()

    def _varies(self) -> list:
        varies = []
        for combo, edit in zip(self.settings, self.values, strict=True):
            path = combo.currentData()
            if path is None:
                continue
            values = [value for value in edit.text().split(",") if value.strip()]
            if not values:
                raise SpecError(f"Type the values of {combo.currentText()}, separated by commas.")
            varies.append(parse_vary(f"{path}={','.join(values)}"))
        return varies


def warning_label() -> QLabel:
    """A dark red, wrapping line for what is wrong."""
    label = QLabel()
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
    label.setPalette(palette)
    return label


class VariantsDialog(QDialog):
    """A few words, a VariantPicker, what is wrong, and the button that takes the variants
    (`variants` once accepted): the sweep's and the race's dialogs.

    `refusal` says why a variant may not run (an open lesson locks what it changes), or None;
    a dialog adds its own rules in `problem_with` and names its button in `accept_text`."""

    def __init__(
        self,
        spec: RunSpec,
        refusal: Callable[[RunSpec], str | None],
        most: int,
        intro: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.refusal = refusal
        words = QLabel(intro)
        words.setWordWrap(True)
        self.picker = VariantPicker(spec, most)
        self.problem = warning_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.accept_button = QPushButton()
        buttons.addButton(self.accept_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(words)
        column.addWidget(self.picker, 1)
        column.addWidget(self.problem)
        column.addWidget(buttons)
        self.picker.changed.connect(self._update)
        self._update()
        self.resize(520, 420)

    @property
    def variants(self) -> list[Variant]:
        return self.picker.variants

    def problem_with(self, variants: list[Variant]) -> str | None:
        """Why these variants may not run, in words; None when they may."""
        return next(filter(None, (self.refusal(variant.spec) for variant in variants)), None)

    def accept_text(self, count: int) -> str:
        raise NotImplementedError

    def _update(self) -> None:
        variants = self.picker.variants
        problem = None if self.picker.problem else self.problem_with(variants)
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        self.accept_button.setText(self.accept_text(len(variants)))
        self.accept_button.setEnabled(
            bool(variants) and self.picker.problem is None and problem is None
        )


class SweepDialog(VariantsDialog):
    """Choose the runs of a sweep over the settings of `spec`, for the queue."""

    def __init__(
        self,
        spec: RunSpec,
        refusal: Callable[[RunSpec], str | None],
        parent: QWidget | None = None,
    ) -> None:
        intro = (
            "One run for every combination of the values, each added to the queue and trained "
            f"one after another. At most {MOST_RUNS} runs."
        )
        super().__init__(spec, refusal, MOST_RUNS, intro, parent)
        self.setWindowTitle("Sweep")

    def accept_text(self, count: int) -> str:
        return f"Add {amount(count, 'run')} to queue"
