"""Typed, validated parameters: one description drives checking, defaults, help and editors.

The same `Param` describes a layer's settings, a dataset's options and each field of the run spec,
so the CLI, the window and the validator all read one source.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cnnstudio.core.errors import SpecError

AUTO = "auto"
# The largest whole number any setting takes unless it names its own bound: the limit of a 32-bit
# integer, which seeds, Qt's spin boxes and torch's sizes all take without overflowing.
INT_MAXIMUM = 2**31 - 1


@dataclass(frozen=True)
class Param:
    """One named setting.

    Attributes:
        name: key in the JSON document.
        kind: "int", "float", "bool", "choice" or "str".
        default: value used when the key is absent.
        help: one short sentence for tooltips and listings.
        minimum, maximum: inclusive bounds for numbers.
        above: exclusive lower bound for numbers (e.g. a learning rate must be above 0).
        choices: allowed values for "choice".
        auto: the string "auto" is also accepted (resolved later from context).
        optional: None is also accepted (the setting is off).

    An "int" without a maximum gets `INT_MAXIMUM`, so no value can overflow what uses it.
    """

    name: str
    kind: str
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    choices: tuple[Any, ...] = ()
    auto: bool = False
    optional: bool = False

    def __post_init__(self) -> None:
        if self.kind == "int" and self.maximum is None:
            object.__setattr__(self, "maximum", INT_MAXIMUM)

    def check(self, value: Any, where: str) -> Any:
        """Return `value` in canonical form, or raise SpecError naming `where` and the rule."""
        if value is None and self.optional:
            return None
        if self.auto and value == AUTO:
            return AUTO
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise self._bad(value, where, "true or false")
        if self.kind == "choice":
            # By type as well as value: in Python True == 1 and 1.0 == 1, but neither is a choice.
            if any(type(value) is type(choice) and value == choice for choice in self.choices):
                return value
            raise self._bad(value, where, "one of: " + ", ".join(map(str, self.choices)))
        if self.kind == "str":
            if isinstance(value, str) and value:
                return value
            raise self._bad(value, where, "a non-empty text")
        if self.kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                return self._in_range(value, where)
            raise self._bad(value, where, self._describe())
        if self.kind == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            # An int too large for a float (10**400) is as out of range as infinity.
            if ok and abs(value) <= sys.float_info.max and math.isfinite(value):
                return self._in_range(float(value), where)
            raise self._bad(value, where, self._describe())
        raise ValueError(f"unknown parameter kind {self.kind!r}")

    def parse(self, text: str, where: str) -> Any:
        """A value typed as text ("0.01", "true", "on", "adam", "null", "off") in this
        setting's kind, checked; SpecError naming `where` if it is not one."""
        text = text.strip()
        if self.kind in ("choice", "str") or (self.auto and text == AUTO):
            value: Any = next((c for c in self.choices if str(c) == text), text)
        elif self.kind == "bool" and text.lower() in ("on", "off"):  # as people say it
            value = text.lower() == "on"
        elif self.optional and text.lower() == "off":
            value = None
        else:
            try:
                value = json.loads(text.lower() if self.kind == "bool" else text)
            except ValueError:
                value = text
        return self.check(value, where)

    def _in_range(self, value: float, where: str) -> Any:
        too_low = (self.minimum is not None and value < self.minimum) or (
            self.above is not None and value <= self.above
        )
        too_high = self.maximum is not None and value > self.maximum
        if too_low or too_high:
            raise self._bad(value, where, self._describe())
        return value

    def _describe(self) -> str:
        noun = "an integer" if self.kind == "int" else "a number"
        bounds = []
        if self.above is not None:
            bounds.append(f"> {_fmt(self.above)}")
        if self.minimum is not None:
            bounds.append(f">= {_fmt(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"<= {_fmt(self.maximum)}")
        text = noun + (" " + " and ".join(bounds) if bounds else "")
        if self.auto:
            text += ', or "auto"'
        if self.optional:
            text += ", or null (off)"
        return text

    def _bad(self, value: Any, where: str, expected: str) -> SpecError:
        return SpecError(f"{where}: expected {expected}; got {show_value(value)}")


def check_params(
    params: tuple[Param, ...], values: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """Validate a mapping against `params`: unknown keys are errors, absent keys take defaults."""
    if not isinstance(values, Mapping):
        raise SpecError(f"{where}: expected an object with fields; got {show_value(values)}")
    known = {p.name: p for p in params}
    unknown = [key for key in values if key not in known]
    if unknown:
        allowed = ", ".join(known) if known else "(none)"
        raise SpecError(f"{where}: unknown field {unknown[0]!r}; allowed fields: {allowed}")
    return {
        p.name: p.check(values[p.name], f"{where}.{p.name}") if p.name in values else p.default
        for p in params
    }


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else f"{number:g}"


def show_value(value: Any) -> str:
    """The value as it would appear in the JSON file, shortened."""
    if isinstance(value, int) and abs(value) > 10**60:  # str() refuses ints over 4300 digits
        return f"a number with {int(math.log10(abs(value))) + 1} digits"
    try:
        text = json.dumps(value, default=repr)
    except (ValueError, RecursionError):  # a value nested too deeply to print
        text = repr(type(value).__name__)
    return text if len(text) <= 60 else text[:57] + "..."


def amount(count: int, noun: str) -> str:
    """ "1 epoch", "2 epochs": a count with its noun, singular or plural (nouns taking an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
