"""How many batches the learning-rate range test needs on the built-in set, and what the rates it
suggests are worth.

For each number of batches, the test runs on fresh networks of several seeds (the default spec:
the tutorial CNN, Adam, batch 64) and prints its suggestions. Then two epochs are trained at a few
fixed rates, per seed, and their validation accuracies printed, so a suggestion can be read
against the rates that actually train best. Each seed's networks start from the same weights.
Run: python benchmarks/lr_find_batches.py [--batches 100,400,800] [--seeds 4] [--no-check]
"""

from __future__ import annotations

import argparse
import statistics

import torch

from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.lr_find import find_learning_rate
from cnnstudio.core.training.prepare import load_dataset

CHECKED_RATES = (1e-3, 2e-3, 3e-3, 5e-3, 1e-2)


def spec_for(seed: int, lr: float | None = None, epochs: int = 2) -> RunSpec:
    data = RunSpec().to_dict()
    data.update(seed=seed, device="cpu")
    data["training"]["epochs"] = epochs
    if lr is not None:
        data["optimizer"]["lr"] = lr
    return RunSpec.from_dict(data)


def suggestions(data, batch_counts: list[int], seeds: int) -> None:
    print("batches  suggestions per seed (none: no suggestion)")
    for batches in batch_counts:
        found = []
        for seed in range(seeds):
            test = find_learning_rate(Trainer(spec_for(seed), data), batches=batches)
            found.append("none" if test.suggestion is None else f"{test.suggestion:.1e}")
        print(f"{batches:>7}  {'  '.join(found)}")


def trained(data, seeds: int) -> None:
    print("\nrate     validation accuracy after 2 epochs per seed (mean)")
    for lr in CHECKED_RATES:
        runs = [Trainer(spec_for(seed, lr), data).fit() for seed in range(seeds)]
        scores = [run.best_val_accuracy or 0.0 for run in runs]
        shown = "  ".join(f"{score:.2f}" for score in scores)
        print(f"{lr:<7.0e}  {shown}  ({statistics.mean(scores):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="100,400,800")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--no-check", action="store_true", help="skip the 2-epoch training")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_dataset(spec_for(0))
    suggestions(data, [int(count) for count in args.batches.split(",")], args.seeds)
    if not args.no_check:
        trained(data, args.seeds)


if __name__ == "__main__":
    main()
