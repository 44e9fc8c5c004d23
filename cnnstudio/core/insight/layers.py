"""The layer stack as the Inside view shows it: names, shapes, receptive fields and what each
layer did, all by formula (no torch, so it is safe on the window's thread)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.model.layers import LayerSpec, member_names
from cnnstudio.core.model.shapes import LayerReport, Shape, analyse_stack, format_shape

# Layers whose output maps Grad-CAM can explain: they combine neighbouring pixels.
SPATIAL_KINDS = ("conv2d", "residual", "maxpool2d", "avgpool2d", "batchnorm2d")
CONV_KINDS = ("conv2d", "residual")


@dataclass(frozen=True)
class LayerView:
    """One layer of a stack, described for people."""

    index: int  # position in the stack, and in the built nn.Sequential
    name: str  # the exported script's member name: conv1, relu1, pool1, fc1
    title: str
    kind: str  # the layer type's name in a run spec
    input_shape: Shape
    output_shape: Shape
    params: int
    macs: int
    receptive_field: int  # input pixels along a side that one output value sees
    explanation: str
    has_filters: bool  # a Conv2d: its weights can be drawn as filters

    @property
    def label(self) -> str:
        """ "3 conv2" style: the number people count by and the name the script uses."""
        return f"{self.index + 1} {self.name}"

    @property
    def is_map(self) -> bool:
        return len(self.output_shape) == 3


def describe_layers(
    layers: Sequence[LayerSpec], input_shape: Shape, num_classes: int
) -> list[LayerView]:
    """Every layer of a stack that works; raises the stack's StackError if it does not."""
    report = analyse_stack(layers, input_shape, num_classes).raise_if_invalid()
    side = max(input_shape[1:]) if len(input_shape) == 3 else 1
    names = member_names(layers)
    views, field, jump = [], 1, 1
    for row, name in zip(report.rows, names, strict=True):
        field += (row.window - 1) * jump
        jump *= row.stride
        if len(row.output_shape) != 3:  # a flat output: every value has seen the whole image
            field = side
        views.append(
            LayerView(
                index=row.index,
                name=name,
                title=row.layer.title,
                kind=row.layer.type,
                input_shape=row.input_shape,
                output_shape=row.output_shape,
                params=row.params,
                macs=row.macs,
                receptive_field=min(field, side),
                explanation=_explanation(row),
                has_filters=row.layer.type == "conv2d",
            )
        )
    return views


def default_cam_layer(views: Sequence[LayerView]) -> int | None:
    """The layer Grad-CAM explains by default: the last convolution whose maps are larger than one
    pixel (deep enough to know what it sees, still showing where); else any such spatial layer."""
    for kinds in (CONV_KINDS, SPATIAL_KINDS):
        candidates = [v.index for v in views if v.kind in kinds and prod(v.output_shape[1:]) > 1]
        if candidates:
            return candidates[-1]
    return None


def find_layer(views: Sequence[LayerView], wanted: str) -> LayerView:
    """A layer by name ("conv2") or 1-based number ("3"); the error names the choices."""
    text = wanted.strip()
    for view in views:
        if text.lower() == view.name or text == str(view.index + 1):
            return view
    choices = ", ".join(view.label for view in views)
    raise CnnstudioError(f"no layer {wanted!r} in this network; its layers are: {choices}")


def cam_layer_problem(view: LayerView) -> str | None:
    """Why Grad-CAM cannot explain this layer, or None if it can."""
    if not view.is_map:
        return f"{view.label} has a flat output; Grad-CAM needs a layer with feature maps"
    if prod(view.output_shape[1:]) < 2:
        return f"{view.label}'s maps are 1x1, so they cannot show where the network looks"
    return None


def _explanation(row: LayerReport) -> str:
    """The catalogue's template for the layer type, filled with this layer's numbers."""
    template = row.layer.layer_type.explanation or row.layer.layer_type.description
    values = {
        **row.layer.params,
        **row.resolved,
        "channels": row.input_shape[0],
        "size_in": format_shape(row.input_shape[1:]),
        "size_out": format_shape(row.output_shape[1:]),
        "features": prod(row.output_shape),
        "percent": round(100 * float(row.layer.params.get("p", 0))),
    }
    return template.format(**values)
