import pytest
import torch

from cnnstudio.core.errors import StackError
from cnnstudio.core.model.build import build_model
from cnnstudio.core.model.layers import LAYER_TYPES, make_layer
from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.model.shapes import analyse_stack

INPUTS = [(1, 28, 28), (3, 28, 28), (1, 32, 32), (3, 32, 32), (3, 64, 64)]


def layers(*specs):
    return [make_layer(name, **params) for name, params in specs]


def test_tutorial_stack_infers_the_hand_computed_16x5x5_flatten():
    report = analyse_stack(PRESETS["tutorial"].layers, (3, 32, 32), 10)
    shapes = [row.output_shape for row in report.rows]
    assert shapes[:7] == [
        (6, 28, 28),
        (6, 28, 28),
        (6, 14, 14),
        (16, 10, 10),
        (16, 10, 10),
        (16, 5, 5),
        (400,),
    ]
    assert report.rows[7].resolved == {"in_features": 400, "out_features": 120}
    assert report.output_shape == (10,)
    assert report.rows[0].params == 6 * 3 * 5 * 5 + 6
    assert report.rows[0].macs == 6 * 28 * 28 * 3 * 5 * 5


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("shape", INPUTS)
def test_presets_are_valid_and_inference_matches_torch(preset, shape):
    report = analyse_stack(PRESETS[preset].layers, shape, 7)
    assert report.error is None
    model = build_model(PRESETS[preset].layers, shape, 7).eval()
    assert sum(p.numel() for p in model.parameters()) == report.total_params
    x = torch.zeros(2, *shape)
    for module, row in zip(model, report.rows, strict=True):
        x = module(x)
        assert tuple(x.shape[1:]) == row.output_shape, row.layer.type


def test_every_catalogue_layer_is_built_with_matching_shapes_and_parameters():
    stack = layers(
        ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1, "stride": 2}),
        ("batchnorm2d", {}),
        ("leaky_relu", {}),
        ("gelu", {}),
        ("silu", {}),
        ("sigmoid", {}),
        ("tanh", {}),
        ("relu", {}),
        ("residual", {"out_channels": 8}),
        ("residual", {"out_channels": 12, "stride": 2}),
        ("maxpool2d", {"kernel_size": 3, "stride": 1, "padding": 1}),
        ("avgpool2d", {"kernel_size": 2}),
        ("dropout2d", {}),
        ("global_avg_pool", {}),
        ("dropout", {}),
        ("linear", {"out_features": 20}),
        ("linear", {}),
    )
    assert {layer.type for layer in stack} | {"flatten"} == set(LAYER_TYPES)
    report = analyse_stack(stack, (3, 20, 20), 4)
    assert report.error is None
    model = build_model(stack, (3, 20, 20), 4).eval()
    assert sum(p.numel() for p in model.parameters()) == report.total_params
    x = torch.zeros(2, 3, 20, 20)
    for module, row in zip(model, report.rows, strict=True):
        x = module(x)
        assert tuple(x.shape[1:]) == row.output_shape, row.layer.type


@pytest.mark.parametrize(
    ("stack", "shape", "index", "reason"),
    [
        (
            [
                ("conv2d", {"kernel_size": 5}),
                ("maxpool2d", {"kernel_size": 2}),
                ("conv2d", {"kernel_size": 5}),
                ("flatten", {}),
                ("linear", {}),
            ],
            (1, 8, 8),
            2,
            r"5x5 window is larger than the 2x2 input",
        ),
        (
            [("conv2d", {}), ("linear", {})],
            (3, 8, 8),
            1,
            r"Linear needs a flat vector but gets a 16x6x6 feature map; add a Flatten",
        ),
        (
            [("flatten", {}), ("conv2d", {}), ("linear", {})],
            (3, 8, 8),
            1,
            r"needs an image-shaped input .* flat vector of 192",
        ),
        (
            [("conv2d", {"in_channels": 3}), ("flatten", {}), ("linear", {})],
            (1, 8, 8),
            0,
            r"in_channels is 3 but the layer before produces 1 channels",
        ),
        (
            [("flatten", {}), ("linear", {"in_features": 100}), ("linear", {})],
            (1, 8, 8),
            1,
            r"in_features is 100 but the layer before produces 64 values",
        ),
        (
            [("flatten", {}), ("linear", {}), ("relu", {}), ("linear", {})],
            (1, 8, 8),
            1,
            r'"auto" .* only allowed on the last Linear',
        ),
        ([("conv2d", {})], (1, 8, 8), 0, r"ends with a 16x6x6 feature map"),
        (
            [("flatten", {}), ("linear", {"out_features": 5})],
            (1, 8, 8),
            1,
            r"ends with 5 values, but the dataset has 10 classes",
        ),
        (
            [("maxpool2d", {"kernel_size": 2, "padding": 2}), ("flatten", {}), ("linear", {})],
            (1, 8, 8),
            0,
            r"padding 2 is more than half the window size 2",
        ),
    ],
)
def test_impossible_stacks_name_the_layer_position_and_a_plain_reason(stack, shape, index, reason):
    report = analyse_stack(layers(*stack), shape, 10)
    assert report.error is not None
    assert report.error.index == index
    assert len(report.rows) <= index + 1
    assert str(report.error).startswith(f"Layer {index + 1} (")
    with pytest.raises(StackError, match=reason):
        report.raise_if_invalid()
    with pytest.raises(StackError):
        build_model(layers(*stack), shape, 10)


def test_empty_stack_is_an_error():
    assert "empty" in str(analyse_stack([], (3, 32, 32), 10).error)


def test_a_stack_too_big_for_memory_is_refused_in_plain_words_before_anything_is_built():
    # Every setting is in range, together they are not: some 4 TB for the Linear weights alone.
    stack = layers(
        ("conv2d", {"out_channels": 4096, "padding": 1}),
        ("flatten", {}),
        ("linear", {"out_features": 65536}),
        ("linear", {}),
    )
    report = analyse_stack(stack, (3, 32, 32), 10)
    assert report.error is not None and report.error.index is None
    message = str(report.error)
    assert message.startswith("The layer stack: training it needs about ")
    assert "TB of memory" in message and "is free. Use fewer or narrower layers" in message
    with pytest.raises(StackError, match=r"needs about .* TB"):
        build_model(stack, (3, 32, 32), 10)


def test_memory_check_counts_the_batch_against_the_free_memory_given():
    stack = PRESETS["tutorial"].layers
    need = analyse_stack(stack, (3, 32, 32), 10).memory(64)
    assert need.parameters == 62_006 and need.parameter_bytes == 62_006 * 16
    # The input and every layer's output, kept for the backward pass, with their gradients.
    values = 3 * 32 * 32 + 2 * 6 * 28 * 28 + 6 * 14 * 14 + 2 * 16 * 10 * 10 + 2 * 400 + 2 * 120
    values += 2 * 84 + 10
    assert need.activation_bytes == values * 64 * 4 * 2
    fits = analyse_stack(stack, (3, 32, 32), 10, batch_size=64, free_memory=need.total_bytes)
    assert fits.error is None
    short = analyse_stack(stack, (3, 32, 32), 10, batch_size=64, free_memory=need.total_bytes - 1)
    assert "a batch of 64 images" in str(short.error)
    with pytest.raises(StackError, match=r"but only 1\.0 MB is free"):
        build_model(stack, (3, 32, 32), 10, batch_size=64, free_memory=1024**2)
