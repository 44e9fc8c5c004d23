"""What the coach has seen of a run, which its rules read, and the fixes several rules offer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cnnstudio.core.insight.coach_notes import CoachFix, CoachNote
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.events import EpochEnded, FitStarted

# The batch loss is smoothed over about the last 1 / SMOOTHING batches: one odd batch is not a
# trend.
SMOOTHING = 0.1


@dataclass
class RunWatch:
    """What the coach has seen of the run so far."""

    spec: RunSpec
    from_scratch: bool = True  # not resumed or started from trained weights
    classes: int = 2
    side: int = 32  # input image height
    param_count: int = 0
    epochs: list[EpochEnded] = field(default_factory=list)
    first_loss: float | None = None  # this run's first batch, if it trained one from scratch
    highest_loss: float = 0.0  # highest batch loss this session
    smoothed: float | None = None  # batch loss, smoothed over about the last 10 batches
    lowest_smoothed: float = math.inf
    epoch: int = 0  # where the last batch was
    step: int = 0
    fired: set[str] = field(default_factory=set)  # rules with a note already

    def start(self, event: FitStarted) -> None:
        self.classes, self.param_count = len(event.class_names), event.param_count
        self.side = event.input_shape[-1]
        self.epoch = event.first_epoch - 1
        self.from_scratch = self.from_scratch and event.first_epoch == 1

    def see_batch(self, epoch: int, step: int, loss: float) -> None:
        if step == 1 and self.from_scratch:
            self.first_loss = loss
        self.epoch, self.step = epoch, step
        self.highest_loss = max(self.highest_loss, loss)
        before = loss if self.smoothed is None else self.smoothed
        self.smoothed = before + SMOOTHING * (loss - before)
        self.lowest_smoothed = min(self.lowest_smoothed, self.smoothed)

    @property
    def guess_loss(self) -> float:
        return math.log(self.classes)

    @property
    def lr(self) -> float:
        return float(self.spec.optimizer["lr"])

    def note(
        self,
        rule: str,
        severity: str,
        title: str,
        meaning: str,
        advice: str,
        fix: CoachFix | None = None,
        epoch: int | None = None,
    ) -> CoachNote:
        where = self.epoch if epoch is None else epoch
        return CoachNote(rule, severity, title, meaning, advice, where, self.step, fix)


def rate_fix(watch: RunWatch, factor: float) -> CoachFix:
    """Next run: the learning rate times `factor` (within the spec's bounds)."""
    lr = float(f"{min(watch.lr * factor, 10.0):.3g}")
    return CoachFix("spec", f"Use a learning rate of {lr:g}", {"optimizer": {"lr": lr}})


def variety_fix(watch: RunWatch) -> CoachFix | None:
    """Next run: random shifts of an eighth of the image, if no augmentation is on yet."""
    if any(watch.spec.augment.values()):
        return None
    shift = max(1, watch.side // 8)
    return CoachFix(
        "spec",
        f"Turn on augmentation (random shifts of up to {shift} pixels)",
        {"augment": {"crop_padding": shift}},
    )


def smaller_rate_advice(watch: RunWatch) -> str:
    return (
        f"a learning rate ten times smaller ({watch.lr / 10:.3g}). Limiting the step size "
        "(gradient clipping, e.g. 1.0) or batch normalisation layers also keep steps in check."
    )
