"""Shape inference by formula: output shape, parameters and multiply-adds per layer, no torch.

It runs on every keystroke in the window, so it must be cheap and must not touch torch (torch work
on the GUI thread slows training; see DESIGN.md). `model.py` builds modules from the concrete values
resolved here, so the stack that is checked is the stack that is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cnnstudio.core.errors import StackError
from cnnstudio.core.model.layers import LayerSpec
from cnnstudio.core.params import AUTO

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerReport:
    """What one layer does to its input."""

    index: int
    layer: LayerSpec
    input_shape: Shape
    output_shape: Shape
    params: int
    macs: int
    resolved: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StackReport:
    """Per-layer reports up to the first impossible layer, and that layer's error if any."""

    input_shape: Shape
    rows: tuple[LayerReport, ...]
    error: StackError | None

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def total_macs(self) -> int:
        return sum(row.macs for row in self.rows)

    @property
    def output_shape(self) -> Shape:
        return self.rows[-1].output_shape if self.rows else self.input_shape

    def raise_if_invalid(self) -> StackReport:
        if self.error is not None:
            raise self.error
        return self


def format_shape(shape: Shape) -> str:
    return "x".join(str(n) for n in shape)


def analyse_stack(layers: Sequence[LayerSpec], input_shape: Shape, num_classes: int) -> StackReport:
    """Work out every layer's output for an input of `input_shape` (channels, height, width).

    The last Linear layer may have out_features "auto", meaning `num_classes`; the stack must end
    with one value per class.
    """
    rows: list[LayerReport] = []
    shape = tuple(input_shape)
    last_linear = max((i for i, layer in enumerate(layers) if layer.type == "linear"), default=-1)
    for index, layer in enumerate(layers):
        try:
            out, params, macs, resolved = _RULES[layer.type](
                layer, shape, num_classes if index == last_linear else None
            )
        except _Impossible as problem:
            return StackReport(
                input_shape, tuple(rows), StackError(index, layer.title, str(problem))
            )
        rows.append(LayerReport(index, layer, shape, out, params, macs, resolved))
        shape = out
    return StackReport(input_shape, tuple(rows), _check_ending(layers, shape, num_classes))


class _Impossible(Exception):
    """Raised by a rule with the plain reason a layer cannot take its input."""


def _check_ending(layers: Sequence[LayerSpec], shape: Shape, num_classes: int) -> StackError | None:
    if not layers:
        return StackError(None, "", "it is empty; add layers or pick a preset.")
    last = len(layers) - 1
    if len(shape) != 1:
        return StackError(
            last,
            layers[last].title,
            f"the network ends with a {format_shape(shape)} feature map, but it must end with one "
            f"value per class ({num_classes}); finish with Flatten (or global average pooling) and "
            "a Linear layer with out_features auto.",
        )
    if shape[0] != num_classes:
        return StackError(
            last,
            layers[last].title,
            f"the network ends with {shape[0]} values, but the dataset has {num_classes} classes; "
            f"set the last Linear layer's out_features to auto (or {num_classes}).",
        )
    return None


def _needs_map(layer: LayerSpec, shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise _Impossible(
            f"{layer.title} needs an image-shaped input (channels x height x width) but gets a "
            f"flat vector of {shape[0]} values; move it before Flatten."
        )
    return shape  # type: ignore[return-value]


def _in_channels(layer: LayerSpec, channels: int) -> int:
    wanted = layer.params["in_channels"]
    if wanted not in (AUTO, channels):
        raise _Impossible(
            f"in_channels is {wanted} but the layer before produces {channels} channels; set it "
            f'to "auto" or {channels}.'
        )
    return channels


def _window_output(layer: LayerSpec, size: int, kernel: int, stride: int, padding: int) -> int:
    if size + 2 * padding < kernel:
        where = f"the {size}x{size} input" + (f" (with padding {padding})" if padding else "")
        raise _Impossible(
            f"its {kernel}x{kernel} window is larger than {where}; use a smaller kernel, add "
            "padding, or remove a pooling layer before it."
        )
    return (size + 2 * padding - kernel) // stride + 1


def _conv(layer: LayerSpec, shape: Shape, _classes: int | None):
    channels, height, width = _needs_map(layer, shape)
    p = layer.params
    c_in = _in_channels(layer, channels)
    k, s, pad = p["kernel_size"], p["stride"], p["padding"]
    out_h = _window_output(layer, height, k, s, pad)
    out_w = _window_output(layer, width, k, s, pad)
    c_out = p["out_channels"]
    params = c_out * c_in * k * k + c_out
    macs = c_out * out_h * out_w * c_in * k * k
    return (c_out, out_h, out_w), params, macs, {"in_channels": c_in}


def _pool(layer: LayerSpec, shape: Shape, _classes: int | None):
    channels, height, width = _needs_map(layer, shape)
    p = layer.params
    k, pad = p["kernel_size"], p["padding"]
    stride = k if p["stride"] == AUTO else p["stride"]
    if pad > k // 2:
        raise _Impossible(
            f"padding {pad} is more than half the window size {k}; use at most {k // 2}."
        )
    out_h = _window_output(layer, height, k, stride, pad)
    out_w = _window_output(layer, width, k, stride, pad)
    return (channels, out_h, out_w), 0, 0, {"stride": stride}


def _batchnorm(layer: LayerSpec, shape: Shape, _classes: int | None):
    channels = _needs_map(layer, shape)[0]
    return shape, 2 * channels, 0, {"num_features": channels}


def _same_shape(layer: LayerSpec, shape: Shape, _classes: int | None):
    return shape, 0, 0, {}


def _same_map(layer: LayerSpec, shape: Shape, _classes: int | None):
    _needs_map(layer, shape)
    return shape, 0, 0, {}


def _global_pool(layer: LayerSpec, shape: Shape, _classes: int | None):
    return (_needs_map(layer, shape)[0],), 0, 0, {}


def _flatten(layer: LayerSpec, shape: Shape, _classes: int | None):
    size = 1
    for n in shape:
        size *= n
    return (size,), 0, 0, {}


def _linear(layer: LayerSpec, shape: Shape, num_classes: int | None):
    p = layer.params
    if len(shape) != 1:
        raise _Impossible(
            f"Linear needs a flat vector but gets a {format_shape(shape)} feature map; add a "
            "Flatten (or global average pooling) layer before it."
        )
    if p["in_features"] not in (AUTO, shape[0]):
        raise _Impossible(
            f"in_features is {p['in_features']} but the layer before produces {shape[0]} values; "
            f'set it to "auto" or {shape[0]}.'
        )
    out = p["out_features"]
    if out == AUTO:
        if num_classes is None:
            raise _Impossible(
                'out_features "auto" means one output per class and is only allowed on the last '
                "Linear layer; give this one a number."
            )
        out = num_classes
    return (
        (out,),
        shape[0] * out + out,
        shape[0] * out,
        {"in_features": shape[0], "out_features": out},
    )


def _residual(layer: LayerSpec, shape: Shape, _classes: int | None):
    channels, height, width = _needs_map(layer, shape)
    c_in = _in_channels(layer, channels)
    c_out, stride = layer.params["out_channels"], layer.params["stride"]
    out_h, out_w = (height - 1) // stride + 1, (width - 1) // stride + 1
    pixels = out_h * out_w
    params = c_in * c_out * 9 + c_out * c_out * 9 + 4 * c_out
    macs = pixels * c_out * 9 * (c_in + c_out)
    if stride != 1 or c_in != c_out:  # a 1x1 projection makes the shortcut match
        params += c_in * c_out + 2 * c_out
        macs += pixels * c_out * c_in
    return (c_out, out_h, out_w), params, macs, {"in_channels": c_in}


_Rule = Callable[[LayerSpec, Shape, "int | None"], tuple[Shape, int, int, dict[str, int]]]
_RULES: dict[str, _Rule] = {
    "conv2d": _conv,
    "batchnorm2d": _batchnorm,
    "relu": _same_shape,
    "leaky_relu": _same_shape,
    "gelu": _same_shape,
    "silu": _same_shape,
    "tanh": _same_shape,
    "sigmoid": _same_shape,
    "maxpool2d": _pool,
    "avgpool2d": _pool,
    "global_avg_pool": _global_pool,
    "dropout": _same_shape,
    "dropout2d": _same_map,
    "flatten": _flatten,
    "linear": _linear,
    "residual": _residual,
}
