"""The learning-rate range test (Leslie Smith, "Cyclical Learning Rates for Training Neural
Networks", 2017): train a few batches while the rate grows exponentially, watch the loss.

Too small a rate leaves the loss flat, a good one makes it fall, too large a one makes it climb and
explode. The suggestion is where the smoothed loss falls fastest against the log of the rate. The
test trains the trainer's own network, then puts its weights, optimizer, loss scaler and random
states back exactly as they were, so a run started afterwards is the run it would have been.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.engine import Trainer

# Batches the rate takes from start to end. The usual 100 are too few for a network that starts
# on a plateau: the built-in set's tutorial network needs ~50 batches at a good rate before its
# loss moves, so at 12 batches per tenfold rise the loss stays flat until the rate is too high and
# there is nothing to suggest. With 800 (100 per tenfold) Adam's suggestion over eight seeds was
# 1.8e-3 to 5.1e-3, where two epochs at 2e-3 to 3e-3 trained best (benchmarks/lr_find_batches.py).
DEFAULT_BATCHES = 800
START, END = 1e-7, 10.0  # the rates tried by default
SMOOTHING = 0.98  # the loss's exponential moving average keeps 98% of the past each batch
DIVERGED = 4.0  # stop once the smoothed loss passes this many times its lowest
NOISY_START = 5  # the first smoothed losses rest on a handful of batches: not trusted for slopes
FEWEST_POINTS = 3  # rates between the noisy start and the lowest loss needed for a suggestion
LEAST_FALL = 0.1  # a smoothed loss that fell less than 10% shows noise, not learning


@dataclass(frozen=True)
class RateTest:
    """What the test saw: one rate, loss and smoothed loss per batch trained, and its advice."""

    rates: list[float]
    losses: list[float]
    smoothed: list[float]
    suggestion: float | None  # steepest descent of the smoothed loss; None if none found
    note: str  # plain words: why it stopped, or why there is no suggestion

    def loss_range(self) -> tuple[float, float]:
        """The losses worth showing: from the lowest to the larger of the first smoothed loss
        and the point where the test stops (DIVERGED times the lowest smoothed loss). The
        last batch or two may be a hundred times higher and would flatten the rest."""
        if not self.losses:
            return 0.0, 1.0
        low = min(min(self.losses), min(self.smoothed))
        ceiling = max(self.smoothed[0], DIVERGED * min(self.smoothed))
        high = min(max(max(self.losses), max(self.smoothed)), ceiling)
        return low, max(high, low * 1.01 + 1e-9)


def find_learning_rate(
    trainer: Trainer,
    start: float = START,
    end: float = END,
    batches: int = DEFAULT_BATCHES,
    control: TrainingControl | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RateTest:
    """Run the range test on `trainer`'s network and data, then restore the trainer.

    Args:
        trainer: a trainer; its weights, optimizer, scaler and random states come back unchanged.
        start: the first rate tried.
        end: the last rate tried, if the loss has not exploded before.
        batches: how many training batches take the rate from `start` to `end` (the training
            data is gone through again from the start if it has fewer).
        control: a stop request ends the test early (default: the trainer's control).
        progress: called with (batches done, `batches`) after each batch.

    Raises:
        CnnstudioError: the range or the number of batches makes no sense, or the device ran
            out of memory.
    """
    check_range(start, end, batches)
    control = control or trainer.control
    saved = _Saved(trainer)
    try:
        rates, losses, smoothed, why = _sweep(trainer, start, end, batches, control, progress)
    except torch.OutOfMemoryError:
        raise CnnstudioError(trainer.out_of_memory_message()) from None
    finally:
        saved.restore(trainer)
    suggestion, no_suggestion = _suggest(rates, smoothed, _few_images(trainer, start, end, batches))
    note = why if suggestion is not None else f"{why} {no_suggestion}"
    return RateTest(rates, losses, smoothed, suggestion, note)


def check_range(start: float, end: float, batches: int) -> None:
    """Raise CnnstudioError, in plain words, for a range or a number of batches that makes no
    sense (before anything is loaded)."""
    if not 0 < start < end:
        raise CnnstudioError(f"the rates must grow from above 0: got {start:g} to {end:g}")
    if batches < 2 * NOISY_START:
        raise CnnstudioError(f"the test needs at least {2 * NOISY_START} batches, got {batches}")


class _Saved:
    """Deep copies of the trainer's state the test changes (the optimizer's state_dict refers
    to tensors that training updates in place)."""

    def __init__(self, trainer: Trainer) -> None:
        self.weights = copy.deepcopy(trainer.model.state_dict())
        self.optimizer = copy.deepcopy(trainer.optimizer.state_dict())
        self.scaler = copy.deepcopy(trainer.scaler.state_dict())
        self.random = trainer.random_states()
        self.training_mode = trainer.model.training

    def restore(self, trainer: Trainer) -> None:
        trainer.model.load_state_dict(self.weights)  # copied into the same tensors
        trainer.optimizer.load_state_dict(self.optimizer)
        trainer.scaler.load_state_dict(self.scaler)
        trainer.set_random_states(self.random)
        trainer.model.train(self.training_mode)
        trainer.optimizer.zero_grad(set_to_none=True)


def _sweep(
    trainer: Trainer,
    start: float,
    end: float,
    batches: int,
    control: TrainingControl,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[float], list[float], list[float], str]:
    """Train at growing rates until the end, an exploding loss or a stop; why it ended."""
    rates: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    growth = (end / start) ** (1 / (batches - 1))
    average, lowest = 0.0, math.inf
    trainer.model.train()
    for index, (images, labels) in enumerate(_cycle(trainer, batches)):
        if control.stop_requested:
            return rates, losses, smoothed, f"Stopped after {index} of {batches} batches."
        rate = start * growth**index
        for group in trainer.optimizer.param_groups:
            group["lr"] = rate
        loss, _ = trainer.train_step(images, labels)
        if not math.isfinite(loss):
            return rates, losses, smoothed, f"Stopped at rate {rate:.2g}: the loss became {loss}."
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        smooth = average / (1 - SMOOTHING ** (index + 1))  # bias-corrected: no pull towards 0
        rates.append(rate)
        losses.append(loss)
        smoothed.append(smooth)
        if progress is not None:
            progress(index + 1, batches)
        if smooth > DIVERGED * lowest:
            return rates, losses, smoothed, _exploded(rate, lowest)
        lowest = min(lowest, smooth)
    return rates, losses, smoothed, f"Tried {batches} rates from {start:.2g} to {end:.2g}."


def _exploded(rate: float, lowest: float) -> str:
    return (
        f"Stopped at rate {rate:.2g}: the smoothed loss passed {DIVERGED:g} times its lowest "
        f"({lowest:.3g})."
    )


def _cycle(trainer: Trainer, count: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """`count` training batches, going through the training data again when it runs out."""
    if len(trainer.train_loader) == 0:
        raise CnnstudioError("the training split has no batch to train on")
    given = 0
    while True:
        for batch in trainer.train_loader:
            if given == count:
                return
            given += 1
            yield batch


def _few_images(trainer: Trainer, start: float, end: float, batches: int) -> str:
    """Why a loss that did not fall may not have had the time to: the images trained on while
    the rate grew tenfold, and what to do about it."""
    batch_size = int(trainer.spec.training["batch_size"])
    per_tenfold = batches / math.log10(end / start)
    return (
        f"Each tenfold rise of the rate trained on only {per_tenfold * batch_size:.0f} images "
        f"({per_tenfold:.3g} batches of {batch_size}), likely too few for the network to start "
        "learning before the rate grew too large: try a bigger batch size or more batches."
    )


def _suggest(
    rates: list[float], smoothed: list[float], few_images: str
) -> tuple[float | None, str]:
    """The rate where the smoothed loss falls fastest (against log rate) before its lowest
    point, skipping the noisy first few; else None and why not (`few_images` says the likely
    cause of a loss that did not fall)."""
    if len(smoothed) < NOISY_START + FEWEST_POINTS:
        return None, "No suggestion: too few batches were trained to see the loss fall."
    lowest = int(np.argmin(smoothed))
    if lowest < NOISY_START + FEWEST_POINTS:
        return None, (
            "No suggestion: the loss did not fall as the rate grew (it was lowest at the "
            f"smallest rates). {few_images}"
        )
    first, least = smoothed[NOISY_START], smoothed[lowest]
    if least > (1 - LEAST_FALL) * first:
        return None, (
            f"No suggestion: the smoothed loss hardly fell ({first:.3f} to {least:.3f}). "
            f"{few_images}"
        )
    slopes = np.gradient(np.asarray(smoothed[: lowest + 1]), np.log10(rates[: lowest + 1]))
    steepest = NOISY_START + int(np.argmin(slopes[NOISY_START:lowest]))
    if slopes[steepest] >= 0:
        return None, "No suggestion: the smoothed loss never fell."
    return rates[steepest], ""
