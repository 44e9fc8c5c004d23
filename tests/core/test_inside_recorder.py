"""Each epoch's look inside the network is recorded on the training thread and kept in the run
folder (issue 11), without changing what the run learns."""

import numpy as np
import torch

from cnnstudio.core.insight.recorder import InsideRecorder, probe_indices
from cnnstudio.core.insight.snapshot import load_snapshots, read_snapshot, snapshot_path
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.training.engine import Trainer
from tests.conftest import small_spec


def test_a_run_keeps_one_snapshot_per_epoch_and_hands_each_to_the_listener(tmp_path, small_data):
    received = []
    with RunSession.new(small_spec(), tmp_path / "run") as session:
        session.train(small_data, inside_listener=received.append)
    snapshots = load_snapshots(tmp_path / "run")
    assert [s.epoch for s in snapshots] == [1, 2] == [s.epoch for s in received]
    last = snapshots[-1]
    classes = len(small_data.class_names)
    assert len(last.images) == 8 and last.images.dtype == np.uint8
    assert len(set(last.labels.tolist())) == min(8, classes)  # one of each class first
    assert last.probabilities.shape == (8, classes)
    np.testing.assert_allclose(last.probabilities.sum(1), 1, rtol=1e-5)
    conv_layers = [i for i, layer in enumerate(small_spec().layers) if layer.type == "conv2d"]
    assert sorted(last.filters) == conv_layers
    assert last.cams.shape == (8, *last.images.shape[2:])
    assert float(last.cams.max()) <= 1
    assert len(last.maps) == len(small_spec().layers) == len(last.stats)
    # What was saved is what the window was given.
    np.testing.assert_array_equal(last.maps[0], received[-1].maps[0])
    np.testing.assert_array_equal(last.filters[0], received[-1].filters[0])
    for saved, given in zip(last.stats, received[-1].stats, strict=True):
        assert (saved.weight_mean, saved.dead_share) == (given.weight_mean, given.dead_share)
        np.testing.assert_array_equal(saved.activation_histogram[0], given.activation_histogram[0])
    # The filters change as the network learns.
    assert not np.array_equal(snapshots[0].filters[0], last.filters[0])


def test_recording_changes_nothing_the_run_learns(small_data):
    def train(record):
        trainer = Trainer(small_spec(), small_data)
        callbacks = [InsideRecorder(trainer, None)] if record else []
        result = trainer.fit(callbacks)
        return trainer, result

    plain, plain_result = train(record=False)
    watched, watched_result = train(record=True)
    for a, b in zip(
        plain.model.state_dict().values(), watched.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
    assert [e.val_loss for e in plain.history] == [e.val_loss for e in watched.history]
    assert plain_result.status == watched_result.status == "completed"


def test_a_damaged_snapshot_is_skipped_and_the_others_still_load(tmp_path, small_data):
    with RunSession.new(small_spec(), tmp_path / "run") as session:
        session.train(small_data)
    snapshot_path(tmp_path / "run", 3).write_bytes(b"not a zip file")
    good = read_snapshot(snapshot_path(tmp_path / "run", 2))
    arrays = dict(np.load(snapshot_path(tmp_path / "run", 1), allow_pickle=False))
    arrays["labels"] = arrays["labels"][:3]  # no longer matches the images
    np.savez(snapshot_path(tmp_path / "run", 4), **arrays)
    loaded = load_snapshots(tmp_path / "run")
    assert [s.epoch for s in loaded] == [1, 2]
    assert loaded[1].epoch == good.epoch


def test_probe_images_take_one_of_each_class_first():
    labels = [0, 0, 0, 1, 1, 2, 0, 1]
    assert probe_indices(labels, 4) == [0, 1, 3, 5]
    assert probe_indices(labels, 2) == [0, 3]
    assert probe_indices([1, 1], 8) == [0, 1]
