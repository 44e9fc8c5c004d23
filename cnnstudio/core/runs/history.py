"""Reading run folders back: one run's metrics and matrices, and the list of past runs.

The run folder is the one record of a run's epochs (checkpoints keep only what going on needs):
Runs > Show, resuming in the window and `cnnstudio report` all read it here."""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.lock import is_locked
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.changes import SettingChange, read_changes
from cnnstudio.core.training.events import EpochEnded
from cnnstudio.core.training.metrics import class_metrics

log = logging.getLogger(__name__)

BATCH_COLUMNS = ("step", "epoch", "batch", "loss", "accuracy", "lr")
_BATCH_COUNTS = ("step", "epoch", "batch")


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
    def seconds(self) -> float:
        """How long it trained: its epochs' times added up (over every resume)."""
        return sum(row["seconds"] for row in self.epochs)

    @property
    def status(self) -> str:
        """completed, stopped or failed; "running" while a training holds the folder;
        "interrupted" if it never wrote how it ended."""
        if "status" in self.summary:
            return self.summary["status"]
        return "running" if is_locked(self.folder) else "interrupted"

    def epoch_events(self) -> list[EpochEnded]:
        """The run's epochs as the events training announced, rebuilt from the folder's files
        (for showing a past run, and the earlier epochs of a resumed one). Per-image
        predictions are not kept for past epochs: theirs are empty."""
        events, best_epoch, best_accuracy = [], 0, -1.0
        classes = len(self.class_names)
        for row in self.epochs:
            epoch = int(row["epoch"])
            matrix = self.matrices.get(epoch, np.zeros((classes, classes), dtype=np.int64))
            is_best = row["val_accuracy"] > best_accuracy
            if is_best:
                best_epoch, best_accuracy = epoch, row["val_accuracy"]
            events.append(
                EpochEnded(
                    epoch=epoch,
                    epochs=self.spec.training["epochs"],
                    train_loss=row["train_loss"],
                    train_accuracy=row["train_accuracy"],
                    val_loss=row["val_loss"],
                    val_accuracy=row["val_accuracy"],
                    val_top5_accuracy=row["val_top5_accuracy"],
                    lr=row["lr"],
                    seconds=row["seconds"],
                    confusion=matrix,
                    per_class=class_metrics(matrix),
                    val_predictions=np.zeros(0, dtype=np.int64),
                    val_confidence=np.zeros(0, dtype=np.float32),
                    best_epoch=best_epoch,
                    is_best=is_best,
                )
            )
        return events

    @property
    def extendable(self) -> bool:
        """A run with a checkpoint can always train more epochs ("Train N more")."""
        return self.status != "running" and (self.folder / "last.pt").exists()

    @property
    def resumable(self) -> bool:
        return (
            self.status not in ("completed", "running")
            and (self.folder / "last.pt").exists()
            and len(self.epochs) < self.spec.training["epochs"]
        )


def read_run(folder: str | Path) -> RunRecord:
    """A run folder's records; a folder that is not a run, or is damaged, is a CnnstudioError."""
    folder = Path(folder)
    try:
        spec = RunSpec.from_dict(json.loads((folder / "spec.json").read_text(encoding="utf-8")))
        epochs = read_metric_rows(folder)
        matrices = {int(k): np.array(v, dtype=np.int64) for k, v in read_matrices(folder).items()}
        class_names = _class_names(folder)
    except FileNotFoundError as error:
        raise CnnstudioError(
            f"{folder}: not a run folder (no {Path(error.filename).name})"
        ) from None
    except (OSError, ValueError, KeyError, TypeError, CnnstudioError) as error:
        raise CnnstudioError(f"{folder}: the run's files are damaged ({error})") from None
    return RunRecord(
        folder,
        spec,
        epochs,
        class_names,
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
            except CnnstudioError:  # shown nowhere rather than breaking the whole list
                log.warning("skipped a damaged run folder", exc_info=True)
    return sorted(records, key=lambda r: r.folder.stat().st_mtime, reverse=True)


def read_metric_rows(folder: Path) -> list[dict[str, float]]:
    """metrics.csv's rows as numbers; none if there is no file yet. Damage is a CnnstudioError."""
    path = folder / "metrics.csv"
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return [
                {key: int(value) if key == "epoch" else float(value) for key, value in row.items()}
                for row in csv.DictReader(handle)
            ]
    except FileNotFoundError:
        return []  # no epoch finished yet
    except (OSError, ValueError, TypeError) as error:
        raise CnnstudioError(f"{path}: damaged ({error})") from None


def read_batch_rows(folder: Path) -> list[dict[str, float]]:
    """batches.csv's rows as numbers (step, epoch and batch whole), one per training batch of the
    finished epochs; none if there is no file (a run from before it was kept). See
    read_batch_columns."""
    columns = read_batch_columns(folder)
    listed = [
        columns[name].astype(int).tolist() if name in _BATCH_COUNTS else columns[name].tolist()
        for name in BATCH_COLUMNS
    ]
    return [dict(zip(BATCH_COLUMNS, row, strict=True)) for row in zip(*listed, strict=True)]


def read_batch_columns(folder: Path) -> dict[str, np.ndarray]:
    """batches.csv as one array per column (step, epoch, batch, loss, accuracy, lr), empty if
    there is no file. A last line without its line end, torn by a kill during an append, is
    left out; other damage is a CnnstudioError. A long run's hundred thousand rows read in
    about 0.04 s this way, against 0.3 s as a list of rows."""
    path = folder / "batches.csv"
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        lines = [",".join(BATCH_COLUMNS), ""]
    except (OSError, ValueError) as error:
        raise CnnstudioError(f"{path}: damaged ({error})") from None
    if lines[0].split(",") != list(BATCH_COLUMNS):
        raise CnnstudioError(f"{path}: damaged (expected the columns {','.join(BATCH_COLUMNS)})")
    body = lines[1:-1]  # the text after the last line end is "" when the file is whole
    try:
        values = np.loadtxt(body, delimiter=",", ndmin=2) if body else np.zeros((0, 6))
    except ValueError as error:
        raise CnnstudioError(f"{path}: damaged ({error})") from None
    if values.shape[1] != len(BATCH_COLUMNS):
        raise CnnstudioError(f"{path}: damaged ({values.shape[1]} values a row, not 6)")
    return {name: values[:, index] for index, name in enumerate(BATCH_COLUMNS)}


def read_matrices(folder: Path) -> dict[str, list[list[int]]]:
    """confusion_matrices.json's matrices by epoch ("1", "2", ...); none if there is no file."""
    path = folder / "confusion_matrices.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise CnnstudioError(f"{path}: damaged ({error})") from None
    epochs = document.get("epochs") if isinstance(document, dict) else None
    if not isinstance(epochs, dict):
        raise CnnstudioError(f"{path}: damaged (no matrices by epoch)")
    return epochs


def _class_names(folder: Path) -> list[str]:
    path = folder / "confusion_matrices.json"
    document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return [str(name) for name in document.get("class_names", [])]


def _optional_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        log.warning("unreadable %s", path, exc_info=True)
        return {}
    return value if isinstance(value, dict) else {}


def change_places(folder: Path) -> list[tuple[float, SettingChange]]:
    """Each setting changed while the run in `folder` trained, with where the first batch that
    used it starts on an axis in epochs (batches.csv gives the batches per epoch; without it,
    the start of the change's epoch)."""
    changes = read_changes(folder)
    if not changes:
        return []
    try:
        rows = read_batch_rows(folder)
    except CnnstudioError:
        rows = []
    per_epoch = max((int(row["batch"]) for row in rows), default=0)
    return [((c.step - 1) / per_epoch if per_epoch else c.epoch - 1.0, c) for c in changes]
