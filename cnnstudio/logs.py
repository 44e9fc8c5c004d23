"""Logging to a file in the user's log folder, and somewhere to write when there is no console.

A windowed build (Windows, macOS) starts with sys.stdout and sys.stderr set to None; any print or
traceback would then fail. They are pointed at a file beside the log instead.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_log_path

from cnnstudio import __version__


def setup_logging() -> Path:
    """Log to cnnstudio.log (rotated at 1 MB, 3 kept); warnings also go to stderr."""
    folder = user_log_path("cnnstudio", appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    if sys.stdout is None or sys.stderr is None:
        output = open(folder / "output.log", "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        sys.stdout = sys.stdout or output
        sys.stderr = sys.stderr or output
    path = folder / "cnnstudio.log"
    file_handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(file_handler)
    root.addHandler(console)
    logging.getLogger("cnnstudio").info(
        "cnnstudio %s, Python %s, argv %s", __version__, sys.version.split()[0], sys.argv[1:]
    )
    return path
