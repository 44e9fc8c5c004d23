"""Ready-made layer stacks. Each one works on 1- or 3-channel input of 28x28 pixels or more."""

from __future__ import annotations

from dataclasses import dataclass

from cnnstudio.core.errors import SpecError
from cnnstudio.core.model.layers import LayerSpec, make_layer


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    layers: tuple[LayerSpec, ...]


def _conv_bn_relu(channels: int) -> list[LayerSpec]:
    return [
        make_layer("conv2d", out_channels=channels, kernel_size=3, padding=1),
        make_layer("batchnorm2d"),
        make_layer("relu"),
    ]


def _tutorial() -> tuple[LayerSpec, ...]:
    return (
        make_layer("conv2d", out_channels=6, kernel_size=5),
        make_layer("relu"),
        make_layer("maxpool2d", kernel_size=2),
        make_layer("conv2d", out_channels=16, kernel_size=5),
        make_layer("relu"),
        make_layer("maxpool2d", kernel_size=2),
        make_layer("flatten"),
        make_layer("linear", out_features=120),
        make_layer("relu"),
        make_layer("linear", out_features=84),
        make_layer("relu"),
        make_layer("linear"),
    )


def _lenet5() -> tuple[LayerSpec, ...]:
    return (
        make_layer("conv2d", out_channels=6, kernel_size=5, padding=2),
        make_layer("tanh"),
        make_layer("avgpool2d", kernel_size=2),
        make_layer("conv2d", out_channels=16, kernel_size=5),
        make_layer("tanh"),
        make_layer("avgpool2d", kernel_size=2),
        make_layer("flatten"),
        make_layer("linear", out_features=120),
        make_layer("tanh"),
        make_layer("linear", out_features=84),
        make_layer("tanh"),
        make_layer("linear"),
    )


def _vgg_small() -> tuple[LayerSpec, ...]:
    pool = make_layer("maxpool2d", kernel_size=2)
    return (
        *_conv_bn_relu(32),
        *_conv_bn_relu(32),
        pool,
        *_conv_bn_relu(64),
        *_conv_bn_relu(64),
        pool,
        *_conv_bn_relu(128),
        pool,
        make_layer("global_avg_pool"),
        make_layer("dropout", p=0.3),
        make_layer("linear"),
    )


def _resnet_small() -> tuple[LayerSpec, ...]:
    return (
        *_conv_bn_relu(16),
        make_layer("residual", out_channels=16),
        make_layer("residual", out_channels=32, stride=2),
        make_layer("residual", out_channels=64, stride=2),
        make_layer("global_avg_pool"),
        make_layer("linear"),
    )


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "tutorial",
            "PyTorch tutorial CNN",
            "Two convolutions and three linear layers, as in the classic PyTorch CIFAR-10 "
            "tutorial; small and fast.",
            _tutorial(),
        ),
        Preset(
            "lenet5",
            "LeNet-5",
            "LeCun's 1998 digit network: tanh activations and average pooling.",
            _lenet5(),
        ),
        Preset(
            "vgg_small",
            "Small VGG",
            "Stacked 3x3 convolutions with batch norm in three stages; more accurate, slower.",
            _vgg_small(),
        ),
        Preset(
            "resnet_small",
            "Small ResNet",
            "A 3x3 stem and three residual blocks; skip connections ease training.",
            _resnet_small(),
        ),
    )
}

DEFAULT_PRESET = "tutorial"


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise SpecError(f"unknown preset {name!r}; available presets: " + ", ".join(PRESETS))
    return PRESETS[name]


def matching_preset(layers: list[LayerSpec]) -> str | None:
    """The preset whose stack equals `layers`, if any."""
    return next((p.name for p in PRESETS.values() if list(p.layers) == list(layers)), None)
