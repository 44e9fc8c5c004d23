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
        self.error = QLabel()
        self.error.setWordWrap(True)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
        self.error.setPalette(palette)
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
        self.count.setText(f"{len(self.variants)} run(s):" if self.variants else "No runs yet.")
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


class SweepDialog(QDialog):
    """Choose the runs of a sweep over the settings of `spec`; `variants` once accepted.

    `refusal` says why a variant may not run (an open lesson locks what it changes), or None."""

    def __init__(
        self,
        spec: RunSpec,
        refusal: Callable[[RunSpec], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep")
        self.picker = VariantPicker(spec, MOST_RUNS)
        self.refusal = refusal
        explain = QLabel(
            "One run for every combination of the values, each added to the queue and trained "
            f"one after another. At most {MOST_RUNS} runs."
        )
        explain.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = QPushButton()
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(explain)
        column.addWidget(self.picker, 1)
        column.addWidget(buttons)
        self.picker.changed.connect(self._update)
        self._update()
        self.resize(480, 420)

    @property
    def variants(self) -> list[Variant]:
        return self.picker.variants

    def _update(self) -> None:
        variants = self.picker.variants
        refused = next(filter(None, (self.refusal(variant.spec) for variant in variants)), None)
        if refused:
            self.picker.error.setText(refused)
        count = len(variants)
        runs = "1 run" if count == 1 else f"{count} runs"
        self.add_button.setText(f"Add {runs} to queue")
        self.add_button.setEnabled(count > 0 and refused is None)
