"""A run's folder on disk.

  spec.json                 the run spec
  environment.json          versions, device, threads, seed: what the numbers were measured on
  dataset_check.txt         the dataset check, as `cnnstudio inspect` prints it
  metrics.csv               one row per epoch
  confusion_matrices.json   every epoch's confusion matrix
  last.pt, best.pt          checkpoints after the latest epoch and the best one so far
  summary.json              how the run ended (written when it ends)

Every file is written atomically after each epoch, so a run killed at any moment leaves complete
files describing every finished epoch, and a checkpoint to resume from.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from cnnstudio import __version__
from cnnstudio.core.data.inspect import inspect_data
from cnnstudio.core.files import write_atomic
from cnnstudio.core.runs.checkpoint import checkpoint_bytes
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.events import EpochEnded, FitEnded, FitStarted

if TYPE_CHECKING:
    from cnnstudio.core.training.engine import Trainer

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
    """Writes the run's folder as it trains. A resumed trainer's earlier epochs are kept."""

    def __init__(self, folder: str | Path, trainer: Trainer) -> None:
        self.folder = Path(folder)
        self.trainer = trainer
        self.epochs: list[EpochEnded] = list(trainer.history)
        self.class_names = list(trainer.data.class_names)

    def on_fit_start(self, event: FitStarted) -> None:
        write_atomic(self.folder / "spec.json", self.trainer.spec.to_json())
        environment = describe_environment(self.trainer.device, self.trainer.spec.seed)
        write_atomic(self.folder / "environment.json", json.dumps(environment, indent=2) + "\n")
        check = self.folder / "dataset_check.txt"
        if not check.exists():  # a resumed run keeps the check of the data it started on
            # Without reading a streamed folder's files again: that is the GUI's or inspect's job.
            lines = inspect_data(self.trainer.data, read_files=False).describe(limit=50)
            write_atomic(check, "\n".join(lines) + "\n")

    def on_epoch_end(self, event: EpochEnded) -> None:
        self.epochs.append(event)
        checkpoint = checkpoint_bytes(self.trainer)
        write_atomic(self.folder / "last.pt", checkpoint)
        if event.is_best:
            write_atomic(self.folder / "best.pt", checkpoint)
        write_atomic(self.folder / "metrics.csv", metrics_csv(self.epochs))
        document = {
            "class_names": self.class_names,
            "rows": "true class",
            "columns": "predicted class",
            "epochs": {str(e.epoch): e.confusion.tolist() for e in self.epochs},
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


def describe_environment(device: torch.device, seed: int) -> dict[str, Any]:
    """Versions and hardware a run's figures came from."""
    import torchvision

    details: dict[str, Any] = {
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cnnstudio": __version__,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(device),
        "seed": seed,
    }
    if device.type == "cuda":
        details["gpu"] = torch.cuda.get_device_name(device)
        details["cuda"] = torch.version.cuda
    return details
