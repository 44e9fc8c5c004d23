"""Run > Race variants...: pick one or two settings, type the values to try, see the variants.

The variants are listed as they are typed, each checked as a run would be (the spec's values,
and whether the layer stack fits the input), and Start is enabled only for 2 to 6 good ones.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
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

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.ranking import MOST_VARIANTS
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import (
    ALIASES,
    PRESET,
    Variant,
    grid,
    parse_vary,
    setting_value,
    short_name,
    show_setting,
)
from cnnstudio.core.training.prepare import check_stack

NO_SETTING = "(none)"
# Settings that change whether the layer stack fits (its shapes, its memory); any other keeps
# the window's own stack, which Train already checks.
STACK_SETTINGS = (PRESET, ALIASES["batch_size"])
INTRO = (
    "Train 2 to 6 variants side by side: the same starting weights, the same batches in the "
    "same order, one batch each in turn. Pick a setting (or two) and type the values to try, "
    "separated by commas."
)


class RaceDialog(QDialog):
    """The race to start: `variants` once accepted."""

    def __init__(self, spec: RunSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Race variants")
        self.spec = spec
        self.variants: list[Variant] = []
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.settings = [self._setting_box(first) for first in (True, False)]
        self.values = [QLineEdit() for _ in self.settings]
        grid_layout = QGridLayout()
        for row, (box, values) in enumerate(zip(self.settings, self.values, strict=True)):
            grid_layout.addWidget(QLabel(f"Setting {row + 1}:"), row, 0)
            grid_layout.addWidget(box, row, 1)
            grid_layout.addWidget(values, row, 2)
            values.setPlaceholderText("values, e.g. 0.01, 0.001")
        grid_layout.setColumnStretch(2, 1)
        self.listing = QListWidget()
        self.listing.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        palette = self.problem.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
        self.problem.setPalette(palette)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = QPushButton("Start race")
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(grid_layout)
        column.addWidget(QLabel("Variants:"))
        column.addWidget(self.listing, 1)
        column.addWidget(self.problem)
        column.addWidget(buttons)
        for index, box in enumerate(self.settings):
            box.currentIndexChanged.connect(lambda _i, index=index: self._on_setting_chosen(index))
        for values in self.values:
            values.textChanged.connect(self._show_variants)
        self._on_setting_chosen(0)
        self._on_setting_chosen(1)
        self.resize(520, 400)

    def _setting_box(self, first: bool) -> QComboBox:
        box = QComboBox()
        if not first:
            box.addItem(NO_SETTING, None)
        for path in [*ALIASES.values(), PRESET]:
            box.addItem(short_name(path), path)
        if first:
            box.setCurrentIndex(box.findData(ALIASES["lr"]))
        return box

    def _on_setting_chosen(self, index: int) -> None:
        """The values start as the setting's current value, to type the others beside it."""
        path = self.settings[index].currentData()
        values = self.values[index]
        values.setEnabled(path is not None)
        values.setText("" if path is None else show_setting(setting_value(self.spec, path)))
        self._show_variants()

    def _show_variants(self) -> None:
        self.variants, problem = self._read_variants()
        self.listing.clear()
        self.listing.addItems([variant.label for variant in self.variants])
        if problem is None and len(self.variants) < 2:
            problem = "A race needs two variants or more: type another value after a comma."
        self.problem.setText(problem or f"{len(self.variants)} runs, trained side by side.")
        self.start_button.setEnabled(problem is None)

    def _read_variants(self) -> tuple[list[Variant], str | None]:
        """The variants typed so far, or none and what is wrong, in words."""
        varies = []
        try:
            for box, values in zip(self.settings, self.values, strict=True):
                path = box.currentData()
                if path is None:
                    continue
                typed = [value for value in values.text().split(",") if value.strip()]
                if not typed:
                    return [], f"Type the values of {short_name(path)}, separated by commas."
                varies.append(parse_vary(f"{path}={','.join(typed)}"))
            variants = grid(self.spec, varies, most=MOST_VARIANTS)
            if any(vary.path in STACK_SETTINGS for vary in varies):
                for variant in variants:
                    _check_stack(variant)
        except CnnstudioError as error:
            return [], str(error)
        return variants, None


def _check_stack(variant: Variant) -> None:
    try:
        check_stack(variant.spec)
    except CnnstudioError as error:
        raise CnnstudioError(f"{variant.label}: {error}") from None
