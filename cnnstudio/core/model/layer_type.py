"""What a kind of layer is: one definition holds every fact about it.

A `LayerType` carries its settings, its plain-words description, its shape rule (output shape,
parameters and multiply-adds by formula, no torch), the PyTorch module it becomes and the name the
script exporter gives it. The catalogue in `layers.py` lists them; shape inference, the model
builder and the script exporter only read these fields, so a new layer is one new entry there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cnnstudio.core.params import Param

Shape = tuple[int, ...]


class Impossible(Exception):
    """Raised by a shape rule with the plain reason a layer cannot take its input."""


@dataclass(frozen=True)
class LayerOutput:
    """What a shape rule works out for one layer.

    Attributes:
        shape: the output shape for one image.
        params: learned parameters.
        macs: multiply-adds per image.
        resolved: concrete values for the layer's "auto" settings and anything else its module
            needs (e.g. the input channels), by argument name.
        window: how many input positions along a side one output value reads (a 5x5 convolution:
            5), and `stride` the step between them: together they give the receptive field.
    """

    shape: Shape
    params: int = 0
    macs: int = 0
    resolved: dict[str, int] = field(default_factory=dict)
    window: int = 1
    stride: int = 1


# A shape rule: (the layer's settings, the input shape, the class count if this is the last
# Linear layer) -> its output; raises Impossible when the layer cannot take that input.
ShapeRule = Callable[[Mapping[str, Any], Shape, "int | None"], LayerOutput]


@dataclass(frozen=True)
class LayerType:
    """A kind of layer that can appear in a stack.

    Attributes:
        name: the key in a run spec (``"conv2d"``).
        title: for people (``"Conv2d"``).
        category: groups the window's "Add layer" menu.
        description: what it does, in a sentence or two.
        explanation: what it did to an image, for the Inside view: a template filled with its
            settings, resolved values and `channels`, `size_in`, `size_out`, `features`,
            `percent` (see insight/layers.py).
        params: its settings.
        rule: its shape rule.
        module: the class it becomes: a `torch.nn` name or one of build.OWN_MODULES.
        arguments: the module's positional arguments, by setting or resolved-value name.
        member: the exported script's attribute name stem (``conv`` -> ``self.conv1``).
        kept_maps: outputs of its own size it keeps for the backward pass (a residual block
            keeps several), for the memory estimate.
    """

    name: str
    title: str
    category: str
    description: str
    rule: ShapeRule
    module: str
    params: tuple[Param, ...] = ()
    arguments: tuple[str, ...] = ()
    member: str = ""
    kept_maps: int = 1
    explanation: str = ""

    def __post_init__(self) -> None:
        if not self.member:
            object.__setattr__(self, "member", self.name)

    def module_arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The module's arguments from the layer's settings merged with its resolved values."""
        return tuple(values[name] for name in self.arguments)
