import dataclasses
import threading

import numpy as np
import pytest
import torch

from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted
from tests.conftest import small_spec


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_fit_start(self, event):
        self.events.append(event)

    def on_batch_end(self, event):
        self.events.append(event)

    def on_epoch_end(self, event):
        self.events.append(event)

    def on_error(self, event):
        self.events.append(event)

    def on_fit_end(self, event):
        self.events.append(event)

    def of(self, kind):
        return [e for e in self.events if isinstance(e, kind)]


def fit(spec, data, *callbacks, control=None):
    recorder = Recorder()
    trainer = Trainer(spec, data, control)
    result = trainer.fit([recorder, *callbacks])
    return trainer, recorder, result


def assert_plain(value):
    """Event payloads hold numbers, strings, tuples and numpy copies, never tensors."""
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            assert_plain(getattr(value, field.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            assert_plain(item)
    else:
        assert isinstance(value, (int, float, str, bool, np.ndarray, type(None))), type(value)


def test_fit_announces_start_batches_epochs_and_end_with_plain_payloads(small_data):
    _, recorder, result = fit(small_spec(), small_data)
    kinds = [type(e) for e in recorder.events]
    assert kinds[0] is FitStarted and kinds[-1] is FitEnded
    assert kinds.count(EpochEnded) == 2 and kinds.count(BatchEnded) == 2 * 7
    assert kinds.index(EpochEnded) == 1 + 7  # the epoch ends after its 7 batches
    for event in recorder.events:
        assert_plain(event)
    start = recorder.of(FitStarted)[0]
    assert (start.train_size, start.val_size, start.batches_per_epoch) == (200, 50, 7)
    assert start.device == "cpu" and not start.mixed_precision
    batch = recorder.of(BatchEnded)[-1]
    assert (batch.epoch, batch.batch, batch.step) == (2, 7, 14)
    assert batch.images_per_second > 0 and batch.lr == 0.001
    epoch = recorder.of(EpochEnded)[-1]
    assert epoch.confusion.shape == (10, 10) and epoch.confusion.sum() == 50
    assert epoch.val_accuracy == pytest.approx(np.trace(epoch.confusion) / 50)
    assert epoch.val_predictions.shape == (50,) and epoch.val_confidence.shape == (50,)
    assert ((epoch.val_confidence > 0) & (epoch.val_confidence <= 1)).all()
    assert epoch.per_class.support.tolist() == [5] * 10
    assert result.status == "completed" and result.epochs_completed == 2


def test_same_spec_and_seed_on_cpu_give_identical_metrics(small_data):
    runs = [fit(small_spec(), small_data)[1] for _ in range(2)]
    first, second = (
        [(e.train_loss, e.val_loss, e.val_accuracy) for e in r.of(EpochEnded)] for r in runs
    )
    assert first == second
    assert [e.loss for e in runs[0].of(BatchEnded)] == [e.loss for e in runs[1].of(BatchEnded)]
    other_seed = fit(small_spec(seed=1), small_data)[1]
    assert [e.loss for e in other_seed.of(BatchEnded)] != [e.loss for e in runs[0].of(BatchEnded)]


class StopFromAnotherThread(Callback):
    def __init__(self, control, at_step):
        self.control, self.at_step = control, at_step

    def on_batch_end(self, event):
        if event.step == self.at_step:
            thread = threading.Thread(target=self.control.request_stop)
            thread.start()
            thread.join()


def test_stop_set_by_another_thread_takes_effect_at_the_next_batch(small_data):
    control = TrainingControl()
    _, recorder, result = fit(
        small_spec(), small_data, StopFromAnotherThread(control, 3), control=control
    )
    assert len(recorder.of(BatchEnded)) == 3
    assert recorder.of(EpochEnded) == []
    assert result.status == "stopped" and result.reason == "stopped by the user"


class ObservedControl(TrainingControl):
    """Tells the test when the training loop is blocked in its pause."""

    def __init__(self):
        super().__init__()
        self.waiting = threading.Event()

    def wait_while_paused(self):
        if self.paused:
            self.waiting.set()
        return super().wait_while_paused()


def test_pause_holds_the_loop_between_batches_until_resumed(small_data):
    control = ObservedControl()
    recorder = Recorder()

    class PauseAtFirstBatch(Callback):
        def on_batch_end(self, event):
            if event.step == 1:
                control.pause()

    trainer = Trainer(small_spec(), small_data, control)
    result = {}
    worker = threading.Thread(
        target=lambda: result.setdefault("end", trainer.fit([recorder, PauseAtFirstBatch()]))
    )
    worker.start()
    assert control.waiting.wait(timeout=60)
    assert len(recorder.of(BatchEnded)) == 1  # blocked before the second batch
    control.resume()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert result["end"].status == "completed" and len(recorder.of(BatchEnded)) == 14


def test_stop_while_paused_ends_the_run(small_data):
    control = TrainingControl()
    control.pause()
    control.request_stop()
    assert not control.paused
    _, recorder, result = fit(small_spec(), small_data, control=control)
    assert result.status == "stopped" and recorder.of(BatchEnded) == []


class PoisonWeights(Callback):
    def __init__(self, trainer_box, at_step):
        self.box, self.at_step = trainer_box, at_step

    def on_batch_end(self, event):
        if event.step == self.at_step:
            model = self.box["trainer"].model
            with torch.no_grad():
                model[0].weight.fill_(float("nan"))
            self.box["bias_before"] = model[-1].bias.detach().clone()


def test_non_finite_loss_stops_with_advice_and_keeps_the_weights(small_data):
    box = {}
    trainer = Trainer(small_spec(), small_data)
    box["trainer"] = trainer
    recorder = Recorder()
    result = trainer.fit([recorder, PoisonWeights(box, 9)])
    assert result.status == "failed"
    failure = recorder.of(FitFailed)[0]
    assert failure.kind == "non_finite_loss"
    assert "NaN" in failure.message and "epoch 2, batch 3" in failure.message
    assert "learning rate" in failure.message
    assert torch.equal(trainer.model[-1].bias, box["bias_before"])  # no step on the bad batch
    assert result.epochs_completed == 1 and result.best_epoch == 1
    assert isinstance(recorder.events[-1], FitEnded)


def test_out_of_memory_ends_the_run_naming_the_batch_size(small_data, monkeypatch):
    trainer = Trainer(small_spec(), small_data)
    calls = {"n": 0}
    forward = trainer.model.forward

    def forward_that_runs_out(x):
        calls["n"] += 1
        if calls["n"] == 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return forward(x)

    monkeypatch.setattr(trainer.model, "forward", forward_that_runs_out)
    recorder = Recorder()
    result = trainer.fit([recorder])
    assert result.status == "failed"
    failure = recorder.of(FitFailed)[0]
    assert failure.kind == "out_of_memory"
    assert "batch size 32" in failure.message and "try 16" in failure.message


def test_unexpected_errors_are_announced_then_raised(small_data):
    class Broken(Callback):
        def on_batch_end(self, event):
            raise ValueError("listener bug")

    recorder = Recorder()
    with pytest.raises(ValueError, match="listener bug"):
        Trainer(small_spec(), small_data).fit([recorder, Broken()])
    assert recorder.of(FitFailed)[0].kind == "exception"
    assert recorder.of(FitEnded)[0].status == "failed"


def test_early_stopping_ends_a_run_that_stops_improving(small_data):
    spec = small_spec(optimizer={"lr": 1e-9}, training={"epochs": 6, "early_stopping_patience": 2})
    result = fit(spec, small_data)[2]
    assert result.status == "stopped" and "early stopping" in result.reason
    assert result.epochs_completed == 3


@pytest.mark.parametrize(
    ("schedule", "check"),
    [
        ({"name": "step", "step_size": 1, "gamma": 0.5}, lambda lrs: lrs == [1e-3, 5e-4]),
        # 14 batches in all; the last batch of each epoch used step 6 and step 13 of 14.
        ({"name": "cosine"}, lambda lrs: lrs == pytest.approx([6.1126e-4, 1.2536e-5], rel=1e-4)),
        ({"name": "onecycle"}, lambda lrs: lrs[0] > 5e-4 and lrs[1] < 1e-6),
    ],
)
def test_learning_rate_schedules(small_data, schedule, check):
    _, recorder, _ = fit(small_spec(schedule=schedule), small_data)
    lrs = [e.lr for e in recorder.of(EpochEnded)]
    assert check(lrs), lrs


def test_plateau_schedule_drops_the_rate_once_the_patience_runs_out(small_data):
    # Plain SGD at 1e-7 cannot improve the validation loss: epoch 1 sets the best, epochs 2 and 3
    # miss it; with patience 1 the second miss cuts the rate tenfold, so epoch 4 trains at 1e-8.
    # (torch ignores cuts smaller than 1e-8, so the rate starts well above that.)
    spec = small_spec(
        optimizer={"name": "sgd", "lr": 1e-7, "momentum": 0.0},
        schedule={"name": "plateau", "patience": 1, "gamma": 0.1},
        training={"epochs": 4},
    )
    _, recorder, _ = fit(spec, small_data)
    lrs = [e.lr for e in recorder.of(EpochEnded)]
    assert lrs == pytest.approx([1e-7, 1e-7, 1e-7, 1e-8], rel=1e-9), lrs


@pytest.mark.parametrize(
    "optimizer",
    [
        {"name": "sgd", "lr": 0.05, "nesterov": True},
        {"name": "adam"},
        {"name": "adamw", "weight_decay": 0.01},
        {"name": "rmsprop", "momentum": 0.0},
    ],
)
def test_each_optimizer_trains_with_clipping_and_label_smoothing(small_data, optimizer):
    spec = small_spec(optimizer=optimizer, training={"grad_clip": 1.0, "label_smoothing": 0.1})
    trainer, recorder, result = fit(spec, small_data)
    assert result.status == "completed"
    assert type(trainer.optimizer).__name__.lower() == optimizer["name"]
    first, last = recorder.of(BatchEnded)[0], recorder.of(EpochEnded)[-1]
    assert last.train_loss < first.loss


def test_input_transform_trains_on_grayscale_resized_images(small_data):
    trainer, recorder, _ = fit(small_spec(input={"size": 28, "channels": 1}), small_data)
    assert recorder.of(FitStarted)[0].input_shape == (1, 28, 28)
    assert trainer.model[0].in_channels == 1


def test_default_spec_reaches_90_percent_validation_accuracy():
    """The promise of the built-in dataset: the default run learns it well (about 25 s here)."""
    spec = RunSpec.from_dict({"device": "cpu"})
    trainer = Trainer(spec, get_source("shapes").load(spec.dataset["options"]))
    recorder = Recorder()
    result = trainer.fit([recorder])
    first = recorder.of(EpochEnded)[0]
    assert first.val_accuracy < 0.7  # it has to learn: not solved after one epoch
    assert result.status == "completed" and result.best_val_accuracy >= 0.90


def test_stepping_batch_by_batch_trains_as_fit_does(small_data):
    """Two trainers stepped in turn (as a race does) end exactly as one fit each."""
    spec = small_spec(training={"epochs": 2, "batch_size": 16})
    alone = Trainer(spec, small_data).fit()
    first, second = Trainer(spec, small_data), Trainer(spec, small_data)
    steps = [first.batches(), second.batches()]
    yielded = [0, 0]
    ended = [None, None]
    while None in ended:
        for index, batches in enumerate(steps):
            if ended[index] is None:
                try:
                    assert isinstance(next(batches), BatchEnded)
                    yielded[index] += 1
                except StopIteration as end:
                    ended[index] = end.value
    assert yielded[0] == yielded[1] == 2 * len(first.train_loader)
    assert ended[0].best_val_accuracy == ended[1].best_val_accuracy == alone.best_val_accuracy
    theirs = second.model.state_dict()
    for name, mine in first.model.state_dict().items():
        assert torch.equal(mine, theirs[name])
