"""batches.csv: every finished epoch's training batches, kept across stops, resumes and kills."""

import pytest

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs import run_folder
from cnnstudio.core.runs.history import read_batch_rows
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.control import TrainingControl
from tests.conftest import small_spec

BATCHES = 7  # 200 training images in batches of 32


class Batches(Callback):
    """The batch events a run announced; asks for a stop at step `stop_at`."""

    def __init__(self, control: TrainingControl | None = None, stop_at: int = 0) -> None:
        self.events, self.control, self.stop_at = [], control, stop_at

    def on_batch_end(self, event) -> None:
        self.events.append(event)
        if event.step == self.stop_at:
            self.control.request_stop("test stop")


def as_row(event) -> dict:
    return {
        "step": event.step,
        "epoch": event.epoch,
        "batch": event.batch,
        "loss": pytest.approx(event.loss, rel=1e-5),
        "accuracy": pytest.approx(event.accuracy, rel=1e-5),
        "lr": pytest.approx(event.lr, rel=1e-5),
    }


def train(folder, data, stop_at: int = 0) -> Batches:
    """A new run into `folder`, stopped after step `stop_at` if given."""
    control = TrainingControl()
    heard = Batches(control, stop_at)
    with RunSession.new(small_spec(schedule={"name": "cosine"}), folder) as session:
        session.train(data, control, [heard])
    return heard


def resume(folder, data) -> Batches:
    heard = Batches()
    with RunSession.resume(folder) as session:
        assert session.train(data, callbacks=[heard]).status == "completed"
    return heard


def test_batches_csv_holds_every_batch_the_run_announced(tmp_path, small_data):
    heard = train(tmp_path / "run", small_data)
    assert len(heard.events) == 2 * BATCHES
    assert read_batch_rows(tmp_path / "run") == [as_row(e) for e in heard.events]


def test_a_stop_mid_epoch_keeps_finished_epochs_and_resuming_repeats_no_step(tmp_path, small_data):
    folder = tmp_path / "run"
    first = train(folder, small_data, stop_at=BATCHES + 3)
    assert [row["step"] for row in read_batch_rows(folder)] == list(range(1, BATCHES + 1))
    second = resume(folder, small_data)
    rows = read_batch_rows(folder)
    assert [row["step"] for row in rows] == list(range(1, 2 * BATCHES + 1))
    assert rows == [as_row(e) for e in first.events[:BATCHES] + second.events]


def test_rows_the_checkpoint_lacks_are_dropped_when_the_run_resumes(
    tmp_path, small_data, monkeypatch
):
    """A run that dies after appending an epoch's rows and before its checkpoint (here the disk
    fills up at the second checkpoint) trains that epoch again on resume, without doubling it."""
    folder = tmp_path / "run"
    real_checkpoint = run_folder.checkpoint_bytes

    def full_disk_at_epoch_2(trainer):
        if trainer.epochs_completed == 2:
            raise OSError(28, "No space left on device")
        return real_checkpoint(trainer)

    monkeypatch.setattr(run_folder, "checkpoint_bytes", full_disk_at_epoch_2)
    with pytest.raises(CnnstudioError, match="last good epoch 1 kept"):
        train(folder, small_data)
    assert len(read_batch_rows(folder)) == 2 * BATCHES  # epoch 2's rows, without its checkpoint
    monkeypatch.setattr(run_folder, "checkpoint_bytes", real_checkpoint)
    second = resume(folder, small_data)
    rows = read_batch_rows(folder)
    assert [row["step"] for row in rows] == list(range(1, 2 * BATCHES + 1))
    assert rows[BATCHES:] == [as_row(e) for e in second.events]


def test_a_torn_last_line_is_left_out_and_other_damage_is_said(tmp_path):
    assert read_batch_rows(tmp_path) == []
    path = tmp_path / "batches.csv"
    whole = "step,epoch,batch,loss,accuracy,lr\n1,1,1,2.3,0.125,0.01\n2,1,2,2.1,0.25,0.01\n"
    path.write_text(whole + "3,1,3,1.9")  # a kill in the middle of an append
    assert [row["step"] for row in read_batch_rows(tmp_path)] == [1, 2]
    assert read_batch_rows(tmp_path)[1] == {
        "step": 2,
        "epoch": 1,
        "batch": 2,
        "loss": 2.1,
        "accuracy": 0.25,
        "lr": 0.01,
    }
    path.write_text(whole.replace("2,1,2,2.1", "2,1,2,x"))
    with pytest.raises(CnnstudioError, match=r"batches\.csv: damaged \(could not convert"):
        read_batch_rows(tmp_path)
    path.write_text(whole.replace(",0.01\n", "\n"))  # every row a value short
    with pytest.raises(CnnstudioError, match=r"batches\.csv: damaged \(5 values a row, not 6"):
        read_batch_rows(tmp_path)
    path.write_text("loss\n1.0\n")
    with pytest.raises(CnnstudioError, match=r"batches\.csv: damaged \(expected the columns"):
        read_batch_rows(tmp_path)


def test_a_damaged_file_is_kept_aside_and_the_resumed_run_starts_it_again(tmp_path, small_data):
    folder = tmp_path / "run"
    train(folder, small_data, stop_at=BATCHES + 1)
    (folder / "batches.csv").write_text("not a curve\n")
    second = resume(folder, small_data)
    assert (folder / "batches.damaged.csv").read_text() == "not a curve\n"
    assert read_batch_rows(folder) == [as_row(e) for e in second.events]
