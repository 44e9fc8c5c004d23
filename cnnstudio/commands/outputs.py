"""Commands that use a trained run: predict, export and report."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cnnstudio.core.errors import CnnstudioError

if TYPE_CHECKING:
    from cnnstudio.core.data.images import SkippedFile

log = logging.getLogger(__name__)


def checkpoint_in(path: Path, name: str) -> Path:
    """A checkpoint file, or the named one inside a run folder."""
    return path / name if path.is_dir() else path


def predict(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.checkpoint import load_model
    from cnnstudio.core.runs.predict import predict_files

    if args.top < 1:
        raise CnnstudioError("--top: expected 1 or more")
    saved = load_model(checkpoint_in(args.checkpoint, "best.pt"))
    result = predict_files(saved, args.images, args.top)
    for prediction in result.predictions:
        ranked = ", ".join(f"{name} {p:.1%}" for name, p in prediction.top)
        print(f"{prediction.path}: {ranked}")
    if not result.predictions:
        raise no_image_read(result.skipped)
    for skipped in result.skipped:
        print(f"Skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return 0


def no_image_read(skipped: Sequence[SkippedFile]) -> CnnstudioError:
    """The error when none of the image files given could be read: the first one and why."""
    first = skipped[0]
    more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
    return CnnstudioError(f"no image could be read: {first.path}: {first.reason}{more}")


def export(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.checkpoint import load_model

    saved = load_model(checkpoint_in(args.checkpoint, "best.pt"))
    if args.export_format == "script":
        from cnnstudio.core.export.script import export_script

        export_script(saved, args.out)
        print(
            f"Wrote {args.out}. Run it with: python {args.out.name}  (or torchrun "
            f"--nproc_per_node=N {args.out.name})",
            file=sys.stderr,
        )
        return 0
    from cnnstudio.core.export.models import export_model

    exported = export_model(saved, args.export_format, args.out)
    print(f"Wrote {exported.path} and {exported.metadata_path.name}.", file=sys.stderr)
    print(f"Parity check: the exported model {exported.parity.describe()}.", file=sys.stderr)
    return 0


def report(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.history import read_run
    from cnnstudio.core.runs.report import write_output

    record = read_run(args.run_dir)
    with writing(args.out, "the report"):
        path = write_output(record, args.out)
    print(f"Wrote {path}.", file=sys.stderr)
    return 0


@contextmanager
def writing(path: Path, what: str) -> Iterator[None]:
    """A write that fails (full disk, no permission, no such folder) as one plain message."""
    try:
        yield
    except OSError as error:
        from cnnstudio.core.runs.folders import why_not_written

        log.info("writing %s failed", path, exc_info=True)
        raise CnnstudioError(f"{path}: cannot save {what} ({why_not_written(error)})") from None
