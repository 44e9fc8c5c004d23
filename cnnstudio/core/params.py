"""Typed, validated parameters: one description drives checking, defaults, help and editors.

The same `Param` describes a layer's settings, a dataset's options and each field of the run spec,
so the CLI, the window and the validator all read one source.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cnnstudio.core.errors import SpecError

AUTO = "auto"


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

    def check(self, value: Any, where: str) -> Any:
        """Return `value` in canonical form, or raise SpecError naming `where` and the rule."""
        if value is None and self.optional:
            return None
        if value == AUTO and self.auto:
            return AUTO
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise self._bad(value, where, "true or false")
        if self.kind == "choice":
            if value in self.choices:
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
            if ok and math.isfinite(value):
                return self._in_range(float(value), where)
            raise self._bad(value, where, self._describe())
        raise ValueError(f"unknown parameter kind {self.kind!r}")

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
        return SpecError(f"{where}: expected {expected}; got {_show(value)}")


def check_params(
    params: tuple[Param, ...], values: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """Validate a mapping against `params`: unknown keys are errors, absent keys take defaults."""
    if not isinstance(values, Mapping):
        raise SpecError(f"{where}: expected an object with fields; got {_show(values)}")
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
    return f"{number:g}"


def _show(value: Any) -> str:
    """The value as it would appear in the JSON file, shortened."""
    text = json.dumps(value, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."
