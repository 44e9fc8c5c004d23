"""`cnnstudio lr-find`: the learning-rate range test on a spec's fresh network, and its advice."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnnstudio.commands import EXIT_FAILED_RUN
from cnnstudio.commands.outputs import writing
from cnnstudio.commands.training import ctrl_c_stops, load_data_saying_so, spec_from_args
from cnnstudio.core.errors import CnnstudioError


def lr_find(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from cnnstudio.core.files import check_writable
    from cnnstudio.core.runs.rate_plot import write_rate_plot
    from cnnstudio.core.training.control import TrainingControl
    from cnnstudio.core.training.engine import Trainer
    from cnnstudio.core.training.lr_find import (
        DEFAULT_BATCHES,
        END,
        START,
        check_range,
        find_learning_rate,
    )
    from cnnstudio.core.training.prepare import check_stack

    spec = spec_from_args(args)
    batches = DEFAULT_BATCHES if args.batches is None else args.batches
    check_range(START, END, batches)  # all checked before the images load
    check_stack(spec)
    if args.plot is not None:
        _check_new_png(args.plot)
        check_writable(args.plot)
    trainer = Trainer(spec, load_data_saying_so(spec))
    control = TrainingControl()
    with (
        ctrl_c_stops(control),
        tqdm(total=batches, desc="trying rates", unit="batch", file=sys.stderr, leave=False) as bar,
    ):
        test = find_learning_rate(
            trainer,
            batches=batches,
            control=control,
            progress=lambda done, _total: bar.update(done - bar.n),
        )
    if args.plot is not None:
        with writing(args.plot, "the plot"):
            write_rate_plot(test, args.plot)
        print(f"Wrote {args.plot}.", file=sys.stderr)
    if test.suggestion is None:
        print(f"cnnstudio: no suggested learning rate. {test.note}", file=sys.stderr)
        if not control.stop_requested:
            print(
                f"To try again: --batches {4 * batches} (more batches) or a bigger --batch-size.",
                file=sys.stderr,
            )
        return EXIT_FAILED_RUN
    rate = f"{test.suggestion:.2g}"
    print(f"suggested learning rate: {rate}")
    print(test.note, file=sys.stderr)
    print(
        f"Train with --lr {rate}: the loss fell fastest there (if training is unsteady, try a "
        "third of it).",
        file=sys.stderr,
    )
    return 0


def _check_new_png(path: Path) -> None:
    """The plot goes to a new .png file: an existing one is never written over."""
    if path.suffix.lower() != ".png":
        raise CnnstudioError(f"--plot {path}: expected a file name ending in .png")
    if path.exists():
        raise CnnstudioError(
            f"--plot {path}: the file already exists and lr-find never writes over a file; "
            "give a new name"
        )
