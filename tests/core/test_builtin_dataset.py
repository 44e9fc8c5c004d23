import torch

from cnnstudio.core.data.sources.builtin_shapes import CLASS_NAMES
from cnnstudio.core.data.sources.registry import DEFAULT_DATASET, get_source, list_sources

OPTIONS = {"train_size": 10_000, "val_size": 2_000, "seed": 0}


def test_shapes_is_the_default_and_listed():
    assert DEFAULT_DATASET == "shapes"
    assert "shapes" in [source.name for source in list_sources()]


def test_full_size_dataset_is_balanced_uint8_and_deterministic():
    source = get_source("shapes")
    data = source.load(OPTIONS)
    assert data.train_images.shape == (10_000, 3, 32, 32)
    assert data.val_images.shape == (2_000, 3, 32, 32)
    assert data.train_images.dtype == torch.uint8
    assert data.train_labels.bincount().tolist() == [1_000] * 10
    assert data.val_labels.bincount().tolist() == [200] * 10
    assert data.class_names == CLASS_NAMES and len(set(CLASS_NAMES)) == 10
    again = source.load(OPTIONS)
    assert torch.equal(again.train_images, data.train_images)
    assert torch.equal(again.val_labels, data.val_labels)
    other = source.load({**OPTIONS, "seed": 1})
    assert not torch.equal(other.train_images, data.train_images)
    # Validation images are drawn separately, not copied from training.
    assert not torch.equal(data.val_images[:100], data.train_images[:100])


def test_not_trivial_for_a_nearest_class_mean_classifier():
    """A template-matching baseline stays far from what a CNN reaches (over 90%)."""
    data = get_source("shapes").load(OPTIONS)
    train = data.train_images.flatten(1).float()
    means = torch.stack([train[data.train_labels == c].mean(0) for c in range(10)])
    predicted = torch.cdist(data.val_images.flatten(1).float(), means).argmin(1)
    accuracy = (predicted == data.val_labels).float().mean().item()
    assert accuracy < 0.4
