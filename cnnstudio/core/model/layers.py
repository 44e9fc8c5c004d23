"""The catalogue of layers a stack may use: each layer type defined once, with every fact about it.

Each entry is a `LayerType` (layer_type.py): settings with their bounds, a plain explanation, its
shape rule (rules.py), the PyTorch module it becomes and its name in an exported script. A layer in
a run spec is a `LayerSpec`: its catalogue name plus its setting values. `shapes.py` runs the rules
over a stack, `build.py` builds the modules and the script exporter writes them out, all from here.

Sizes are bounded by what can run on one machine (widths up to 4096 channels, kernels up to 64):
larger values only ever meant an allocation of hundreds of gigabytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnnstudio.core.errors import SpecError
from cnnstudio.core.model import rules
from cnnstudio.core.model.layer_type import LayerType
from cnnstudio.core.params import Param, check_params, show_value

MAX_WIDTH = 4096  # channels or features; the widest layers of ResNet and VGG are 2048 and 4096
MAX_KERNEL = 64  # a convolution's window; the largest in common networks is 11
MAX_POOL = 512  # a pooling window, up to the largest input size


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack: its type name and every parameter value (defaults filled in)."""

    type: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def layer_type(self) -> LayerType:
        return LAYER_TYPES[self.type]

    @property
    def title(self) -> str:
        return self.layer_type.title

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **self.params}


def make_layer(type_name: str, **params: Any) -> LayerSpec:
    """Build a validated LayerSpec, e.g. ``make_layer("conv2d", out_channels=6, kernel_size=5)``."""
    return layer_from_dict({"type": type_name, **params}, "layer")


def layer_from_dict(data: Any, where: str) -> LayerSpec:
    """Validate one layer's JSON object; `where` names it in error messages."""
    if not isinstance(data, Mapping) or "type" not in data:
        raise SpecError(f'{where}: expected an object with a "type" field; got {show_value(data)}')
    type_name = data["type"]
    if not isinstance(type_name, str) or type_name not in LAYER_TYPES:
        shown = repr(type_name) if isinstance(type_name, str) else show_value(type_name)
        raise SpecError(
            f"{where}.type: unknown layer {shown}; known layers: " + ", ".join(LAYER_TYPES)
        )
    values = {key: value for key, value in data.items() if key != "type"}
    return LayerSpec(type_name, check_params(LAYER_TYPES[type_name].params, values, where))


def _width(name: str, default: Any, help_text: str, auto: bool = False) -> Param:
    return Param(name, "int", default, help_text, minimum=1, maximum=MAX_WIDTH, auto=auto)


def _channels_in() -> Param:
    return _width("in_channels", "auto", "Channels coming in; auto follows the layer before.", True)


def _pool_params() -> tuple[Param, ...]:
    return (
        Param("kernel_size", "int", 2, "Size of the square window.", minimum=1, maximum=MAX_POOL),
        Param(
            "stride",
            "int",
            "auto",
            "Step between windows; auto equals the window size.",
            minimum=1,
            maximum=MAX_POOL,
            auto=True,
        ),
        Param(
            "padding", "int", 0, "Zeros added around the border.", minimum=0, maximum=MAX_POOL // 2
        ),
    )


def _dropout_rate(default: float, help_text: str) -> tuple[Param, ...]:
    return (Param("p", "float", default, help_text, minimum=0.0, maximum=0.99),)


def _activation(
    name: str,
    title: str,
    description: str,
    explanation: str,
    *params: Param,
    member: str = "",
) -> LayerType:
    """An element-wise torch.nn activation whose class is named as its title."""
    arguments = tuple(p.name for p in params)
    return LayerType(
        name,
        title,
        "activation",
        description,
        rules.same_shape,
        title,
        params,
        arguments,
        member,
        explanation=explanation,
    )


_CATALOGUE = (
    LayerType(
        "conv2d",
        "Conv2d",
        "convolution",
        "Slides small learned filters over the image to detect local patterns such as edges "
        "and textures.",
        rules.conv,
        "Conv2d",
        (
            _channels_in(),
            _width("out_channels", 16, "Number of filters, i.e. feature maps produced."),
            Param(
                "kernel_size",
                "int",
                3,
                "Size of each square filter in pixels.",
                minimum=1,
                maximum=MAX_KERNEL,
            ),
            Param(
                "stride",
                "int",
                1,
                "Step between filter positions; 2 halves the size.",
                minimum=1,
                maximum=MAX_KERNEL,
            ),
            Param(
                "padding",
                "int",
                0,
                "Zeros added around the border; kernel_size // 2 keeps the size.",
                minimum=0,
                maximum=MAX_KERNEL,
            ),
        ),
        ("in_channels", "out_channels", "kernel_size", "stride", "padding"),
        member="conv",
        explanation="{kernel_size}x{kernel_size} convolution: {out_channels} filters slide over "
        "the image; each map lights up where its filter's pattern appears.",
    ),
    LayerType(
        "batchnorm2d",
        "BatchNorm2d",
        "normalisation",
        "Rescales each feature map to a steady mean and spread, which makes training faster "
        "and more stable.",
        rules.batchnorm,
        "BatchNorm2d",
        arguments=("num_features",),
        member="bn",
        explanation="Batch norm: each of the {channels} maps is rescaled to a steady mean and "
        "spread; the patterns stay where they were.",
    ),
    _activation(
        "relu",
        "ReLU",
        "Keeps positive values and sets negative ones to zero, letting "
        "the network learn non-linear patterns.",
        "ReLU: negative values become zero, so only the places where a pattern was found stay lit.",
    ),
    _activation(
        "leaky_relu",
        "LeakyReLU",
        "Like ReLU, but lets a small fraction of negative values through so no unit goes silent.",
        "Leaky ReLU: negative values shrink to {negative_slope} of their size; positive ones pass "
        "unchanged.",
        Param(
            "negative_slope",
            "float",
            0.01,
            "Fraction of negative values let through.",
            minimum=0.0,
            maximum=1.0,
        ),
        member="lrelu",
    ),
    _activation(
        "gelu",
        "GELU",
        "A smooth version of ReLU used in many modern networks.",
        "GELU: a smooth ReLU; negative values are squashed towards zero.",
    ),
    _activation(
        "silu",
        "SiLU",
        "A smooth activation (x times sigmoid of x), also called Swish.",
        "SiLU: a smooth ReLU; negative values are squashed towards zero.",
    ),
    _activation(
        "tanh",
        "Tanh",
        "Squashes values into the range -1 to 1, as in the classic LeNet.",
        "Tanh: every value is squashed into the range -1 to 1.",
    ),
    _activation(
        "sigmoid",
        "Sigmoid",
        "Squashes values into the range 0 to 1.",
        "Sigmoid: every value is squashed into the range 0 to 1.",
    ),
    LayerType(
        "maxpool2d",
        "MaxPool2d",
        "pooling",
        "Keeps the strongest response in each small window, shrinking the image and adding "
        "tolerance to small shifts.",
        rules.pool,
        "MaxPool2d",
        _pool_params(),
        ("kernel_size", "stride", "padding"),
        member="pool",
        explanation="{kernel_size}x{kernel_size} max pooling: each map keeps the strongest value "
        "of every window, {size_in} -> {size_out} pixels, so a pattern may shift a little.",
    ),
    LayerType(
        "avgpool2d",
        "AvgPool2d",
        "pooling",
        "Averages each small window, shrinking the image smoothly.",
        rules.pool,
        "AvgPool2d",
        _pool_params(),
        ("kernel_size", "stride", "padding"),
        member="avgpool",
        explanation="{kernel_size}x{kernel_size} average pooling: each map is smoothed and "
        "shrunk, {size_in} -> {size_out} pixels.",
    ),
    LayerType(
        "global_avg_pool",
        "Global average pooling",
        "pooling",
        "Averages each whole feature map into one number, giving a flat vector of one value "
        "per channel.",
        rules.global_pool,
        "GlobalAvgPool",
        member="gap",
        explanation="Global average pooling: each of the {channels} maps becomes one number, how "
        "strongly its pattern appears anywhere in the image.",
    ),
    LayerType(
        "dropout",
        "Dropout",
        "regularisation",
        "Randomly switches off some values during training so the network cannot rely on any "
        "single one.",
        rules.same_shape,
        "Dropout",
        _dropout_rate(0.5, "Fraction of values dropped in training."),
        ("p",),
        explanation="Dropout: while training, {percent}% of the values are switched off at "
        "random; when predicting (as here) every value is kept.",
    ),
    LayerType(
        "dropout2d",
        "Dropout2d",
        "regularisation",
        "Randomly switches off whole feature maps during training, a dropout suited to "
        "convolutions.",
        rules.same_map,
        "Dropout2d",
        _dropout_rate(0.25, "Fraction of feature maps dropped in training."),
        ("p",),
        explanation="Dropout2d: while training, {percent}% of the maps are switched off at "
        "random; when predicting (as here) every map is kept.",
    ),
    LayerType(
        "flatten",
        "Flatten",
        "reshape",
        "Unrolls the feature maps into one long vector so fully connected layers can use them.",
        rules.flatten,
        "Flatten",
        explanation="Flatten: the maps are unrolled into one list of {features} numbers; nothing "
        "is computed.",
    ),
    LayerType(
        "linear",
        "Linear",
        "dense",
        "A fully connected layer: every output is a learned weighted sum of all inputs.",
        rules.linear,
        "Linear",
        (
            # Any size: it must equal what the layers before produce, which the rule checks.
            Param(
                "in_features",
                "int",
                "auto",
                "Inputs; auto is worked out from the stack.",
                minimum=1,
                auto=True,
            ),
            Param(
                "out_features",
                "int",
                "auto",
                "Outputs; auto on the last layer means one per class.",
                minimum=1,
                maximum=16 * MAX_WIDTH,
                auto=True,
            ),
        ),
        ("in_features", "out_features"),
        member="fc",
        explanation="Fully connected: each of the {out_features} outputs is a learned weighted "
        "sum of all {in_features} inputs.",
    ),
    LayerType(
        "residual",
        "Residual block",
        "block",
        "Two 3x3 convolutions with batch norm whose result is added to the block's input, "
        "which lets deep networks train well (ResNet).",
        rules.residual,
        "ResidualBlock",
        (
            _channels_in(),
            _width("out_channels", 16, "Feature maps produced."),
            Param("stride", "int", 1, "2 halves the image size.", minimum=1, maximum=2),
        ),
        ("in_channels", "out_channels", "stride"),
        member="block",
        kept_maps=8,  # conv, norm and activation twice, the shortcut and the sum
        explanation="Residual block: two 3x3 convolutions make {out_channels} maps that are "
        "added to the block's input, so the block only learns a correction to it.",
    ),
)

LAYER_TYPES: dict[str, LayerType] = {layer.name: layer for layer in _CATALOGUE}


def member_names(layers: Sequence[LayerSpec]) -> list[str]:
    """Each layer's name as the exported script calls it: conv1, relu1, pool1, conv2, ..."""
    counts: dict[str, int] = {}
    names = []
    for layer in layers:
        stem = layer.layer_type.member
        counts[stem] = counts.get(stem, 0) + 1
        names.append(f"{stem}{counts[stem]}")
    return names
