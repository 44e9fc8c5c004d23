"""Where a run's folder goes: a new, uniquely named one by default, never one already in use.

A default name is the start time to the second plus the dataset (``20260131-142501-shapes``);
runs started in the same second get ``-2``, ``-3``... The folder is created with an exclusive
mkdir, so two runs (two windows, two shells) can never be handed the same one. A folder the user
names must be new or empty: a used one is refused, never overwritten.
"""

from __future__ import annotations

import errno
import logging
import tempfile
from datetime import datetime
from pathlib import Path

from cnnstudio.core.errors import CnnstudioError

log = logging.getLogger(__name__)


def _timestamp() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}"


def new_run_folder(runs_dir: str | Path, dataset: str) -> Path:
    """Create and return a new, empty run folder in `runs_dir` with a name no other run has."""
    runs_dir = Path(runs_dir)
    _make_dirs(runs_dir)
    stem = f"{_timestamp()}-{dataset}"
    folder = new_folder(runs_dir, stem)
    if folder is None:
        raise CnnstudioError(f"{runs_dir}: too many runs started at {stem}; try again in a second")
    check_writable(folder)
    return folder


def new_folder(parent: Path, stem: str, what: str = "a run") -> Path | None:
    """Create a new folder in `parent` named `stem`, or `stem-2`, `stem-3`... if taken (an
    exclusive mkdir: two callers never get the same one); None after 9,999 names."""
    for number in range(1, 10_000):
        folder = parent / (stem if number == 1 else f"{stem}-{number}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise _not_writable(parent, error, what) from None
        return folder
    return None


def claim_folder(folder: str | Path) -> Path:
    """The folder the user named for a new run: created if missing, refused if it holds files."""
    folder = Path(folder)
    if not _empty_folder(folder, "a run"):
        if (folder / "spec.json").exists():
            raise CnnstudioError(
                f"{folder} already holds a run; nothing in it was changed. To go on training "
                f"it: cnnstudio train --resume {folder}; for a new run, pick a new folder "
                "with --out (or leave --out out for a fresh one)."
            )
        raise CnnstudioError(
            f"{folder} is not empty; a run never writes over other files. Pick a new or empty "
            "folder with --out (or leave --out out for a fresh one)."
        )
    return folder


def claim_output_folder(folder: str | Path, what: str) -> Path:
    """A folder the user named with --out for `what` ("the explanations"), as `claim_folder`
    does for a run: created if missing, refused if it holds files, so nothing is written over."""
    folder = Path(folder)
    if not _empty_folder(folder, what):
        raise CnnstudioError(
            f"{folder} is not empty; {what} never go over other files. Pick a new or empty "
            "folder with --out."
        )
    return folder


def _empty_folder(folder: Path, what: str) -> bool:
    """Create `folder` if missing; whether it is empty (and then writable: else an error)."""
    _make_dirs(folder, what)
    try:
        used = any(folder.iterdir())
    except OSError as error:
        raise _not_writable(folder, error, what) from None
    if not used:
        check_writable(folder, what)
    return not used


def check_writable(folder: Path, what: str = "a run") -> None:
    """Raise CnnstudioError, in plain words, unless files can be created in `folder`."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise _not_writable(folder, error, what) from None


def _make_dirs(folder: Path, what: str = "a run") -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file, not a folder
        raise CnnstudioError(f"{folder}: is a file, not a folder; pick a folder") from None
    except OSError as error:
        raise _not_writable(folder, error, what) from None


def why_not_written(error: OSError) -> str:
    """An OSError from writing a file, in plain words."""
    reasons = {
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.EEXIST: "part of the path is a file, not a folder",  # mkdir met a file
        errno.EACCES: "no permission to write there",
        errno.EPERM: "no permission to write there",
        errno.EROFS: "the disk is read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is full",
        errno.ENOENT: "no such folder",
    }
    if error.errno in reasons:
        return reasons[error.errno]
    return error.strerror or str(error)


def _not_writable(folder: Path, error: OSError, what: str = "a run") -> CnnstudioError:
    log.info("cannot write in %s", folder, exc_info=error)
    reason = why_not_written(error)
    return CnnstudioError(f"{folder}: cannot save {what} there ({reason}); pick another folder")
