"""`cnnstudio race`: variants of a spec trained side by side, one run folder each, ranked."""

from __future__ import annotations

import argparse
import sys

from cnnstudio.commands import EXIT_FAILED_RUN
from cnnstudio.commands.training import ctrl_c_stops, load_data_saying_so, spec_from_args
from cnnstudio.core.errors import CnnstudioError


def race(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.folders import claim_output_folder
    from cnnstudio.core.runs.race import Race
    from cnnstudio.core.runs.ranking import MOST_VARIANTS, folder_name, ranking_table
    from cnnstudio.core.spec.variants import grid, parse_vary
    from cnnstudio.core.training.control import TrainingControl
    from cnnstudio.progress import RaceProgress

    spec = spec_from_args(args)
    variants = grid(spec, [parse_vary(text) for text in args.vary], most=MOST_VARIANTS)
    if len(variants) < 2:
        raise CnnstudioError(
            f"a race needs two variants or more, and {variants[0].label} is one; give a setting "
            "two values or more, e.g. --vary lr=0.01,0.001"
        )
    out = claim_output_folder(args.out, "a race's runs")
    with Race(variants, [out / folder_name(v.label) for v in variants]) as racing:
        print(f"Racing {len(variants)} variants:", file=sys.stderr)
        for number, variant in enumerate(variants, 1):
            print(f"  {number}. {variant.label}", file=sys.stderr)
        data = load_data_saying_so(spec)
        control = TrainingControl()
        progress = RaceProgress([variant.label for variant in variants])
        with ctrl_c_stops(control):
            entries = racing.run(data, control, progress.hear)
        progress.close()
    print(ranking_table(entries))
    stopped = [entry.folder for entry in entries if entry.result.status == "stopped"]
    if stopped:
        print(
            f"Stopped: {control.stop_reason}. Each variant can go on alone, e.g. cnnstudio "
            f"train --resume {stopped[0]}",
            file=sys.stderr,
        )
    print(f"Runs saved in {out}", file=sys.stderr)
    return EXIT_FAILED_RUN if all(e.result.status == "failed" for e in entries) else 0
