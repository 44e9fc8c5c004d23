import pytest
import torch

from cnnstudio.core.data.augment import AUGMENT_PARAMS, Augmenter, preview_augmentation
from cnnstudio.core.data.tensors import BatchFinisher, BatchLoader, Normalizer
from cnnstudio.core.training.engine import Trainer
from tests.conftest import small_spec

OFF = {p.name: p.default for p in AUGMENT_PARAMS}


def images(n=8, size=12):
    g = torch.Generator().manual_seed(0)
    return torch.randint(1, 256, (n, 3, size, size), dtype=torch.uint8, generator=g)


def test_shifts_and_mirrors_move_pixels_without_changing_them():
    batch = images()
    out = preview_augmentation(batch, {**OFF, "crop_padding": 3, "hflip": True}, seed=1)
    assert out.shape == batch.shape and out.dtype == torch.uint8
    for original, moved in zip(batch, out, strict=True):
        assert set(moved.unique().tolist()) <= set(original.unique().tolist()) | {0}
    assert not torch.equal(out, batch)


def test_a_pure_mirror_is_an_exact_flip():
    batch = images(n=64)
    out = preview_augmentation(batch, {**OFF, "hflip": True}, seed=0)
    flipped = [torch.equal(o, b.flip(-1)) for o, b in zip(out, batch, strict=True)]
    unchanged = [torch.equal(o, b) for o, b in zip(out, batch, strict=True)]
    assert all(f or u for f, u in zip(flipped, unchanged, strict=True))
    assert 10 < sum(flipped) < 54  # about half


def test_same_seed_same_augmentation_other_seed_other():
    settings = {**OFF, "rotation": 30.0, "brightness": 0.4, "contrast": 0.4, "cutout": 4}
    batch = images()
    assert torch.equal(
        preview_augmentation(batch, settings, 3), preview_augmentation(batch, settings, 3)
    )
    assert not torch.equal(
        preview_augmentation(batch, settings, 3), preview_augmentation(batch, settings, 4)
    )


def test_cutout_paints_one_square_in_the_fill_colour():
    batch = torch.full((4, 3, 16, 16), 1.0)
    out = Augmenter({**OFF, "cutout": 6}, torch.Generator().manual_seed(0), fill=(0.25, 0.5, 0.75))(
        batch
    )
    for image in out:
        painted = image[0] == 0.25
        assert 9 <= int(painted.sum()) <= 36  # a 6x6 square, cut where it crosses the border
        assert torch.all(image[2][painted] == 0.75)


def test_batch_loader_without_augmentation_is_the_plain_normalised_batch():
    raw = images()
    norm = Normalizer((0.5,) * 3, (0.25,) * 3)
    inactive = Augmenter(OFF, torch.Generator(), fill=(0.5,) * 3)
    finish = BatchFinisher(norm, torch.device("cpu"), augmenter=inactive)
    loader = BatchLoader(raw, torch.zeros(8, dtype=torch.long), 8, finish, shuffle=False)
    ((batch, _),) = list(loader)
    assert torch.allclose(batch, (raw.float() / 255 - 0.5) / 0.25, atol=1e-5)


@pytest.mark.parametrize("setting", [{"crop_padding": 4, "hflip": True}, {"cutout": 8}])
def test_training_with_augmentation(small_data, setting):
    trainer = Trainer(small_spec(augment=setting, training={"epochs": 1}), small_data)
    assert trainer.train_loader.finish.augmenter is not None
    assert trainer.val_loader.finish.augmenter is None  # validation sees the images as they are
    assert trainer.fit().status == "completed"
