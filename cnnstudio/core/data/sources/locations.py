"""Where datasets and runs live on disk: by default in the user's platform data folder."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path


def default_data_dir() -> Path:
    return user_data_path("cnnstudio", appauthor=False) / "datasets"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """The directory given (by --data-dir or the spec), or the default one."""
    return Path(data_dir).expanduser() if data_dir else default_data_dir()


def default_runs_dir() -> Path:
    """Where the window keeps runs when no project is open."""
    return user_data_path("cnnstudio", appauthor=False) / "runs"
