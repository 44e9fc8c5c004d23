"""Settings changed while a run trains: applied at the next batch, recorded in the run folder and
the checkpoint, kept by a resumed run, listed in the report, and refused in plain words when
they cannot change."""

import json

import pytest
import torch

from cnnstudio.core.errors import CnnstudioError, SpecError
from cnnstudio.core.runs.checkpoint import read_checkpoint
from cnnstudio.core.runs.history import change_places, read_run
from cnnstudio.core.runs.report import curves_figure, report_html
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.spec.run_spec import SECTIONS
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.changes import (
    LIVE_SETTINGS,
    SettingChange,
    check_change,
    locked_reason,
    read_changes,
)
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.events import BatchEnded, EpochEnded
from cnnstudio.core.training.state import TrainingState
from tests.conftest import small_spec


class Changer(Callback):
    """Asks for changes after given steps, as the window does from another thread, and keeps
    every event and change it hears of."""

    def __init__(self, control, after=None, after_epoch=None, stop_at=None):
        self.control = control
        self.after = after or {}  # step -> [(path, value)], asked for once that step ended
        self.after_epoch = after_epoch or {}  # epoch -> [(path, value)]
        self.stop_at = stop_at  # a step after which the run is stopped
        self.batches, self.epochs, self.changes, self.refusals = [], [], [], []

    def on_batch_end(self, event):
        self.batches.append(event)
        for path, value in self.after.get(event.step, ()):
            self.control.request_change(path, value)
        if event.step == self.stop_at:
            self.control.request_stop("test stop")

    def on_epoch_end(self, event):
        self.epochs.append(event)
        for path, value in self.after_epoch.get(event.epoch, ()):
            self.control.request_change(path, value)

    def on_setting_changed(self, change):
        self.changes.append(change)

    def on_setting_refused(self, refusal):
        self.refusals.append(refusal)

    def lrs(self):
        return [event.lr for event in self.batches]


def train(spec, data, **asked):
    trainer = Trainer(spec, data)
    changer = Changer(trainer.control, **asked)
    result = trainer.fit([changer])
    return trainer, changer, result


def test_a_new_learning_rate_is_used_from_the_next_batch(small_data):
    trainer, changer, result = train(small_spec(), small_data, after={3: [("lr", 0.01)]})
    assert result.status == "completed"
    assert changer.lrs() == [0.001] * 3 + [0.01] * 11
    (change,) = changer.changes
    assert change == SettingChange(4, 1, "optimizer.lr", 0.001, 0.01)
    assert change.label == "lr 0.001 -> 0.01"
    assert trainer.spec.optimizer["lr"] == 0.01 and trainer.changes == [change]
    assert [group["lr"] for group in trainer.optimizer.param_groups] == [0.01]


def test_momentum_and_weight_decay_reach_the_optimizer(small_data):
    spec = small_spec(optimizer={"name": "sgd", "lr": 0.05, "momentum": 0.9})
    asked = {2: [("momentum", 0.5), ("weight_decay", 0.001)]}
    trainer, changer, _ = train(spec, small_data, after=asked)
    assert [c.label for c in changer.changes] == ["momentum 0.9 -> 0.5", "weight decay 0 -> 0.001"]
    group = trainer.optimizer.param_groups[0]
    assert (group["momentum"], group["weight_decay"]) == (0.5, 0.001)


def test_rmsprop_started_without_momentum_takes_momentum_mid_run(small_data):
    """RMSprop keeps a momentum buffer only when it started with momentum: its next step failed
    with KeyError 'momentum_buffer' before the trainer gave it one."""
    spec = small_spec(optimizer={"name": "rmsprop", "momentum": 0.0})
    trainer, changer, result = train(spec, small_data, after={2: [("momentum", 0.9)]})
    assert result.status == "completed" and len(changer.changes) == 1
    assert trainer.optimizer.param_groups[0]["momentum"] == 0.9


def test_augmentation_changes_from_the_next_batch_drawn(small_data):
    """Batches are augmented as they are drawn: the batch after the change is mirrored, the
    ones before it are the same as without the change."""
    _, plain, _ = train(small_spec(), small_data)
    _, changed, _ = train(small_spec(), small_data, after={3: [("hflip", True)]})
    losses = [e.loss for e in plain.batches], [e.loss for e in changed.batches]
    assert losses[0][:3] == losses[1][:3]
    assert losses[0][3] != losses[1][3]
    assert changed.changes[0].label == "mirroring off -> on"


def test_augmentation_asked_for_before_the_first_batch_equals_a_run_set_up_with_it(small_data):
    """The rebuilt augmenter draws from the run's own augmentation generator."""
    mirrored = Trainer(small_spec(augment={"hflip": True, "crop_padding": 2}), small_data)
    mirrored.fit()
    trainer = Trainer(small_spec(), small_data)
    trainer.control.request_change("augment.hflip", True)
    trainer.control.request_change("crop_padding", 2)
    trainer.fit()
    assert trainer.spec.to_dict() == mirrored.spec.to_dict()
    for name, tensor in mirrored.model.state_dict().items():
        assert torch.equal(tensor, trainer.model.state_dict()[name]), name


def test_more_epochs_asked_for_mid_run_are_trained(small_data):
    _, changer, result = train(small_spec(), small_data, after={3: [("epochs", 3)]})
    assert result.epochs_completed == 3 and len(changer.batches) == 21
    assert [e.epochs for e in changer.epochs] == [3, 3, 3]


def test_more_epochs_asked_for_while_the_last_epoch_is_checked_are_trained(small_data):
    """A change that arrives during the last epoch's validation still counts."""
    _, changer, result = train(small_spec(), small_data, after_epoch={2: [("epochs", 4)]})
    assert result.epochs_completed == 4
    assert changer.changes[0] == SettingChange(15, 3, "training.epochs", 2, 4)


def test_fewer_epochs_end_the_run_after_the_epoch_in_progress(small_data):
    spec = small_spec(training={"epochs": 4})
    _, changer, result = train(spec, small_data, after={9: [("epochs", 2)]})
    assert (result.status, result.epochs_completed) == ("completed", 2)
    assert changer.changes[0].label == "epochs 4 -> 2"


def test_epochs_below_the_epoch_in_progress_are_refused(small_data):
    trainer, changer, result = train(small_spec(), small_data, after={9: [("epochs", 1)]})
    assert result.epochs_completed == 2 and changer.changes == []
    (refusal,) = changer.refusals
    assert refusal.reason == (
        "The run has reached epoch 2, so it can end after epoch 2 at the earliest: 1 epoch is "
        "too few."
    )
    assert trainer.spec.training["epochs"] == 2


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
def test_a_schedule_over_the_whole_run_is_recomputed_for_the_new_length(small_data, schedule):
    """From the change on, the rates (and one-cycle's momentum) are those of a run set up with
    the new number of epochs from the start."""
    spec = small_spec(optimizer={"name": "sgd", "lr": 0.05}, schedule={"name": schedule})
    longer = small_spec(
        optimizer={"name": "sgd", "lr": 0.05}, schedule={"name": schedule}, training={"epochs": 3}
    )
    straight, straight_events, _ = train(longer, small_data)
    changed, events, _ = train(spec, small_data, after={4: [("epochs", 3)]})
    assert events.lrs()[4:] == pytest.approx(straight_events.lrs()[4:], rel=1e-9)
    assert events.lrs()[:4] != pytest.approx(straight_events.lrs()[:4])
    ends = [g[key] for g in straight.optimizer.param_groups for key in ("lr", "momentum")]
    assert [
        g[key] for g in changed.optimizer.param_groups for key in ("lr", "momentum")
    ] == pytest.approx(ends, rel=1e-9)


@pytest.mark.parametrize(
    ("spec", "path", "value", "reason"),
    [
        (
            small_spec(schedule={"name": "cosine"}),
            "optimizer.lr",
            0.01,
            "lr: Fixed while the run trains: the cosine schedule sets the learning rate at "
            "every batch.",
        ),
        (
            small_spec(),
            "training.batch_size",
            16,
            "batch size: Fixed while the run trains: the batches are already laid out. Stop the "
            "run to change it.",
        ),
        (
            small_spec(),
            "optimizer.momentum",
            0.5,
            "momentum: adam has no momentum to change (only sgd and rmsprop use it).",
        ),
        (small_spec(), "optimizer.lr", -1.0, "optimizer.lr"),
    ],
)
def test_a_change_that_cannot_be_made_is_refused_in_plain_words(
    small_data, spec, path, value, reason
):
    with pytest.raises(SpecError) as error:
        check_change(spec, path, value, 1)
    assert str(error.value).startswith(reason)
    trainer, changer, result = train(spec, small_data, after={2: [(path, value)]})
    assert result.status == "completed" and changer.changes == [] and trainer.changes == []
    assert changer.refusals[0].reason == str(error.value)
    assert trainer.spec.to_dict() == spec.to_dict()


def test_every_setting_is_either_live_or_locked_with_a_reason():
    spec = small_spec(optimizer={"name": "sgd"})
    paths = [f"{s}.{p.name}" for s, params in SECTIONS.items() for p in params]
    for path in [*paths, "seed", "preset", "layers", "dataset.name", "device"]:
        reason = locked_reason(spec, path)
        assert (reason is None) == (path in LIVE_SETTINGS), path
        assert reason is None or reason.startswith("Fixed while the run trains: "), reason
    assert locked_reason(spec, "layers").endswith(
        "the network is already built. Stop the run to change it."
    )


def test_changes_are_written_to_the_folder_and_the_checkpoint_as_they_are_made(
    tmp_path, small_data
):
    spec = small_spec()
    control = TrainingControl()
    trainer_changes = Changer(control, after={3: [("lr", 0.01)], 10: [("hflip", True)]})

    class Watch(Callback):  # the folder has the change when listeners hear of it
        def on_setting_changed(self, change):
            written.append(read_changes(session.folder))

    written = []
    with RunSession.new(spec, tmp_path / "run") as session:
        session.train(session.load_data(), control, [trainer_changes, Watch()])
    folder = tmp_path / "run"
    lines = (folder / "changes.csv").read_text().splitlines()
    assert lines == [
        "step,epoch,setting,old,new",
        "4,1,optimizer.lr,0.001,0.01",
        "11,2,augment.hflip,false,true",
    ]
    assert [len(changes) for changes in written] == [1, 2]
    assert read_changes(folder) == session.trainer.changes == trainer_changes.changes
    saved = json.loads((folder / "spec.json").read_text())
    assert (saved["optimizer"]["lr"], saved["augment"]["hflip"]) == (0.01, True)
    checkpoint = read_checkpoint(folder / "last.pt")
    assert checkpoint.training.changes == trainer_changes.changes
    assert checkpoint.spec.optimizer["lr"] == 0.01
    assert "lr 0.001 -&gt; 0.01" in report_html(read_run(folder))
    # The report's plot marks each where its first batch starts: 7 batches an epoch.
    assert change_places(folder) == [(3 / 7, trainer_changes.changes[0]), (10 / 7, written[1][1])]
    loss_axes = curves_figure([read_run(folder)]).axes[0]
    assert [text.get_text() for text in loss_axes.texts] == [c.label for c in written[1]]
    marks = [line.get_xdata()[0] for line in loss_axes.lines if line.get_linestyle() == ":"]
    assert marks == [3 / 7, 10 / 7]


def test_a_checkpoint_from_before_changes_loads_with_none(small_data):
    state = Trainer(small_spec(), small_data).training_state().to_dict()
    del state["changes"]
    assert TrainingState.from_dict(state).changes == []
    state["changes"] = [
        {"step": 1, "epoch": 1, "setting": "training.batch_size", "old": 32, "new": 16}
    ]
    with pytest.raises(CnnstudioError, match=r"training\.changes: a malformed setting change"):
        TrainingState.from_dict(state)


def test_a_torn_last_row_of_changes_csv_is_left_out(tmp_path):
    (tmp_path / "changes.csv").write_text(
        "step,epoch,setting,old,new\n4,1,optimizer.lr,0.001,0.01\n9,2,optimizer.l"
    )
    assert read_changes(tmp_path) == [SettingChange(4, 1, "optimizer.lr", 0.001, 0.01)]


def test_a_resumed_run_keeps_the_changes_its_checkpoint_holds(tmp_path, small_data):
    """Changes after the checkpoint (the run was stopped mid-epoch) are dropped with the batches
    that used them; the resumed run goes on with the checkpoint's settings."""
    folder = tmp_path / "run"
    spec = small_spec(training={"epochs": 3})
    control = TrainingControl()
    changer = Changer(control, after={3: [("lr", 0.01)], 9: [("lr", 0.02)]}, stop_at=10)
    with RunSession.new(spec, folder) as session:
        session.train(session.load_data(), control, [changer])
    assert len(read_changes(folder)) == 2  # the second was made after the epoch-1 checkpoint
    assert json.loads((folder / "spec.json").read_text())["optimizer"]["lr"] == 0.02
    control = TrainingControl()
    changer = Changer(control, after={17: [("weight_decay", 0.001)]})
    with RunSession.resume(folder) as session:
        steps = session.batches(session.load_data(), control, [changer])
        first = next(steps)
        assert read_changes(folder) == [SettingChange(4, 1, "optimizer.lr", 0.001, 0.01)]
        assert json.loads((folder / "spec.json").read_text())["optimizer"]["lr"] == 0.01
        for _ in steps:
            pass
    assert isinstance(first, BatchEnded) and first.lr == 0.01 and first.step == 8
    assert [c.label for c in read_changes(folder)] == [
        "lr 0.001 -> 0.01",
        "weight decay 0 -> 0.001",
    ]
    assert read_checkpoint(folder / "last.pt").training.changes == read_changes(folder)
    assert isinstance(changer.epochs[-1], EpochEnded) and changer.epochs[-1].epoch == 3
