"""Run > Race variants...: pick one or two settings, type the values to try, see the variants.

The settings and values are picked as for a sweep (VariantPicker); Start is enabled only for two
to six variants, none of which changes what an open lesson locks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from cnnstudio.core.runs.ranking import MOST_VARIANTS
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import Variant
from cnnstudio.gui.sweep_dialog import VariantsDialog

INTRO = (
    "Train 2 to 6 variants side by side: the same starting weights, the same batches in the "
    "same order, one batch each in turn. Pick a setting (or two) and type the values to try, "
    "separated by commas."
)


class RaceDialog(VariantsDialog):
    """The race to start: 2 to 6 variants of `spec`."""

    def __init__(
        self,
        spec: RunSpec,
        refusal: Callable[[RunSpec], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(spec, refusal, MOST_VARIANTS, INTRO, parent)
        self.setWindowTitle("Race variants")

    def accept_text(self, count: int) -> str:
        return "Start race"

    def problem_with(self, variants: list[Variant]) -> str | None:
        if len(variants) < 2:
            return "A race needs two variants or more: type another value after a comma."
        return super().problem_with(variants)
