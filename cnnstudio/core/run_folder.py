"""A run's folder on disk: spec.json, metrics.csv, confusion_matrices.json, summary.json, model.pt.

Every file is rewritten atomically after each epoch, so a run killed at any moment leaves complete
files describing every finished epoch.
"""

from __future__ import annotations

import csv
import io
import json
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
        self.rows: list[dict[str, float]] = []
        self.matrices: dict[str, list[list[int]]] = {}
        self.class_names: list[str] = []

    def on_fit_start(self, event: FitStarted) -> None:
        self.class_names = list(event.class_names)
        write_atomic(self.folder / "spec.json", self.spec.to_json())

    def on_epoch_end(self, event: EpochEnded) -> None:
        self.rows.append(
            {
                "epoch": event.epoch,
                "train_loss": event.train_loss,
                "train_accuracy": event.train_accuracy,
                "val_loss": event.val_loss,
                "val_accuracy": event.val_accuracy,
                "val_top5_accuracy": event.val_top5_accuracy,
                "val_macro_f1": event.per_class.macro_f1,
                "lr": event.lr,
                "seconds": event.seconds,
            }
        )
        text = io.StringIO()
        writer = csv.DictWriter(text, METRIC_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: _round(value) for key, value in row.items()} for row in self.rows)
        write_atomic(self.folder / "metrics.csv", text.getvalue())
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


def _round(value: float) -> float | int:
    return value if isinstance(value, int) else round(value, 6)
