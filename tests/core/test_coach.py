"""The training coach on real runs (issue 12): each rule speaks on a run that shows its problem and
stays quiet on one that does not; the default run gets no note at all."""

import torch

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.insight.coach import Coach
from cnnstudio.core.insight.coach_notes import apply_fix, load_notes
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.engine import Trainer
from tests.conftest import small_spec


def coached(tmp_path, spec, data=None, name="run"):
    """Train `spec` into a run folder; the notes the coach handed over, the result, the folder."""
    heard, folder = [], tmp_path / name
    with RunSession.new(spec, folder) as session:
        images = data if data is not None else session.load_data()
        result = session.train(images, coach_listener=heard.append)
    return heard, result, folder


def shapes(train, val, epochs, **sections):
    return small_spec(
        dataset={"name": "shapes", "options": {"train_size": train, "val_size": val}},
        training={"epochs": epochs, "batch_size": 32},
        **sections,
    )


def rules(notes):
    return [note.rule for note in notes]


def test_the_default_run_gets_no_note(tmp_path):
    # The run `cnnstudio train` makes with no spec: all 12,000 built-in shapes, 10 epochs (about
    # 15 s on a 2-core CPU).
    heard, result, folder = coached(tmp_path, RunSpec.from_dict({}))
    assert result.status == "completed" and result.best_val_accuracy > 0.9  # a healthy run
    assert heard == []
    assert load_notes(folder) == []  # watched, nothing to say (not "never coached")


def test_a_last_layer_that_starts_far_too_sure_is_noticed_at_the_first_batch(small_data):
    def first_notes(scale, from_scratch=True):
        trainer = Trainer(small_spec(training={"epochs": 1}), small_data)
        with torch.no_grad():
            trainer.model[-1].weight.mul_(scale)
        heard = []
        trainer.fit([Coach(trainer.spec, listener=heard.append, from_scratch=from_scratch)])
        return heard

    broken = first_notes(50.0)
    assert rules(broken)[0] == "first_batch_loss"
    assert (broken[0].epoch, broken[0].step) == (1, 1)
    assert "2.30" in broken[0].meaning  # ln(10), the even guess
    assert "first_batch_loss" not in rules(first_notes(1.0))
    # A run from trained weights (a fork) is not expected to start at an even guess.
    assert "first_batch_loss" not in rules(first_notes(50.0, from_scratch=False))


def test_a_rate_too_low_leaves_the_network_guessing_and_the_fix_raises_it(tmp_path):
    spec = shapes(1000, 200, 5, optimizer={"lr": 1e-5})
    heard, _, folder = coached(tmp_path, spec)
    assert rules(heard) == ["stuck_at_chance"]
    note = heard[0]
    assert (note.epoch, note.step) == (5, 160)  # not before 150 steps: an epoch has 32
    assert "too low" in note.meaning
    assert apply_fix(spec, note.fix).optimizer["lr"] == 1e-4
    assert load_notes(folder) == heard


def test_a_rate_too_high_is_told_apart_from_one_too_low(tmp_path):
    spec = shapes(1000, 200, 3, optimizer={"name": "sgd", "lr": 1.0})
    heard, _, _ = coached(tmp_path, spec)
    assert rules(heard) == ["stuck_at_chance"]
    assert "too high" in heard[0].meaning
    assert heard[0].fix.change == {"optimizer": {"lr": 0.1}}


def test_a_loss_shooting_up_is_noticed_within_the_first_epoch(tmp_path):
    heard, _, _ = coached(tmp_path, shapes(1000, 200, 2, optimizer={"lr": 0.1}))
    assert rules(heard) == ["loss_rising"]  # "still guessing" would say the same again
    assert heard[0].epoch == 1 and heard[0].step < 10
    assert heard[0].fix.change == {"optimizer": {"lr": 0.01}}


def test_a_nan_loss_is_a_note_at_the_batch_that_failed(tmp_path):
    spec = shapes(1000, 200, 2, optimizer={"name": "sgd", "lr": 10.0})
    heard, result, folder = coached(tmp_path, spec)
    assert result.status == "failed"
    note = heard[-1]
    assert note.rule == "non_finite_loss" and note.severity == "problem"
    assert f"batch {note.step}," in note.meaning  # the engine's message names the same batch
    assert note.fix.change == {"optimizer": {"lr": 1.0}}
    assert load_notes(folder)[-1] == note


def test_memorising_a_tiny_training_set_is_overfitting(tmp_path):
    # 60 training images: 6 a class, and 12 epochs of two batches each.
    heard, _, _ = coached(tmp_path, shapes(60, 200, 12))
    assert rules(heard) == ["too_few_images", "overfitting"]
    too_few, overfit = heard
    assert too_few.epoch == 0 and "62,006" in too_few.meaning
    assert overfit.fix.change == {"augment": {"crop_padding": 4}}
    assert "validation loss rose" in overfit.meaning


def test_a_stalled_validation_loss_is_a_plateau(tmp_path):
    small_net = [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 5, "stride": 2},
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "flatten"},
        {"type": "linear", "out_features": "auto"},
    ]
    spec = shapes(2000, 300, 8, layers=small_net, optimizer={"lr": 0.01})
    heard, _, _ = coached(tmp_path, spec)
    assert rules(heard) == ["plateau"]
    assert heard[0].epoch == 8
    assert apply_fix(spec, heard[0].fix).schedule["name"] == "plateau"


def test_a_run_ending_while_improving_can_be_extended_and_keeps_its_notes(tmp_path):
    heard, _, folder = coached(tmp_path, shapes(1000, 200, 3))
    assert rules(heard) == ["train_longer"]  # and not "still guessing": it learns
    fix = heard[0].fix
    assert (fix.kind, fix.epochs) == ("extend", 3)
    more = []
    with RunSession.extend(folder, fix.epochs) as session:
        session.train(session.load_data(), coach_listener=more.append)
    kept = load_notes(folder)
    assert kept[: len(heard)] == heard
    assert kept[len(heard) :] == more
    assert [(note.rule, note.epoch) for note in more] == [("train_longer", 6)]  # improving still


def test_imbalanced_and_leaking_data_are_noticed_before_training(tmp_path, small_data):
    keep = torch.ones(len(small_data.train_labels), dtype=torch.bool)
    keep[(small_data.train_labels == 0).nonzero()[4:]] = False  # 4 discs against 20 of others
    leaked = ImageData(
        torch.cat([small_data.train_images[keep], small_data.val_images[:3]]),
        torch.cat([small_data.train_labels[keep], small_data.val_labels[:3]]),
        small_data.val_images,
        small_data.val_labels,
        small_data.class_names,
    )
    heard, _, _ = coached(tmp_path, small_spec(), leaked)
    assert rules(heard) == ["class_imbalance", "leakage", "too_few_images"]  # 4 discs < 20
    assert all(note.epoch == 0 and note.step == 0 for note in heard)
    assert "disc" in heard[0].meaning and "3 validation image(s)" in heard[1].meaning
    # The same run on the balanced data without copies: 20 images a class is enough.
    quiet, _, _ = coached(tmp_path, small_spec(), small_data, name="balanced")
    assert quiet == []


def test_each_note_is_in_coach_json_before_anyone_hears_it(tmp_path):
    folder = tmp_path / "run"
    on_disk = []

    def listen(note):
        on_disk.append(load_notes(folder)[-1] == note)

    with RunSession.new(shapes(1000, 200, 5, optimizer={"lr": 1e-5}), folder) as session:
        session.train(session.load_data(), coach_listener=listen)
    assert on_disk == [True]
