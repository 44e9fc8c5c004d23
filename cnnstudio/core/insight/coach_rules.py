"""The coach's rules: each reads what the run has shown so far (`RunWatch`) and returns a note, or
None while all is well. Every threshold is a constant here, with the reason for its value (the
dataset's are in coach_data.py).

"Guessing level" is the loss of a network that spreads its guesses evenly over K classes: ln(K)
(2.30 for 10 classes). The default run (the tutorial network on 10,000 built-in shapes, 10 epochs)
starts at 2.31 and ends at 94% validation accuracy; no rule fires on it
(tests/core/test_coach.py trains it), and the thresholds below keep a wide margin from it.
"""

from __future__ import annotations

from itertools import pairwise

from cnnstudio.core.insight.coach_notes import CoachFix, CoachNote
from cnnstudio.core.insight.coach_watch import RunWatch, rate_fix, smaller_rate_advice, variety_fix

# First batch: an untrained network sits within max(1.0, half of ln K) of ln K (the default
# run: 2.309 against 2.303). Further off, its labels or its last layer are wrong.
FIRST_LOSS_MARGIN = 1.0
FIRST_LOSS_SHARE = 0.5
# Still guessing: validation accuracy at most 1.5 times chance with the validation loss above 90%
# of ln K. When the loss jumped (the rate is too high) that is clear after 50 update steps (a tiny
# dataset's first epoch can be two steps). A rate too low looks like the slow start every network
# has: the tutorial network on the built-in shapes stays at chance for about 60-100 steps at the
# default rate (2,000 images at batch 32: 13% at step 63, 26% at step 126), so that is said only
# after 150 steps. The default run's first epoch is 157 steps and ends at 43%.
CHANCE_MIN_STEPS = 50
CHANCE_SLOW_START_STEPS = 150
CHANCE_ACCURACY_FACTOR = 1.5
CHANCE_LOSS_SHARE = 0.9
# Which way the rate is wrong: a batch loss above 1.5 ln K means steps overshot (Adam at 0.1
# jumps to 1000); a loss that never left ln K means steps were too small (Adam at 1e-5).
JUMP_SHARE = 1.5
# Diverging: the loss averaged over about the last ten batches climbs above twice its lowest
# value and above ln K (worse than guessing). Or the training loss rose two epochs in a row and
# ended 10% above its lowest (a healthy run's training loss falls almost every epoch).
DIVERGE_FACTOR = 2.0
RISING_EPOCHS = 2
RISING_SHARE = 0.10
# Overfitting: validation loss rose in each of the last 3 epochs while training loss fell in each;
# or training accuracy 20 points above validation accuracy two epochs running (the default run's
# gap stays under 4 points).
OVERFIT_EPOCHS = 3
OVERFIT_GAP = 0.20
OVERFIT_GAP_EPOCHS = 2
# Underfitting: after 4 epochs or more, both accuracies below halfway from chance to 100%, less
# than 10 points apart, and neither gained 2 points over the last 3 epochs.
UNDERFIT_MIN_EPOCHS = 4
UNDERFIT_FLAT_EPOCHS = 3
UNDERFIT_GAIN = 0.02
# Plateau: no validation loss 1% below the best for 3 epochs (the default run never waits more
# than one).
PLATEAU_EPOCHS = 3
IMPROVEMENT = 0.01
# Train longer: the run completed, each of its last 2 epochs set a new best validation loss,
# together 2% or more below the best before them (a trend, not one lucky epoch: epoch-to-epoch
# noise is 5-10% late in the default run), and each raised validation accuracy by a point or
# more: worth the wait for a person. The default run's loss creeps down to its end on two CPU
# threads (0.190, 0.140, 0.135 over epochs 8-10) while its accuracy gains 1.5 and then 0.45
# points, near its ceiling; on one thread its last epoch is not its best. Either way it is quiet.
LONGER_EPOCHS = 2
LONGER_GAIN = 0.02
LONGER_ACCURACY_GAIN = 0.01


def first_batch_loss(watch: RunWatch) -> CoachNote | None:
    if watch.first_loss is None or watch.step != 1:
        return None
    guess, loss = watch.guess_loss, watch.first_loss
    if abs(loss - guess) <= max(FIRST_LOSS_MARGIN, FIRST_LOSS_SHARE * guess):
        return None
    return watch.note(
        "first_batch_loss",
        "problem",
        "The network did not start from an even guess",
        f"Before it has learned anything, a network should spread its guesses evenly over the "
        f"{watch.classes} classes, which gives a loss of about {guess:.2f} (the natural "
        f"logarithm of {watch.classes}). The first batch gave {loss:.2f}, so something is off "
        "before training even starts: usually labels that do not match the images, or a last "
        "layer that starts far too sure of itself.",
        "checking that each class folder holds only images of that class, and that the layer "
        "stack ends with a Linear layer giving one output per class, with nothing after it.",
    )


def loss_diverging(watch: RunWatch) -> CoachNote | None:
    smoothed = watch.smoothed
    if smoothed is None or smoothed <= max(
        DIVERGE_FACTOR * watch.lowest_smoothed, watch.guess_loss
    ):
        return None
    return watch.note(
        "loss_rising",
        "problem",
        "The loss is shooting up",
        f"The training loss, averaged over the last few batches, climbed to {smoothed:.3g}: "
        f"more than twice its lowest ({watch.lowest_smoothed:.3g}) and worse than guessing "
        f"({watch.guess_loss:.2f}). The network is getting worse, not better: the learning rate "
        f"({watch.lr:g}) is very likely too high, so each step jumps past the good weights.",
        smaller_rate_advice(watch),
        rate_fix(watch, 0.1),
    )


def loss_rising(watch: RunWatch) -> CoachNote | None:
    losses = [e.train_loss for e in watch.epochs[-RISING_EPOCHS - 1 :]]
    if len(losses) <= RISING_EPOCHS or any(b <= a for a, b in pairwise(losses)):
        return None
    lowest = min(e.train_loss for e in watch.epochs)
    if losses[-1] < lowest * (1 + RISING_SHARE):
        return None
    shown = " -> ".join(f"{loss:.3f}" for loss in losses)
    return watch.note(
        "loss_rising",
        "problem",
        "The training loss is rising",
        f"The training loss went up {RISING_EPOCHS} epochs in a row ({shown}); it should fall "
        f"as the network learns. The learning rate ({watch.lr:g}) is probably too high.",
        smaller_rate_advice(watch),
        rate_fix(watch, 0.1),
    )


def guessing(watch: RunWatch) -> bool:
    """The last epoch scored about as well as picking a class at random."""
    last = watch.epochs[-1]
    return (
        last.val_accuracy <= CHANCE_ACCURACY_FACTOR / watch.classes
        and last.val_loss >= CHANCE_LOSS_SHARE * watch.guess_loss
    )


def stuck_at_chance(watch: RunWatch) -> CoachNote | None:
    last = watch.epochs[-1]
    jumped = watch.highest_loss > JUMP_SHARE * watch.guess_loss
    needed = CHANCE_MIN_STEPS if jumped else CHANCE_SLOW_START_STEPS
    if "loss_rising" in watch.fired or watch.step < needed:
        return None
    chance = 1 / watch.classes
    if not guessing(watch):
        return None
    seen = (
        f"After {watch.step} update steps the validation accuracy is {last.val_accuracy:.0%}, "
        f"about what picking a class at random gives ({chance:.0%}), and the loss is still near "
        f"the guessing level ({last.val_loss:.2f} against {watch.guess_loss:.2f}). "
    )
    if jumped:
        why = (
            f"On the way the loss jumped to {watch.highest_loss:.3g}, far above guessing: the "
            f"learning rate ({watch.lr:g}) is probably too high, so each step overshoots."
        )
        return watch.note(
            "stuck_at_chance",
            "problem",
            "Still guessing",
            seen + why,
            smaller_rate_advice(watch),
            rate_fix(watch, 0.1),
        )
    why = (
        f"The loss has hardly moved from where it started: the learning rate ({watch.lr:g}) is "
        "probably too low, so each step changes the network too little."
    )
    return watch.note(
        "stuck_at_chance",
        "problem",
        "Still guessing",
        seen + why,
        f"a learning rate ten times larger ({watch.lr * 10:.3g}).",
        rate_fix(watch, 10),
    )


def overfitting(watch: RunWatch) -> CoachNote | None:
    recent = watch.epochs[-OVERFIT_EPOCHS - 1 :]
    pairs = list(pairwise(recent))
    rising = len(recent) > OVERFIT_EPOCHS and all(
        b.val_loss > a.val_loss and b.train_loss < a.train_loss for a, b in pairs
    )
    gaps = [e.train_accuracy - e.val_accuracy for e in watch.epochs[-OVERFIT_GAP_EPOCHS:]]
    wide = len(gaps) == OVERFIT_GAP_EPOCHS and min(gaps) >= OVERFIT_GAP
    if not (rising or wide):
        return None
    last = watch.epochs[-1]
    if rising:
        seen = (
            f"For the last {OVERFIT_EPOCHS} epochs the training loss kept falling while the "
            f"validation loss rose ({recent[0].val_loss:.3f} -> {last.val_loss:.3f})"
        )
    else:
        seen = (
            f"Training accuracy is {last.train_accuracy:.0%} but validation accuracy only "
            f"{last.val_accuracy:.0%}"
        )
    return watch.note(
        "overfitting",
        "warning",
        "The network is memorising its training images (overfitting)",
        seen + ": it gets better at the images it trains on, and no better (or worse) at new ones.",
        "augmentation (random shifts, flips, rotations) so it never sees quite the same image "
        "twice, weight decay or a Dropout layer, more training images, or stopping earlier "
        "(early stopping; best.pt keeps the best epoch anyway).",
        variety_fix(watch) or _weight_decay_fix(watch),
    )


def _weight_decay_fix(watch: RunWatch) -> CoachFix | None:
    if watch.spec.optimizer["weight_decay"]:
        return None
    return CoachFix("spec", "Add weight decay (0.0005)", {"optimizer": {"weight_decay": 0.0005}})


def underfitting(watch: RunWatch) -> CoachNote | None:
    # Guessing has its own note (said once the network had steps enough to leave it), and a
    # network that does far better on its training images than on new ones is overfitting.
    if {"stuck_at_chance", "overfitting"} & watch.fired or len(watch.epochs) < UNDERFIT_MIN_EPOCHS:
        return None
    if guessing(watch):
        return None
    chance = 1 / watch.classes
    low = chance + (1 - chance) / 2
    first, last = watch.epochs[-UNDERFIT_FLAT_EPOCHS - 1], watch.epochs[-1]
    if max(last.train_accuracy, last.val_accuracy) >= low:
        return None
    if last.train_accuracy - last.val_accuracy >= OVERFIT_GAP / 2:
        return None
    if (
        max(last.train_accuracy - first.train_accuracy, last.val_accuracy - first.val_accuracy)
        >= UNDERFIT_GAIN
    ):
        return None
    return watch.note(
        "underfitting",
        "warning",
        "The network is not learning enough (underfitting)",
        f"After {last.epoch} epochs both accuracies are low (training {last.train_accuracy:.0%}, "
        f"validation {last.val_accuracy:.0%}) and have hardly changed over the last "
        f"{UNDERFIT_FLAT_EPOCHS} epochs: the model seems too simple for these images, or it "
        "learns too slowly.",
        "a bigger model (more filters or layers, e.g. the Small VGG preset), more epochs, or a "
        f"higher learning rate ({watch.lr * 3:.3g}).",
        rate_fix(watch, 3),
    )


def plateau(watch: RunWatch) -> CoachNote | None:
    if "overfitting" in watch.fired:  # that note explains the stall better
        return None
    best = min(watch.epochs, key=lambda e: e.val_loss)
    since = [e for e in watch.epochs if e.epoch > best.epoch]
    if len(since) < PLATEAU_EPOCHS or any(
        e.val_loss < best.val_loss * (1 - IMPROVEMENT) for e in since
    ):
        return None
    return watch.note(
        "plateau",
        "warning",
        "Progress has stalled (plateau)",
        f"The validation loss has not improved for {len(since)} epochs (best {best.val_loss:.3f} "
        f"at epoch {best.epoch}): more epochs at this learning rate add little.",
        "a lower learning rate (the plateau schedule lowers it by itself when progress stalls), "
        "or stopping here: best.pt keeps the best epoch.",
        _plateau_fix(watch),
    )


def _plateau_fix(watch: RunWatch) -> CoachFix | None:
    if watch.spec.schedule["name"] == "none":
        return CoachFix(
            "spec",
            "Lower the learning rate when progress stalls (plateau schedule)",
            {"schedule": {"name": "plateau"}},
        )
    if watch.spec.training["early_stopping_patience"] is None:
        return CoachFix(
            "spec",
            f"Stop when progress stalls for {PLATEAU_EPOCHS} epochs",
            {"training": {"early_stopping_patience": PLATEAU_EPOCHS}},
        )
    return None


def train_longer(watch: RunWatch) -> CoachNote | None:
    if len(watch.epochs) <= LONGER_EPOCHS:
        return None
    losses = [e.val_loss for e in watch.epochs]
    before, recent = min(losses[:-LONGER_EPOCHS]), losses[-LONGER_EPOCHS:]
    falling = all(b < a for a, b in pairwise([before, *recent]))
    if not falling or recent[-1] > before * (1 - LONGER_GAIN):
        return None
    accuracies = [e.val_accuracy for e in watch.epochs[-LONGER_EPOCHS - 1 :]]
    if any(b - a < LONGER_ACCURACY_GAIN for a, b in pairwise(accuracies)):
        return None  # the loss still falls, but the accuracy has nearly stopped gaining
    last = watch.epochs[-1]
    more = max(3, last.epochs // 2)
    shown = " -> ".join(f"{loss:.3f}" for loss in [before, *recent])
    return watch.note(
        "train_longer",
        "info",
        "Still improving when the run ended",
        f"Each of the last {LONGER_EPOCHS} epochs gave a better validation loss than any "
        f"before ({shown}): the network was still learning.",
        f"training {more} more epochs: it will probably get better.",
        CoachFix("extend", f"Train {more} more epochs", epochs=more),
    )


def non_finite(watch: RunWatch, message: str) -> CoachNote:
    """The engine's own stop for a NaN or infinite loss (its `message`), as a note."""
    watch.step += 1  # the batch that failed: it announced no batch end
    return watch.note(
        "non_finite_loss",
        "problem",
        "The loss became NaN: training stopped",
        f"{message.split('; ')[0]}. The numbers inside the network grew too large to compute "
        'with (NaN means "not a number"): the steps were far too big.',
        smaller_rate_advice(watch),
        rate_fix(watch, 0.1),
    )


BATCH_RULES = (("first_batch_loss", first_batch_loss), ("loss_rising", loss_diverging))
# Order matters: a rule may stay quiet because one before it has already spoken.
EPOCH_RULES = (
    ("loss_rising", loss_rising),
    ("stuck_at_chance", stuck_at_chance),
    ("overfitting", overfitting),
    ("underfitting", underfitting),
    ("plateau", plateau),
)
