"""What keeping batches.csv costs training, side by side in one process.

  plain   Trainer.fit on the main thread, no listener
  logged  the same, with the run folder's BatchLog keeping every batch's row and appending each
          epoch's rows to a batches.csv (as RunFolderWriter does)

Small batches (8 by default) make the per-batch part count the most. Rounds are interleaved and
each ratio is taken within a round, since this machine's speed drifts. On a shared machine that
ratio is noisy, so the logged runs also time the log's own calls: their share of the fit's time is
the cost itself. Targets: logged/plain >= 0.99, the log's share <= 1%.
Run: python benchmarks/batch_log_overhead.py [--images N] [--epochs N] [--batch-size N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from window_responsiveness import release_openmp_pool, spec_data

from cnnstudio.core.runs.batch_log import BatchLog
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.engine import Trainer


class Logged(Callback):
    """The batches.csv part of RunFolderWriter, alone, timing its own calls."""

    def __init__(self) -> None:
        self.log = BatchLog(Path(tempfile.mkdtemp()))
        self.seconds = 0.0

    def timed(self, call, *args) -> None:
        start = time.perf_counter()
        call(*args)
        self.seconds += time.perf_counter() - start

    def on_fit_start(self, event) -> None:
        self.timed(self.log.start, 0)

    def on_batch_end(self, event) -> None:
        self.timed(self.log.add, event)

    def on_epoch_end(self, event) -> None:
        self.timed(self.log.save_epoch)


def fit(spec, data, logged: bool) -> tuple[float, float]:
    """Images per second, and the log's share of the fit's time (0 without it)."""
    listener = Logged()
    result = Trainer(spec, data).fit([listener] if logged else [])
    release_openmp_pool()
    rate = len(data.train_labels) * spec.training["epochs"] / result.seconds
    return rate, listener.seconds / result.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    spec, data = spec_data(args.images, args.epochs)
    spec = replace(spec, training={**spec.training, "batch_size": args.batch_size})
    fit(spec, data, logged=False)  # warm-up
    results: dict[str, list[float]] = {"plain": [], "logged": []}
    shares = []
    for round_number in range(args.rounds):
        for logged in [False, True] if round_number % 2 == 0 else [True, False]:
            rate, share = fit(spec, data, logged)
            results["logged" if logged else "plain"].append(rate)
            if logged:
                shares.append(share)
    batches = -(-args.images // args.batch_size)
    print(
        f"{args.images} images x {args.epochs} epochs, batch {args.batch_size} "
        f"({batches} batches an epoch), the default network, median of {args.rounds} rounds"
    )
    for name, values in results.items():
        shown = ", ".join(f"{v:,.0f}" for v in values)
        print(f"  {name:<7}{statistics.median(values):>8,.0f} images/s  ({shown})")
    paired = [n / o for n, o in zip(results["logged"], results["plain"], strict=True)]
    print(
        f"logged / plain = {statistics.median(paired):.3f}x median per round "
        f"({', '.join(f'{r:.3f}' for r in paired)}) (target >= 0.99)"
    )
    print(
        f"the log's own calls: {statistics.median(shares):.3%} of the logged fits' time, median "
        f"({', '.join(f'{s:.3%}' for s in shares)}) (target <= 1%)"
    )


if __name__ == "__main__":
    main()
