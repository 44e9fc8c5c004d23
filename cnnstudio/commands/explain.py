"""`cnnstudio explain`: what a trained network sees in image files, as pictures and numbers."""

from __future__ import annotations

import argparse
import sys

from cnnstudio.commands.outputs import checkpoint_in, no_image_read, writing


def explain(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.checkpoint import load_model
    from cnnstudio.core.runs.explain import WHAT, explain_images, plan_explanations
    from cnnstudio.core.runs.folders import claim_output_folder
    from cnnstudio.core.runs.predict import read_images

    saved = load_model(checkpoint_in(args.checkpoint, "best.pt"))
    request = plan_explanations(saved, args.layer, args.target)
    read = read_images(saved, args.images)
    if not read.paths:
        raise no_image_read(read.skipped)
    claim_output_folder(args.out, WHAT)
    with writing(args.out, WHAT):
        explained = explain_images(saved, read, args.out, request)
    for done in explained:
        name, probability = done.explanation.top[0]
        print(f"{done.path}: {name} {probability:.1%}; pictures in {done.folder}")
    for skipped in read.skipped:
        print(f"Skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return 0
