"""Run > Race variants...: pick one or two settings, type the values to try, see the variants.

The settings and values are picked as for a sweep (VariantPicker); Start is enabled only for two
to six variants, none of which changes what an open lesson locks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from cnnstudio.core.runs.ranking import MOST_VARIANTS
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import Variant
from cnnstudio.gui.sweep_dialog import VariantPicker

INTRO = (
    "Train 2 to 6 variants side by side: the same starting weights, the same batches in the "
    "same order, one batch each in turn. Pick a setting (or two) and type the values to try, "
    "separated by commas."
)


class RaceDialog(QDialog):
    """The race to start: `variants` once accepted.

    `refusal` says why a variant may not run (an open lesson locks what it changes), or None."""

    def __init__(
        self,
        spec: RunSpec,
        refusal: Callable[[RunSpec], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.refusal = refusal
        self.setWindowTitle("Race variants")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.picker = VariantPicker(spec, MOST_VARIANTS)
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
        column.addWidget(self.picker, 1)
        column.addWidget(self.problem)
        column.addWidget(buttons)
        self.picker.changed.connect(self._update)
        self._update()
        self.resize(520, 400)

    @property
    def variants(self) -> list[Variant]:
        return self.picker.variants

    def _update(self) -> None:
        problem = None if self.picker.problem else self._race_problem()
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        self.start_button.setEnabled(self.picker.problem is None and problem is None)

    def _race_problem(self) -> str | None:
        """Why these variants cannot race, in words; None when they can."""
        if len(self.variants) < 2:
            return "A race needs two variants or more: type another value after a comma."
        return next(filter(None, (self.refusal(variant.spec) for variant in self.variants)), None)
