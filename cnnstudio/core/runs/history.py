"""Reading run folders back: one run's metrics and matrices, and the list of past runs."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.spec.run_spec import RunSpec


@dataclass
class RunRecord:
    folder: Path
    spec: RunSpec
    epochs: list[dict[str, float]]  # metrics.csv rows, numbers
    class_names: list[str]
    matrices: dict[int, np.ndarray] = field(default_factory=dict)  # epoch -> confusion matrix
    summary: dict[str, Any] = field(default_factory=dict)  # empty while running or after a crash
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def best_epoch(self) -> dict[str, float] | None:
        return max(self.epochs, key=lambda e: (e["val_accuracy"], -e["epoch"]), default=None)

    @property
    def status(self) -> str:
        """completed, stopped or failed; "interrupted" if it never wrote how it ended."""
        return self.summary.get("status", "interrupted")

    @property
    def resumable(self) -> bool:
        return (
            self.status != "completed"
            and (self.folder / "last.pt").exists()
            and len(self.epochs) < self.spec.training["epochs"]
        )


def read_run(folder: str | Path) -> RunRecord:
    """A run folder's records; a folder that is not a run, or is damaged, is a CnnstudioError."""
    folder = Path(folder)
    try:
        spec = RunSpec.from_dict(json.loads((folder / "spec.json").read_text(encoding="utf-8")))
        epochs = _read_metrics(folder / "metrics.csv")
        matrices_file = folder / "confusion_matrices.json"
        document = json.loads(matrices_file.read_text()) if matrices_file.exists() else {}
    except FileNotFoundError as error:
        raise CnnstudioError(
            f"{folder}: not a run folder (no {Path(error.filename).name})"
        ) from None
    except (OSError, ValueError, KeyError, CnnstudioError) as error:
        raise CnnstudioError(f"{folder}: the run's files are damaged ({error})") from None
    matrices = {int(k): np.array(v, dtype=np.int64) for k, v in document.get("epochs", {}).items()}
    return RunRecord(
        folder,
        spec,
        epochs,
        list(document.get("class_names", [])),
        matrices,
        _optional_json(folder / "summary.json"),
        _optional_json(folder / "environment.json"),
    )


def list_runs(runs_dir: str | Path) -> list[RunRecord]:
    """Readable runs under `runs_dir`, newest first (folders that are not runs are skipped)."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    records = []
    for folder in runs_dir.iterdir():
        if (folder / "spec.json").exists():
            try:
                records.append(read_run(folder))
            except CnnstudioError:
                continue  # shown nowhere rather than breaking the whole list
    return sorted(records, key=lambda r: r.folder.stat().st_mtime, reverse=True)


def _read_metrics(path: Path) -> list[dict[str, float]]:
    if not path.exists():
        return []  # no epoch finished yet
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            {key: int(value) if key == "epoch" else float(value) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _optional_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
