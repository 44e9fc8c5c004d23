"""How long a run has left, estimated from batches actually measured.

The first batch of a run carries the warm-up (building the network, first allocations), so a
rate taken from the run's start told "left about 5:42" for a run that took 1:25 (issue 10,
defect 17). Here the clock starts at the first batch seen; until a few batches have been timed
after it there is no estimate. Once an epoch has ended, its measured time (validation included)
prices each remaining epoch.
"""

from __future__ import annotations

MIN_BATCHES = 3  # batches timed after the first before anything is estimated
MIN_SECONDS = 1.0


class RemainingTime:
    """Fed the run's progress as it comes; `estimate` is None until it can be trusted."""

    def __init__(self) -> None:
        self.origin: tuple[float, int] | None = None  # (time, batches done) at the first batch
        self.latest: tuple[float, int] = (0.0, 0)
        self.paused_since: float | None = None
        self.paused_total = 0.0
        self.epoch_seconds: list[float] = []
        self.total_batches = 0
        self.batches_per_epoch = 1

    def batch(self, now: float, done: int, total: int, batches_per_epoch: int) -> None:
        """`done` of `total` batches are finished over the whole run."""
        if self.origin is None:
            self.origin = (now, done)
        self.latest = (now, done)
        self.total_batches, self.batches_per_epoch = total, batches_per_epoch

    def epoch(self, seconds: float) -> None:
        """An epoch ended after `seconds` of training and validation (pauses excluded)."""
        self.epoch_seconds.append(seconds)

    def pause(self, now: float) -> None:
        self.paused_since = now

    def resume(self, now: float) -> None:
        if self.paused_since is not None:
            self.paused_total += now - self.paused_since
            self.paused_since = None

    def estimate(self) -> float | None:
        """Seconds left, or None while too little has been measured."""
        now, done = self.latest
        left = self.total_batches - done
        if self.epoch_seconds:
            per_epoch = sum(self.epoch_seconds) / len(self.epoch_seconds)
            return per_epoch * left / self.batches_per_epoch
        if self.origin is None:
            return None
        start, first = self.origin
        seconds = now - start - self.paused_total
        if done - first < MIN_BATCHES or seconds < MIN_SECONDS:
            return None
        return seconds / (done - first) * left
