import pytest
import torch

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.tensors import (
    BatchFinisher,
    BatchLoader,
    Normalizer,
    channel_stats,
    input_shape,
)


def make_data(n=10, channels=3, size=8):
    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (n, channels, size, size), dtype=torch.uint8, generator=g)
    labels = torch.arange(n) % 2
    return ImageData(images, labels, images[:4].clone(), labels[:4].clone(), ["a", "b"])


def test_input_shape_keeps_native_values_for_auto():
    assert input_shape((3, 32, 32), {"size": "auto", "channels": "auto"}) == (3, 32, 32)
    assert input_shape((3, 32, 32), {"size": 28, "channels": 1}) == (1, 28, 28)


def test_at_shape_converts_once_to_gray_and_resizes_as_uint8():
    data = make_data()
    out = data.at_shape((1, 4, 4))
    assert out.train_images.shape == (10, 1, 4, 4) and out.train_images.dtype == torch.uint8
    assert out.val_images.shape == (4, 1, 4, 4)
    same_size = data.at_shape((1, 8, 8)).train_images.float()
    luma = (data.train_images.float() * torch.tensor([0.299, 0.587, 0.114])[:, None, None]).sum(1)
    assert (same_size[:, 0] - luma).abs().max() <= 0.5 + 1e-4
    colour = out.at_shape((3, 4, 4)).train_images
    assert torch.equal(colour[:, 0], colour[:, 2])
    assert data.at_shape((3, 8, 8)) is data


def test_channel_stats_match_torch():
    images = make_data().train_images
    mean, std = channel_stats(images)
    as_float = images.double() / 255
    assert mean == pytest.approx(as_float.mean((0, 2, 3)).tolist())
    assert std == pytest.approx(as_float.std((0, 2, 3), unbiased=False).tolist())


def test_batches_cover_every_image_once_normalised_and_shuffled_repeatably():
    data = make_data(n=10)
    norm = Normalizer((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))

    def epoch(seed):
        loader = BatchLoader(
            data.train_images,
            torch.arange(10),
            4,
            BatchFinisher(norm, torch.device("cpu")),
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )
        return list(loader)

    batches = epoch(0)
    assert [len(y) for _, y in batches] == [4, 4, 2]
    order = torch.cat([y for _, y in batches])
    assert sorted(order.tolist()) == list(range(10)) and order.tolist() != list(range(10))
    expected = (data.train_images[order].float() / 255 - 0.5) / 0.25
    assert torch.allclose(torch.cat([x for x, _ in batches]), expected, atol=1e-5)
    assert torch.equal(torch.cat([y for _, y in epoch(0)]), order)


def test_a_last_training_batch_of_one_image_is_dropped_for_batch_norm_evaluation_keeps_it():
    data = make_data(n=9)
    finish = BatchFinisher(Normalizer((0,) * 3, (1,) * 3), torch.device("cpu"))
    images, labels = data.train_images, data.train_labels
    training = BatchLoader(images, labels, 4, finish, shuffle=False, drop_single=True)
    assert len(training) == 2 and [len(y) for _, y in training] == [4, 4]
    evaluation = BatchLoader(images, labels, 4, finish, shuffle=False)
    assert len(evaluation) == 3 and [len(y) for _, y in evaluation] == [4, 4, 1]
