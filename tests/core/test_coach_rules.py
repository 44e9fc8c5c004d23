"""Coach rules that a test-sized real run cannot show, on event sequences (issue 12): a network
that learns a little then stops (on the built-in shapes, a too-small network stays at guessing
level, which the "still guessing" rule covers, or keeps creeping up for minutes), a training loss
rising over epochs, a wide train/validation gap. Also: the notes' file, fixes and resuming."""

import json

import numpy as np
import pytest

from cnnstudio.core.insight.coach import Coach
from cnnstudio.core.insight.coach_notes import (
    COACH_FILE,
    CoachFix,
    CoachNote,
    apply_fix,
    load_notes,
    save_notes,
)
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.events import EpochEnded, FitEnded, FitStarted
from cnnstudio.core.training.metrics import class_metrics

CLASSES = 10


def epoch_event(epoch, train_loss, train_accuracy, val_loss, val_accuracy):
    matrix = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    return EpochEnded(
        epoch=epoch,
        epochs=20,
        train_loss=train_loss,
        train_accuracy=train_accuracy,
        val_loss=val_loss,
        val_accuracy=val_accuracy,
        val_top5_accuracy=val_accuracy,
        lr=0.001,
        seconds=1.0,
        confusion=matrix,
        per_class=class_metrics(matrix),
        val_predictions=np.zeros(0, dtype=np.int64),
        val_confidence=np.zeros(0, dtype=np.float32),
        best_epoch=epoch,
        is_best=True,
    )


def notes_after(rows, spec=None, run_dir=None, earlier=()):
    """The notes a coach gives after epochs of (train loss, train acc, val loss, val acc),
    resuming after the `earlier` ones."""
    coach = Coach(spec or RunSpec(), run_dir)
    coach.replay([epoch_event(epoch, *row) for epoch, row in enumerate(earlier, 1)])
    first = len(earlier) + 1
    names = tuple("abcdefghij")
    coach.on_fit_start(FitStarted(20, first, 100, 6400, 1000, names, (3, 32, 32), "cpu", False, 9))
    for epoch, row in enumerate(rows, first):
        coach.watch.step = epoch * 100  # as the batches before each epoch's end would
        coach.on_epoch_end(epoch_event(epoch, *row))
    coach.on_fit_end(FitEnded("completed", "", len(earlier) + len(rows), None, None, 1.0))
    return coach.notes


def test_low_flat_accuracies_are_underfitting():
    learning = [(1.9, 0.30, 1.9, 0.29), (1.8, 0.34, 1.85, 0.32), (1.8, 0.345, 1.84, 0.33)]
    flat = [*learning, (1.79, 0.35, 1.84, 0.33), (1.79, 0.352, 1.84, 0.335)]
    notes = notes_after(flat)
    assert [n.rule for n in notes] == ["underfitting"]
    assert notes[0].epoch == 5 and "35%" in notes[0].meaning
    assert notes[0].fix.change == {"optimizer": {"lr": 0.003}}
    climbing = [(1.9 - i / 10, 0.30 + i / 20, 1.9 - i / 10, 0.29 + i / 20) for i in range(6)]
    assert "underfitting" not in [n.rule for n in notes_after(climbing)]


def test_train_longer_takes_two_better_epochs_in_a_row_not_one_lucky_one():
    start = [(1.0, 0.6, 1.0, 0.6), (0.8, 0.7, 0.8, 0.7)]
    lucky = [*start, (0.7, 0.75, 0.85, 0.72), (0.6, 0.8, 0.75, 0.74)]
    assert notes_after(lucky) == []
    trend = [*start, (0.7, 0.75, 0.78, 0.72), (0.6, 0.8, 0.7, 0.74)]
    notes = notes_after(trend)
    assert [n.rule for n in notes] == ["train_longer"]
    assert "(0.800 -> 0.780 -> 0.700)" in notes[0].meaning
    assert (notes[0].fix.kind, notes[0].fix.epochs) == ("extend", 10)  # half the run's 20
    # The default run's ending on two threads: the loss still creeps down, the accuracy hardly.
    creeping = [*start, (0.7, 0.75, 0.78, 0.73), (0.6, 0.8, 0.7, 0.7345)]
    assert notes_after(creeping) == []


def test_a_training_loss_rising_two_epochs_running_says_the_rate_is_too_high():
    notes = notes_after(
        [(1.0, 0.6, 1.0, 0.6), (0.8, 0.7, 0.9, 0.65), (0.9, 0.68, 0.95, 0.6), (1.0, 0.66, 1.0, 0.6)]
    )
    assert [n.rule for n in notes] == ["loss_rising"]
    assert "0.800 -> 0.900 -> 1.000" in notes[0].meaning
    wobble = [
        (1.0, 0.6, 1.0, 0.6),
        (0.8, 0.7, 0.9, 0.65),
        (0.81, 0.7, 0.9, 0.65),
        (0.82, 0.71, 0.89, 0.66),
    ]
    assert notes_after(wobble) == []  # 2.5% above its lowest: noise, not a rising loss


def test_a_wide_gap_between_training_and_validation_accuracy_is_overfitting():
    gap = [(0.9, 0.7, 1.0, 0.6), (0.5, 0.88, 1.1, 0.62), (0.3, 0.93, 1.1, 0.65)]
    notes = notes_after(gap)
    assert [n.rule for n in notes] == ["overfitting"]
    assert "Training accuracy is 93% but validation accuracy only 65%" in notes[0].meaning
    assert notes_after(gap[:2]) == []  # one wide epoch is not enough
    # With augmentation already on, the fix is weight decay.
    spec = RunSpec.from_dict({"augment": {"hflip": True}})
    assert notes_after(gap, spec)[0].fix.change == {"optimizer": {"weight_decay": 0.0005}}


def test_a_resumed_run_keeps_its_notes_and_does_not_repeat_them(tmp_path):
    stalled = [
        (1.0, 0.6, 1.0, 0.6),
        (0.9, 0.65, 1.01, 0.6),
        (0.85, 0.66, 1.0, 0.61),
        (0.8, 0.67, 1.02, 0.6),
    ]
    first = notes_after(stalled, run_dir=tmp_path)
    assert [n.rule for n in first] == ["plateau"]
    # Still stalled after resuming: the plateau was already told.
    again = notes_after([(0.8, 0.67, 1.03, 0.6)] * 2, run_dir=tmp_path, earlier=stalled)
    assert again == first
    assert load_notes(tmp_path) == first


def test_notes_survive_their_file_and_a_damaged_file_is_no_notes(tmp_path):
    note = CoachNote(
        "plateau", "warning", "t", "m", "a.", 3, 300, CoachFix("spec", "l", {"schedule": {}})
    )
    save_notes(tmp_path, [note])
    assert load_notes(tmp_path) == [note]
    assert load_notes(tmp_path / "nowhere") is None  # a run from before the coach
    for damaged in ("{", '{"format": "cnnstudio.coach", "notes": [{"rule": 1}]}', "[]"):
        (tmp_path / COACH_FILE).write_text(damaged)
        assert load_notes(tmp_path) is None
    document = {"format": "cnnstudio.coach", "version": 1, "notes": [note.to_dict()]}
    (tmp_path / COACH_FILE).write_text(json.dumps(document))
    assert load_notes(tmp_path) == [note]


def test_a_fix_is_a_validated_change_of_the_spec():
    spec = RunSpec()
    changed = apply_fix(spec, CoachFix("spec", "", {"optimizer": {"lr": 0.01}}))
    assert changed.optimizer == {**spec.optimizer, "lr": 0.01}
    assert spec.differences(changed) == ["optimizer.lr: 0.001 -> 0.01"]
    with pytest.raises(ValueError):
        apply_fix(spec, CoachFix("extend", "Train 5 more epochs", epochs=5))
