"""A run's folder on disk: spec.json, metrics.csv, confusion_matrices.json, summary.json, model.pt.

Every file is rewritten atomically after each epoch, so a run killed at any moment leaves complete
files describing every finished epoch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from cnnstudio.core.callbacks import Callback
from cnnstudio.core.events import EpochEnded, FitEnded, FitStarted
from cnnstudio.core.files import write_atomic
from cnnstudio.core.spec import RunSpec

METRIC_COLUMNS = (
    "epoch",
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "val_top5_accuracy",
    "val_macro_f1",
    "lr",
    "seconds",
)


class RunFolderWriter(Callback):
    """Writes the run's spec at the start and its metrics and confusion matrices every epoch."""

    def __init__(self, folder: str | Path, spec: RunSpec) -> None:
        self.folder = Path(folder)
        self.spec = spec
        self.epochs: list[EpochEnded] = []
        self.matrices: dict[str, list[list[int]]] = {}
        self.class_names: list[str] = []

    def on_fit_start(self, event: FitStarted) -> None:
        self.class_names = list(event.class_names)
        write_atomic(self.folder / "spec.json", self.spec.to_json())

    def on_epoch_end(self, event: EpochEnded) -> None:
        self.epochs.append(event)
        write_atomic(self.folder / "metrics.csv", metrics_csv(self.epochs))
        self.matrices[str(event.epoch)] = event.confusion.tolist()
        document = {
            "class_names": self.class_names,
            "rows": "true class",
            "columns": "predicted class",
            "epochs": self.matrices,
        }
        write_atomic(self.folder / "confusion_matrices.json", json.dumps(document))

    def on_fit_end(self, event: FitEnded) -> None:
        summary = {
            "status": event.status,
            "reason": event.reason,
            "epochs_completed": event.epochs_completed,
            "best_epoch": event.best_epoch,
            "best_val_accuracy": event.best_val_accuracy,
            "seconds": round(event.seconds, 3),
        }
        write_atomic(self.folder / "summary.json", json.dumps(summary, indent=2) + "\n")


def metrics_csv(epochs: Sequence[EpochEnded]) -> str:
    """The text of metrics.csv: a header and one row per epoch."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for e in epochs:
        values = (
            e.epoch,
            e.train_loss,
            e.train_accuracy,
            e.val_loss,
            e.val_accuracy,
            e.val_top5_accuracy,
            e.per_class.macro_f1,
            e.lr,
            e.seconds,
        )
        writer.writerow([v if isinstance(v, int) else round(v, 6) for v in values])
    return text.getvalue()
