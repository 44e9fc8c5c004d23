"""Looking inside a network (issue 11): layer facts, maps, Grad-CAM, occlusion, embedding.

Grad-CAM is checked the way Adebayo et al. (2018) ask: the map of a trained network must differ
from the map of the same network with freshly initialised weights, and the trained map must
point at the object the class is about.
"""

import numpy as np
import pytest
import torch

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.insight.attribution import grad_cam, occlusion_map, top_classes
from cnnstudio.core.insight.embedding import embed, pca_2d
from cnnstudio.core.insight.explanation import explain_image
from cnnstudio.core.insight.layers import (
    cam_layer_problem,
    default_cam_layer,
    describe_layers,
    find_layer,
)
from cnnstudio.core.insight.probe import layer_outputs, layer_statistics
from cnnstudio.core.model.build import build_model
from cnnstudio.core.model.layers import make_layer
from cnnstudio.core.model.presets import PRESETS

SIDE = 16
LAYERS = [
    make_layer("conv2d", out_channels=8, kernel_size=3, padding=1),
    make_layer("relu"),
    make_layer("maxpool2d"),
    make_layer("conv2d", out_channels=16, kernel_size=3, padding=1),
    make_layer("relu"),
    make_layer("global_avg_pool"),
    make_layer("linear"),
]


def plus_or_frame(count, seed):
    """Normalised 16x16 images of a bright plus (class 0) or a hollow square (class 1), 5x5,
    somewhere on faint noise; also each shape's top-left corner."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(count, 1, SIDE, SIDE, generator=generator) * 0.3
    labels = torch.randint(0, 2, (count,), generator=generator)
    corners = torch.randint(1, SIDE - 5, (count, 2), generator=generator)
    for image, label, (row, column) in zip(images, labels, corners.tolist(), strict=True):
        shape = image[0, row : row + 5, column : column + 5]
        if label == 0:
            shape[2, :] = 1
            shape[:, 2] = 1
        else:
            shape[[0, 4], :] = 1
            shape[:, [0, 4]] = 1
    return (images - 0.3) / 0.3, labels, corners


def object_mask(corner):
    mask = np.zeros((SIDE, SIDE), bool)
    mask[corner[0] : corner[0] + 5, corner[1] : corner[1] + 5] = True
    return mask


@pytest.fixture(scope="module")
def trained():
    """A small network trained to tell the plus from the square (100% on held-out images)."""
    torch.manual_seed(0)
    images, labels, _ = plus_or_frame(512, seed=1)
    model = build_model(LAYERS, (1, SIDE, SIDE), 2)
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    for _ in range(15):
        for first in range(0, len(images), 64):
            optimizer.zero_grad()
            batch = slice(first, first + 64)
            torch.nn.functional.cross_entropy(model(images[batch]), labels[batch]).backward()
            optimizer.step()
    test_images, test_labels, corners = plus_or_frame(64, seed=2)
    assert (model(test_images).argmax(1) == test_labels).float().mean() > 0.95
    return model, test_images, test_labels, corners


def rank_correlation(a, b):
    ranks = [np.argsort(np.argsort(x.ravel())) for x in (a, b)]
    return np.corrcoef(*ranks)[0, 1]


def test_layer_views_have_script_names_receptive_fields_and_plain_explanations():
    views = describe_layers(PRESETS["tutorial"].layers, (3, 32, 32), 10)
    assert [v.name for v in views[:4]] == ["conv1", "relu1", "pool1", "conv2"]
    assert [v.receptive_field for v in views[:7]] == [5, 5, 6, 14, 14, 16, 32]
    assert views[0].explanation.startswith("5x5 convolution: 6 filters slide over the image")
    assert "28x28 -> 14x14" in views[2].explanation
    assert views[0].has_filters and not views[1].has_filters
    assert default_cam_layer(views) == 3  # conv2: the last convolution with maps > 1x1


def test_residual_blocks_widen_the_receptive_field_by_their_two_convolutions():
    views = describe_layers(PRESETS["resnet_small"].layers, (3, 32, 32), 10)
    blocks = [v for v in views if v.kind == "residual"]
    # conv1 sees 3; block1 (stride 1) adds 2 + 2; block2 (stride 2) adds 2 + 2*2 at jump 1.
    assert [b.receptive_field for b in blocks] == [7, 13, 25]
    assert default_cam_layer(views) == blocks[-1].index


def test_find_layer_by_name_or_number_and_a_wrong_one_names_the_choices():
    views = describe_layers(LAYERS, (1, SIDE, SIDE), 2)
    assert find_layer(views, "conv2").index == 3
    assert find_layer(views, "4").index == 3
    with pytest.raises(CnnstudioError, match=r"no layer 'conv9'.*1 conv1, 2 relu1"):
        find_layer(views, "conv9")
    assert "flat output" in cam_layer_problem(views[-1])
    assert cam_layer_problem(views[3]) is None


def test_layer_outputs_match_the_shapes_worked_out_by_formula_and_leave_no_hooks(trained):
    model, images, _, _ = trained
    views = describe_layers(LAYERS, (1, SIDE, SIDE), 2)
    outputs = layer_outputs(model, images[:3])
    assert [o.shape[1:] for o in outputs] == [v.output_shape for v in views]
    assert all(not layer._forward_hooks for layer in model)
    stats = layer_statistics(model, views, outputs)
    assert stats[0].weight_histogram[0].sum() == 8 * 9  # every conv1 weight counted
    assert stats[1].dead_share is not None and 0 <= stats[1].dead_share <= 1
    assert stats[1].weight_mean is None  # ReLU has no weights


def test_gradcam_of_a_trained_network_points_at_the_object_and_fails_the_randomisation_test(
    trained,
):
    model, images, labels, corners = trained
    layer = default_cam_layer(describe_layers(LAYERS, (1, SIDE, SIDE), 2))
    maps = grad_cam(model, images, layer, labels.tolist())
    assert maps.shape == (64, SIDE, SIDE) and maps.min() >= 0 and maps.max() <= 1
    on_object = np.mean(
        [m[object_mask(c)].mean() / m.mean() for m, c in zip(maps, corners, strict=True)]
    )
    assert on_object > 2  # the 5x5 object (a tenth of the image) gets well over its share

    torch.manual_seed(123)
    fresh = build_model(LAYERS, (1, SIDE, SIDE), 2)  # the same network, weights re-initialised
    random_maps = grad_cam(fresh, images, layer, labels.tolist())
    correlation = np.nanmean(
        [rank_correlation(a, b) for a, b in zip(maps, random_maps, strict=True)]
    )
    assert correlation < 0.5


def test_gradcam_leaves_weights_gradients_and_mode_as_they_were(trained):
    model, images, _, _ = trained
    model.train()
    for parameter in model.parameters():
        parameter.grad = None
    before = [p.detach().clone() for p in model.parameters()]
    grad_cam(model, images[:4], 3)
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_occlusion_hurts_most_where_the_object_is(trained):
    model, images, labels, corners = trained
    hits = 0
    for i in range(8):
        drop = occlusion_map(model, images[i : i + 1], int(labels[i]))
        assert drop.shape == (SIDE, SIDE) and drop.min() >= 0 and drop.max() <= 1
        peak = np.unravel_index(drop.argmax(), drop.shape)
        hits += bool(object_mask(corners[i].tolist())[peak])
    assert hits >= 6


def test_explain_image_gives_the_predicted_class_first_and_its_gradcam(trained):
    model, images, _, _ = trained
    views = describe_layers(LAYERS, (1, SIDE, SIDE), 2)
    picture = np.zeros((1, SIDE, SIDE), np.uint8)
    explanation = explain_image(model, images[:1], picture, views, ["plus", "frame"])
    predicted = int(model(images[:1]).argmax())
    assert explanation.target == predicted
    assert explanation.top[0][0] == ["plus", "frame"][predicted]
    assert sum(p for _, p in explanation.top) == pytest.approx(1, abs=1e-5)
    assert [m.shape for m in explanation.maps] == [v.output_shape for v in views]
    names = ["plus", "frame"]
    other = explain_image(model, images[:1], picture, views, names, target=1 - predicted)
    assert other.target == 1 - predicted and not np.allclose(other.gradcam, explanation.gradcam)


def test_top_classes_are_ordered_and_named():
    assert top_classes(np.array([0.1, 0.6, 0.3]), ["a", "b", "c"], 2) == [
        ("b", pytest.approx(0.6)),
        ("c", pytest.approx(0.3)),
    ]


def test_embedding_places_images_by_their_features_and_separates_the_classes(trained):
    model, images, labels, _ = trained
    # Two batches of 32; the images are already normalised, so normalising leaves them be.
    points, predictions = embed(model, images, lambda batch: batch, batch_size=32)
    np.testing.assert_array_equal(predictions, model(images).argmax(1).numpy())
    with torch.no_grad():
        features = model[:-1](images).numpy()  # what the last Linear layer reads: 16 values
    assert features.shape == (64, 16)
    np.testing.assert_allclose(points, pca_2d(features), atol=1e-4)
    first_axis = points[:, 0]
    means = [first_axis[labels.numpy() == k].mean() for k in (0, 1)]
    assert abs(means[0] - means[1]) > first_axis.std()  # the classes lie apart on the main axis


def test_pca_finds_the_direction_of_greatest_spread():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 3)) * [10.0, 1.0, 0.1]
    points = pca_2d(data)
    assert points[:, 0].std() == pytest.approx(10, rel=0.15)
    assert points[:, 1].std() == pytest.approx(1, rel=0.15)
    assert pca_2d(data[:1]).shape == (1, 2)


def test_statistics_and_gradcam_survive_a_network_whose_values_overflowed():
    """A diverging run has infinities inside before its loss turns NaN (seen in a CLI test)."""
    model = build_model(LAYERS, (1, SIDE, SIDE), 2)
    with torch.no_grad():
        model[0].weight.fill_(3e38)
    images, _, _ = plus_or_frame(4, seed=3)
    views = describe_layers(LAYERS, (1, SIDE, SIDE), 2)
    outputs = layer_outputs(model, images)
    assert not np.isfinite(outputs[0]).all()
    stats = layer_statistics(model, views, outputs)
    assert stats[0].activation_histogram[0].sum() < outputs[0].size  # infinities left out
    cams = grad_cam(model, images, 3)
    assert np.isfinite(cams).all() and cams.min() >= 0 and cams.max() <= 1
