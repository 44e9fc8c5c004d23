"""A spin box for real numbers written as people write them: 0.001, 1e-4, 0.5 — never 0.001000."""

from __future__ import annotations

import math
import re

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget

_SIGNIFICANT = 6
# Typed text on its way to a number: "", "-", "1.", "1e", "1e-".
_PARTIAL = re.compile(r"[+-]?(\d*\.?\d*)([eE][+-]?\d*)?")


class NumberBox(QDoubleSpinBox):
    """Shows the shortest form of its value and accepts scientific notation when typed."""

    RESOLUTION = 1e-12  # smallest step the box keeps; strict lower bounds sit this far above

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)  # Qt rounds values to this; the text shows only what matters

    def textFromValue(self, value: float) -> str:
        return format_number(value)

    def valueFromText(self, text: str) -> float:
        if self.specialValueText() and text == self.specialValueText():
            return self.minimum()
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int) -> tuple[QValidator.State, str, int]:
        if self.specialValueText() and text == self.specialValueText():
            return QValidator.State.Acceptable, text, position
        try:
            number = float(text)
        except ValueError:
            partial = _PARTIAL.fullmatch(text) is not None
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, position
        if not math.isfinite(number):
            return QValidator.State.Invalid, text, position
        inside = self.minimum() <= number <= self.maximum()
        state = QValidator.State.Acceptable if inside else QValidator.State.Intermediate
        return state, text, position


def format_number(value: float) -> str:
    """0.001 -> "0.001", 0.0001 -> "0.0001", 1e-05 -> "1e-5", 2.0 -> "2"."""
    text = f"{value:.{_SIGNIFICANT}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text
