"""Shape rules: each layer type's output shape, parameters and multiply-adds, by formula.

They run on every keystroke in the window, so they are plain arithmetic and never touch torch
(see docs/ARCHITECTURE.md, "Threads"). Several layer types share a rule; `layers.py` says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cnnstudio.core.model.layer_type import Impossible, LayerOutput, Shape
from cnnstudio.core.params import AUTO


def format_shape(shape: Shape) -> str:
    return "x".join(str(n) for n in shape)


def same_shape(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    """Element-wise layers (activations, dropout): the output is shaped like the input."""
    return LayerOutput(shape)


def same_map(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    """Element-wise layers that only make sense on feature maps (Dropout2d)."""
    _needs_map(shape)
    return LayerOutput(shape)


def conv(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    channels, height, width = _needs_map(shape)
    c_in = _in_channels(p, channels)
    k, s, pad = p["kernel_size"], p["stride"], p["padding"]
    out_h = _window_output(height, k, s, pad)
    out_w = _window_output(width, k, s, pad)
    c_out = p["out_channels"]
    return LayerOutput(
        (c_out, out_h, out_w),
        params=c_out * c_in * k * k + c_out,
        macs=c_out * out_h * out_w * c_in * k * k,
        resolved={"in_channels": c_in},
        window=k,
        stride=s,
    )


def pool(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    channels, height, width = _needs_map(shape)
    k, pad = p["kernel_size"], p["padding"]
    stride = k if p["stride"] == AUTO else p["stride"]
    if pad > k // 2:
        raise Impossible(
            f"padding {pad} is more than half the window size {k}; use at most {k // 2}."
        )
    out_h = _window_output(height, k, stride, pad)
    out_w = _window_output(width, k, stride, pad)
    return LayerOutput(
        (channels, out_h, out_w), resolved={"stride": stride}, window=k, stride=stride
    )


def batchnorm(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    channels = _needs_map(shape)[0]
    return LayerOutput(shape, params=2 * channels, resolved={"num_features": channels})


def global_pool(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    return LayerOutput((_needs_map(shape)[0],))


def flatten(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    size = 1
    for n in shape:
        size *= n
    return LayerOutput((size,))


def linear(p: Mapping[str, Any], shape: Shape, num_classes: int | None) -> LayerOutput:
    if len(shape) != 1:
        raise Impossible(
            f"Linear needs a flat vector but gets a {format_shape(shape)} feature map; add a "
            "Flatten (or global average pooling) layer before it."
        )
    if p["in_features"] not in (AUTO, shape[0]):
        raise Impossible(
            f"in_features is {p['in_features']} but the layer before produces {shape[0]} values; "
            f'set it to "auto" or {shape[0]}.'
        )
    out = p["out_features"]
    if out == AUTO:
        if num_classes is None:
            raise Impossible(
                'out_features "auto" means one output per class and is only allowed on the last '
                "Linear layer; give this one a number."
            )
        out = num_classes
    return LayerOutput(
        (out,),
        params=shape[0] * out + out,
        macs=shape[0] * out,
        resolved={"in_features": shape[0], "out_features": out},
    )


def residual(p: Mapping[str, Any], shape: Shape, _classes: int | None) -> LayerOutput:
    channels, height, width = _needs_map(shape)
    c_in = _in_channels(p, channels)
    c_out, stride = p["out_channels"], p["stride"]
    out_h, out_w = (height - 1) // stride + 1, (width - 1) // stride + 1
    pixels = out_h * out_w
    params = c_in * c_out * 9 + c_out * c_out * 9 + 4 * c_out
    macs = pixels * c_out * 9 * (c_in + c_out)
    if stride != 1 or c_in != c_out:  # a 1x1 projection makes the shortcut match
        params += c_in * c_out + 2 * c_out
        macs += pixels * c_out * c_in
    # Two 3x3 convolutions, the first with the stride: together one window of 3 + 2 * stride.
    return LayerOutput(
        (c_out, out_h, out_w), params, macs, {"in_channels": c_in}, 3 + 2 * stride, stride
    )


def _needs_map(shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise Impossible(
            "it needs an image-shaped input (channels x height x width) but gets a flat vector "
            f"of {shape[0]} values; move it before Flatten."
        )
    return shape[0], shape[1], shape[2]


def _in_channels(p: Mapping[str, Any], channels: int) -> int:
    wanted = p["in_channels"]
    if wanted not in (AUTO, channels):
        raise Impossible(
            f"in_channels is {wanted} but the layer before produces {channels} channels; set it "
            f'to "auto" or {channels}.'
        )
    return channels


def _window_output(size: int, kernel: int, stride: int, padding: int) -> int:
    if size + 2 * padding < kernel:
        where = f"the {size}x{size} input" + (f" (with padding {padding})" if padding else "")
        raise Impossible(
            f"its {kernel}x{kernel} window is larger than {where}; use a smaller kernel, add "
            "padding, or remove a pooling layer before it."
        )
    return (size + 2 * padding - kernel) // stride + 1
