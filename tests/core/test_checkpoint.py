"""Checkpoints: safe loading, atomic writing, and resuming exactly where a run stopped."""

import dataclasses
import io
import os

import numpy as np
import pytest
import torch

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.checkpoint import load_model, read_checkpoint, save_checkpoint
from cnnstudio.core.runs.run_folder import RunFolderWriter, metrics_csv
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.engine import Trainer
from tests.conftest import small_spec


def resumable_spec(schedule: str = "cosine"):
    """Dropout, augmentation and a per-batch schedule: every random state a resume must restore."""
    return small_spec(
        layers=[
            {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
            {"type": "batchnorm2d"},
            {"type": "relu"},
            {"type": "maxpool2d"},
            {"type": "dropout2d", "p": 0.2},
            {"type": "flatten"},
            {"type": "dropout", "p": 0.3},
            {"type": "linear", "out_features": "auto"},
        ],
        augment={"crop_padding": 2, "hflip": True, "cutout": 4},
        schedule={"name": schedule},
        optimizer={"name": "sgd", "lr": 0.05},
    )


class StopAfterEpoch(Callback):
    def __init__(self, trainer: Trainer, epoch: int) -> None:
        self.trainer, self.epoch = trainer, epoch

    def on_epoch_end(self, event) -> None:
        if event.epoch == self.epoch:
            self.trainer.control.request_stop("test stop")


def comparable(event):
    """An epoch's metrics without its wall-clock time (per-class metrics follow from confusion)."""
    values = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    del values["seconds"], values["per_class"]
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in values.items()}


def metric_lines(folder):
    """metrics.csv without the seconds column."""
    return [line.rsplit(",", 1)[0] for line in (folder / "metrics.csv").read_text().splitlines()]


def straight_folder(tmp_path, trainer):
    """The run folder the straight run would have written, from its epochs."""
    folder = tmp_path / "straight"
    folder.mkdir()
    (folder / "metrics.csv").write_text(metrics_csv(trainer.history))
    return folder


@pytest.mark.parametrize("schedule", ["cosine", "step", "plateau", "onecycle"])
def test_one_epoch_then_resume_equals_two_epochs_straight(tmp_path, small_data, schedule):
    spec = resumable_spec(schedule)
    straight = Trainer(spec, small_data)
    straight.fit()

    first = Trainer(spec, small_data)
    writer = RunFolderWriter(tmp_path, first)
    assert first.fit([writer, StopAfterEpoch(first, 1)]).status == "stopped"
    checkpoint = read_checkpoint(tmp_path / "last.pt")
    torch.manual_seed(1234)  # a fresh process would not share the first run's global RNG
    resumed = Trainer(spec, small_data)
    resumed.restore(checkpoint.state_dict, checkpoint.training)
    assert resumed.fit([RunFolderWriter(tmp_path, resumed)]).status == "completed"

    for name, tensor in straight.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
    assert [comparable(e) for e in resumed.history] == [comparable(straight.history[1])]
    assert resumed.training_state().scores == straight.training_state().scores
    assert metric_lines(tmp_path) == metric_lines(straight_folder(tmp_path, straight))


def test_checkpoint_restores_the_model_and_what_prediction_needs(tmp_path, small_data):
    trainer = Trainer(small_spec(training={"epochs": 1}), small_data)
    trainer.fit()
    save_checkpoint(tmp_path / "last.pt", trainer)
    saved = load_model(tmp_path / "last.pt")
    assert saved.spec == trainer.spec and saved.class_names == small_data.class_names
    assert saved.mean == list(trainer.normalizer.mean)
    assert torch.equal(saved.sample_images, small_data.val_images[: len(saved.sample_images)])
    x = torch.randn(4, 3, 32, 32)
    trainer.model.eval()
    assert torch.equal(saved.model(x), trainer.model(x))


class _Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_a_checkpoint_that_would_run_code_is_refused_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    buffer = io.BytesIO()
    torch.save({"format": "cnnstudio.checkpoint", "version": 1, "payload": _Exploit()}, buffer)
    (tmp_path / "evil.pt").write_bytes(buffer.getvalue())
    with pytest.raises(CnnstudioError, match=r"evil.pt: refused: .* could run code"):
        load_model(tmp_path / "evil.pt")
    assert not (tmp_path / "PWNED").exists()


def test_damaged_and_foreign_checkpoints_get_a_clear_error(tmp_path):
    (tmp_path / "cut.pt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CnnstudioError, match=r"cut.pt: not a cnnstudio checkpoint, or damaged"):
        read_checkpoint(tmp_path / "cut.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CnnstudioError, match=r"other.pt: not a cnnstudio checkpoint$"):
        read_checkpoint(tmp_path / "other.pt")
    with pytest.raises(CnnstudioError, match=r"missing.pt: no such file"):
        read_checkpoint(tmp_path / "missing.pt")


def test_a_write_that_fails_leaves_the_previous_checkpoint_loadable(
    tmp_path, small_data, monkeypatch
):
    trainer = Trainer(small_spec(training={"epochs": 1}), small_data)
    trainer.fit()
    path = tmp_path / "last.pt"
    save_checkpoint(path, trainer)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_checkpoint(path, trainer)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # no temporary file left behind
    monkeypatch.undo()
    assert load_model(path).class_names == small_data.class_names
