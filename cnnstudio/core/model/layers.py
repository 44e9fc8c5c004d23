"""The catalogue of layers a stack may use: parameters, defaults and a plain explanation of each.

A layer in a run spec is a `LayerSpec`: its catalogue name plus its parameter values. Shapes are
worked out in `shapes.py`; the PyTorch modules are built in `model.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cnnstudio.core.errors import SpecError
from cnnstudio.core.params import Param, check_params


@dataclass(frozen=True)
class LayerType:
    """A kind of layer that can appear in a stack."""

    name: str
    title: str
    category: str
    description: str
    params: tuple[Param, ...] = ()


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack: its type name and every parameter value (defaults filled in)."""

    type: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return LAYER_TYPES[self.type].title

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **self.params}


def make_layer(type_name: str, **params: Any) -> LayerSpec:
    """Build a validated LayerSpec, e.g. ``make_layer("conv2d", out_channels=6, kernel_size=5)``."""
    return layer_from_dict({"type": type_name, **params}, "layer")


def layer_from_dict(data: Any, where: str) -> LayerSpec:
    """Validate one layer's JSON object; `where` names it in error messages."""
    if not isinstance(data, Mapping) or "type" not in data:
        raise SpecError(f'{where}: expected an object with a "type" field; got {data!r}')
    type_name = data["type"]
    if not isinstance(type_name, str) or type_name not in LAYER_TYPES:
        raise SpecError(
            f"{where}.type: unknown layer {type_name!r}; known layers: " + ", ".join(LAYER_TYPES)
        )
    values = {key: value for key, value in data.items() if key != "type"}
    return LayerSpec(type_name, check_params(LAYER_TYPES[type_name].params, values, where))


def _channels_in() -> Param:
    return Param(
        "in_channels",
        "int",
        "auto",
        "Channels coming in; auto follows the layer before.",
        minimum=1,
        auto=True,
    )


def _pool_params() -> tuple[Param, ...]:
    return (
        Param("kernel_size", "int", 2, "Size of the square window.", minimum=1),
        Param(
            "stride",
            "int",
            "auto",
            "Step between windows; auto equals the window size.",
            minimum=1,
            auto=True,
        ),
        Param("padding", "int", 0, "Zeros added around the border.", minimum=0),
    )


def _activation(name: str, title: str, description: str, *params: Param) -> LayerType:
    return LayerType(name, title, "activation", description, params)


_CATALOGUE = (
    LayerType(
        "conv2d",
        "Conv2d",
        "convolution",
        "Slides small learned filters over the image to detect local patterns such as edges "
        "and textures.",
        (
            _channels_in(),
            Param(
                "out_channels",
                "int",
                16,
                "Number of filters, i.e. feature maps produced.",
                minimum=1,
            ),
            Param("kernel_size", "int", 3, "Size of each square filter in pixels.", minimum=1),
            Param(
                "stride", "int", 1, "Step between filter positions; 2 halves the size.", minimum=1
            ),
            Param(
                "padding",
                "int",
                0,
                "Zeros added around the border; kernel_size // 2 keeps the size.",
                minimum=0,
            ),
        ),
    ),
    LayerType(
        "batchnorm2d",
        "BatchNorm2d",
        "normalisation",
        "Rescales each feature map to a steady mean and spread, which makes training faster "
        "and more stable.",
    ),
    _activation(
        "relu",
        "ReLU",
        "Keeps positive values and sets negative ones to zero, letting "
        "the network learn non-linear patterns.",
    ),
    _activation(
        "leaky_relu",
        "LeakyReLU",
        "Like ReLU, but lets a small fraction of negative values through so no unit goes silent.",
        Param(
            "negative_slope",
            "float",
            0.01,
            "Fraction of negative values let through.",
            minimum=0.0,
            maximum=1.0,
        ),
    ),
    _activation("gelu", "GELU", "A smooth version of ReLU used in many modern networks."),
    _activation("silu", "SiLU", "A smooth activation (x times sigmoid of x), also called Swish."),
    _activation("tanh", "Tanh", "Squashes values into the range -1 to 1, as in the classic LeNet."),
    _activation("sigmoid", "Sigmoid", "Squashes values into the range 0 to 1."),
    LayerType(
        "maxpool2d",
        "MaxPool2d",
        "pooling",
        "Keeps the strongest response in each small window, shrinking the image and adding "
        "tolerance to small shifts.",
        _pool_params(),
    ),
    LayerType(
        "avgpool2d",
        "AvgPool2d",
        "pooling",
        "Averages each small window, shrinking the image smoothly.",
        _pool_params(),
    ),
    LayerType(
        "global_avg_pool",
        "Global average pooling",
        "pooling",
        "Averages each whole feature map into one number, giving a flat vector of one value "
        "per channel.",
    ),
    LayerType(
        "dropout",
        "Dropout",
        "regularisation",
        "Randomly switches off some values during training so the network cannot rely on any "
        "single one.",
        (
            Param(
                "p",
                "float",
                0.5,
                "Fraction of values dropped in training.",
                minimum=0.0,
                maximum=0.99,
            ),
        ),
    ),
    LayerType(
        "dropout2d",
        "Dropout2d",
        "regularisation",
        "Randomly switches off whole feature maps during training, a dropout suited to "
        "convolutions.",
        (
            Param(
                "p",
                "float",
                0.25,
                "Fraction of feature maps dropped in training.",
                minimum=0.0,
                maximum=0.99,
            ),
        ),
    ),
    LayerType(
        "flatten",
        "Flatten",
        "reshape",
        "Unrolls the feature maps into one long vector so fully connected layers can use them.",
    ),
    LayerType(
        "linear",
        "Linear",
        "dense",
        "A fully connected layer: every output is a learned weighted sum of all inputs.",
        (
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
                auto=True,
            ),
        ),
    ),
    LayerType(
        "residual",
        "Residual block",
        "block",
        "Two 3x3 convolutions with batch norm whose result is added to the block's input, "
        "which lets deep networks train well (ResNet).",
        (
            _channels_in(),
            Param("out_channels", "int", 16, "Feature maps produced.", minimum=1),
            Param("stride", "int", 1, "2 halves the image size.", minimum=1, maximum=2),
        ),
    ),
)

LAYER_TYPES: dict[str, LayerType] = {layer.name: layer for layer in _CATALOGUE}
