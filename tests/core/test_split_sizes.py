"""Every validation image is scored, in memory and streamed; splits too small to train on are
refused with advice instead of a crash."""

import pytest

from cnnstudio.cli import run
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.errors import DatasetError
from cnnstudio.core.training import engine
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.events import EpochEnded
from tests.conftest import small_spec
from tests.core.test_engine import fit
from tests.core.test_folder_dataset import options
from tests.datafiles import write_image


def write_split_folder(root, counts):
    """root/SPLIT/CLASS/N.png for {(split, class): count}, each class its own brightness."""
    for (split, name), count in counts.items():
        for i in range(count):
            value = 40 + 150 * (name == "b") + i
            write_image(root / split / name / f"{i}.png", (20, 20), value=value)
    return root


def folder_spec(root, **changes):
    return small_spec(
        dataset={"name": "folder", "options": options(root, image_size=16, **changes)},
        training={"epochs": 1, "batch_size": 4},
    )


def test_a_last_validation_batch_of_one_image_is_scored():
    data = get_source("shapes").load({"train_size": 64, "val_size": 513, "seed": 0})
    _, recorder, result = fit(small_spec(training={"epochs": 1}), data)
    (epoch,) = recorder.of(EpochEnded)
    assert result.status == "completed"
    assert epoch.confusion.sum() == 513
    assert len(epoch.val_predictions) == len(epoch.val_confidence) == 513


def test_a_streamed_last_validation_batch_of_one_image_is_scored(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "EVAL_BATCH_SIZE", 4)  # 5 validation images: batches of 4 and 1
    root = write_split_folder(
        tmp_path / "set", {("train", "a"): 4, ("train", "b"): 4, ("val", "a"): 3, ("val", "b"): 2}
    )
    spec = folder_spec(root, stream="always")
    data = get_source("folder").load(spec.dataset["options"], tmp_path / "data")
    _, recorder, result = fit(spec, data)
    (epoch,) = recorder.of(EpochEnded)
    assert result.status == "completed"
    assert epoch.confusion.sum() == 5 and len(epoch.val_predictions) == 5


@pytest.mark.parametrize("stream", ["never", "always"])
def test_one_image_per_class_is_refused_saying_validation_is_empty(tmp_path, stream):
    for name, value in (("a", 30), ("b", 200)):
        write_image(tmp_path / "set" / name / "only.png", (20, 20), value=value)
    spec = folder_spec(tmp_path / "set", stream=stream)
    data = get_source("folder").load(spec.dataset["options"], tmp_path / "data")
    with pytest.raises(DatasetError, match=r"validation split holds no images.*at least two"):
        Trainer(spec, data)


def test_a_training_split_of_one_image_is_refused_with_advice(tmp_path):
    root = write_split_folder(
        tmp_path / "set", {("train", "a"): 1, ("val", "a"): 2, ("val", "b"): 2}
    )
    spec = folder_spec(root)
    data = get_source("folder").load(spec.dataset["options"], tmp_path / "data")
    with pytest.raises(DatasetError, match=r"training split holds 1 image.*at least two"):
        Trainer(spec, data)


def test_cli_train_on_one_image_per_class_is_one_plain_line(tmp_path, capsys):
    for name, value in (("a", 30), ("b", 200)):
        write_image(tmp_path / "set" / name / "only.png", (20, 20), value=value)
    argv = ["train", "--dataset", "folder", "--data-dir", str(tmp_path / "set")]
    code = run([*argv, "--epochs", "1", "--device", "cpu", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2
    (line,) = [x for x in err.splitlines() if x.startswith("cnnstudio: error:")]
    assert "validation split holds no images" in line and "Traceback" not in err
