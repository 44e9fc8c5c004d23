"""Training from disk when a folder would not fit in memory (forced here on a small folder)."""

import json
import os

import torch

from cnnstudio.core.data.inspect import inspect_data
from cnnstudio.core.data.sources import folder as folder_module
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.data.streaming import StreamedImages, StreamingLoader
from cnnstudio.core.data.tensors import BatchFinisher, Normalizer
from cnnstudio.core.runs.checkpoint import load_model, read_checkpoint
from cnnstudio.core.runs.run_folder import RunFolderWriter
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.events import EpochEnded, FitFailed
from tests.conftest import small_spec
from tests.core.test_engine import Recorder
from tests.core.test_folder_dataset import make_folder, options
from tests.datafiles import write_image


def folder_spec(root, **changes):
    return small_spec(
        dataset={"name": "folder", "options": options(root, **changes)},
        training={"epochs": 1, "batch_size": 4},
    )


def test_forced_streaming_trains_through_worker_processes(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=8)
    spec = folder_spec(root, stream="always", image_size=16)
    data = get_source("folder").load(spec.dataset["options"], tmp_path / "data")
    assert isinstance(data, StreamedImages) and data.input_shape == (3, 16, 16)
    trainer = Trainer(spec, data)
    assert isinstance(trainer.train_loader, StreamingLoader)
    assert trainer.train_loader.loader.num_workers >= 1
    recorder = Recorder()
    result = trainer.fit([recorder, RunFolderWriter(tmp_path / "run", trainer)])
    assert result.status == "completed"
    epoch = recorder.events[-2]
    assert epoch.confusion.sum() == len(data.val_labels)
    # The run's folder does not read every file again for the leakage check.
    check = (tmp_path / "run" / "dataset_check.txt").read_text()
    assert "Images in both training and validation: not checked" in check
    assert load_model(tmp_path / "run" / "best.pt").sample_images.shape[1:] == (3, 16, 16)


def test_streamed_batches_equal_in_memory_batches(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=5)
    source = get_source("folder")
    memory = source.load(options(root, image_size=12, stream="never"), tmp_path / "data")
    streamed = source.load(options(root, image_size=12, stream="always"), tmp_path / "data")
    assert streamed.val_paths == memory.paths[len(memory.train_labels) :]
    finish = BatchFinisher(Normalizer((0.5,) * 3, (0.2,) * 3), torch.device("cpu"))
    loader = StreamingLoader(
        streamed.val_paths, streamed.val_labels, 12, 3, 64, finish, shuffle=False, workers=0
    )
    ((batch, labels),) = list(loader)
    assert torch.equal(labels, memory.val_labels)
    assert torch.allclose(batch, finish(memory.val_images))


def test_automatic_choice_streams_what_would_not_fit(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "pets")
    monkeypatch.setattr(folder_module, "fits_in_memory", lambda *shape: False)
    assert isinstance(get_source("folder").load(options(root)), StreamedImages)
    monkeypatch.setattr(folder_module, "fits_in_memory", lambda *shape: True)
    assert not isinstance(get_source("folder").load(options(root), tmp_path / "d"), StreamedImages)


class DeleteAfterEpoch(Callback):
    """Deletes files from the folder while the run goes on, as another program might."""

    def __init__(self, paths, epoch=1):
        self.paths, self.epoch = paths, epoch

    def on_epoch_end(self, event):
        if event.epoch == self.epoch:
            for path in self.paths:
                os.remove(path)


def test_files_deleted_during_a_streamed_run_stop_it_with_a_plain_message(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=8)
    spec = small_spec(
        dataset={"name": "folder", "options": options(root, stream="always", image_size=16)},
        training={"epochs": 3, "batch_size": 4},
    )
    data = get_source("folder").load(spec.dataset["options"], tmp_path / "data")
    gone = [data.val_paths[0], data.val_paths[-1], data.train_paths[2]]
    trainer = Trainer(spec, data)
    recorder = Recorder()
    writer = RunFolderWriter(tmp_path / "run", trainer)
    result = trainer.fit([writer, DeleteAfterEpoch(gone), recorder])
    assert result.status == "failed" and trainer.epochs_completed == 1
    (failure,) = recorder.of(FitFailed)
    assert failure.kind == "data_changed"
    assert "could not be read during training" in failure.message
    assert any(f"{path} (no such file)" in failure.message for path in gone)
    assert len(recorder.of(EpochEnded)) == 1  # no epoch scored on fewer images than it says
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "failed" and "could not be read" in summary["reason"]
    assert read_checkpoint(tmp_path / "run" / "last.pt").training.epochs_completed == 1


def test_a_file_damaged_past_its_header_stops_a_streamed_run_naming_it(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=8)
    spec = folder_spec(root, stream="always", image_size=16)
    data = get_source("folder").load(spec.dataset["options"], tmp_path / "data")
    victim = data.train_paths[0]
    with open(victim, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n broken")
    recorder = Recorder()
    assert Trainer(spec, data).fit([recorder]).status == "failed"
    (failure,) = recorder.of(FitFailed)
    assert f"{victim} (not an image this program can read" in failure.message


def test_dataset_check_of_a_streamed_folder_finds_copied_files(tmp_path):
    root = tmp_path / "set"
    make_folder(root / "train", classes=("a", "b"), per_class=3)
    for name, value in (("a", 250), ("b", 5)):
        write_image(root / "val" / name / "v.png", (30, 30), value=value)
    (root / "val" / "b" / "copy.jpg").write_bytes((root / "train" / "b" / "0.jpg").read_bytes())
    data = get_source("folder").load(options(root, stream="always"))
    report = inspect_data(data)
    assert report.train_counts.tolist() == [3, 3] and report.val_counts.tolist() == [1, 2]
    assert report.duplicates == [(3, 1)]  # train b/0.jpg is row 3; val b/copy.jpg is row 1
