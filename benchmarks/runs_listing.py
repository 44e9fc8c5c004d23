"""What the Runs table's columns add to listing a runs folder, side by side in one process.

  records  history.list_runs: every run's spec, metrics, matrices and summary read (as before)
  table    the same, then labels.describe_run on each: run.json, the dataset check's first line
           and the parameter count by formula (what the Runs tab lists since issue 13)

One real run folder (trained on the built-in set for an epoch) is copied N times, half of them
with a run.json. Rounds are interleaved; each ratio is taken within a round. Target: table/records
<= 1.5 at 100 runs (the listing runs on a worker thread; the window never waits for it).
Run: python benchmarks/runs_listing.py [--runs N] [--rounds N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from cnnstudio.core.runs.history import list_runs
from cnnstudio.core.runs.labels import describe_run, write_label
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.spec.run_spec import RunSpec


def make_runs(where: Path, count: int) -> Path:
    spec = RunSpec.from_dict(
        {
            "dataset": {"name": "shapes", "options": {"train_size": 200, "val_size": 50}},
            "training": {"epochs": 1, "batch_size": 32},
            "device": "cpu",
        }
    )
    with RunSession.new(spec, where / "first") as session:
        session.train(session.load_data())
    runs = where / "runs"
    for number in range(count):
        copy = shutil.copytree(where / "first", runs / f"run-{number:04d}")
        if number % 2:
            write_label(copy, name=f"variant {number}", notes="wider layers")
    return runs


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs = make_runs(Path(folder), args.runs)
        ratios, records_s, table_s = [], [], []
        for _ in range(args.rounds):
            records = timed(lambda: list_runs(runs))
            table = timed(lambda: [describe_run(r) for r in list_runs(runs)])
            records_s.append(records)
            table_s.append(table)
            ratios.append(table / records)
    print(f"{args.runs} runs, {args.rounds} interleaved rounds (medians)")
    print(f"  records  {statistics.median(records_s) * 1000:8.1f} ms")
    print(f"  table    {statistics.median(table_s) * 1000:8.1f} ms")
    print(f"  table/records {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
