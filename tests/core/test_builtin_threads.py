"""The built-in set is drawn on one intra-op thread: two took 10x longer on a busy 2-core CPU."""

import torch

from cnnstudio.core.data.sources import builtin_shapes
from cnnstudio.core.data.sources.registry import get_source


def test_drawn_with_one_intra_op_thread_and_the_setting_restored(monkeypatch):
    threads_seen = []
    draw = builtin_shapes.draw_shapes

    def watched(labels, generator):
        threads_seen.append(torch.get_num_threads())
        return draw(labels, generator)

    monkeypatch.setattr(builtin_shapes, "draw_shapes", watched)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        get_source("shapes").load({"train_size": 20, "val_size": 10, "seed": 0})
        assert threads_seen and set(threads_seen) == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_one_thread_draws_the_same_images_as_two():
    """The exported training script draws the set with torch's default threads: same images."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        images, labels = builtin_shapes._split(600, 4)
    finally:
        torch.set_num_threads(before)
    data = get_source("shapes").load({"train_size": 600, "val_size": 10, "seed": 2})
    assert torch.equal(data.train_images, images) and torch.equal(data.train_labels, labels)
