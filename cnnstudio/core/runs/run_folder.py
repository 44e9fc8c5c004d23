"""A run's folder on disk.

  spec.json                 the run spec (its current settings, after any changed while it trained)
  environment.json          versions, device, threads, seed: what the numbers were measured on
                            (the first start's; each resume is appended under "resumed")
  dataset_check.txt         the dataset check, as `cnnstudio inspect` prints it
  metrics.csv               one row per epoch
  batches.csv               one row per training batch of the finished epochs (batch_log.py)
  confusion_matrices.json   every epoch's confusion matrix
  last.pt, best.pt          checkpoints after the latest epoch and the best one so far
  changes.csv               settings changed while it trained: step,epoch,setting,old,new
                            (written as each change is made; training/changes.py)
  summary.json              how the run ended (written when it ends)
  run.json                  the name and notes a person gave the run (labels.py)
  inside/epoch-NNNN.npz     each epoch's look inside the network (insight/snapshot.py)
  coach.json                the training coach's notes, written as found (insight/coach.py)
  .lock                     while a run trains into the folder (see lock.py)

Every file is written atomically after each epoch, so a run killed at any moment leaves complete
files describing every finished epoch, and a checkpoint to resume from.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import platform
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from cnnstudio import __version__
from cnnstudio.core.data.inspect import inspect_data
from cnnstudio.core.files import write_atomic
from cnnstudio.core.runs.batch_log import BatchLog
from cnnstudio.core.runs.checkpoint import checkpoint_bytes
from cnnstudio.core.runs.history import read_matrices, read_metric_rows
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.changes import SettingChange, changes_csv
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitStarted

if TYPE_CHECKING:
    from cnnstudio.core.training.engine import Trainer

log = logging.getLogger(__name__)

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
    """Writes the run's folder as it trains. A resumed run's earlier epochs are kept: they are
    read back from the folder's own files, up to the epoch its checkpoint holds."""

    def __init__(self, folder: str | Path, trainer: Trainer) -> None:
        self.folder = Path(folder)
        self.trainer = trainer
        self.class_names = list(trainer.data.class_names)
        done = trainer.epochs_completed
        self.rows = [row for row in read_metric_rows(self.folder) if row["epoch"] <= done]
        self.matrices = {
            epoch: matrix
            for epoch, matrix in read_matrices(self.folder).items()
            if int(epoch) <= done
        }
        self.saved_epoch = done  # the epoch last.pt holds
        self.batches = BatchLog(self.folder)
        self.write_failed = False  # a write failed (a full disk): the run ends, files intact

    def on_fit_start(self, event: FitStarted) -> None:
        with self._writing():
            self._start()

    def on_batch_end(self, event: BatchEnded) -> None:
        self.batches.add(event)

    def on_epoch_end(self, event: EpochEnded) -> None:
        with self._writing():
            self._save_epoch(event)

    def on_setting_changed(self, change: SettingChange) -> None:
        with self._writing():
            write_atomic(self.folder / "changes.csv", changes_csv(self.trainer.changes))
            write_atomic(self.folder / "spec.json", self.trainer.spec.to_json())

    def on_fit_end(self, event: FitEnded) -> None:
        if not self.write_failed:  # after a failed write the disk is full: keep what is there
            with self._writing():
                self._write_summary(event)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except OSError:
            self.write_failed = True
            raise

    def _start(self) -> None:
        (self.folder / "summary.json").unlink(missing_ok=True)  # the run is going again
        write_atomic(self.folder / "spec.json", self.trainer.spec.to_json())
        # A resumed run keeps the changes its checkpoint holds; any made after it are dropped.
        if self.trainer.changes:
            write_atomic(self.folder / "changes.csv", changes_csv(self.trainer.changes))
        else:
            (self.folder / "changes.csv").unlink(missing_ok=True)
        write_environment(
            self.folder, describe_environment(self.trainer.device, self.trainer.spec.seed)
        )
        check = self.folder / "dataset_check.txt"
        if not check.exists():  # a resumed run keeps the check of the data it started on
            # Without reading a streamed folder's files again: that is the GUI's or inspect's job.
            lines = inspect_data(self.trainer.data, read_files=False).describe(limit=50)
            write_atomic(check, "\n".join(lines) + "\n")
        self.batches.start(self.trainer.step)

    def _save_epoch(self, event: EpochEnded) -> None:
        # The record first, then the checkpoint: a run killed in between has a row for an epoch
        # its checkpoint lacks, which resuming drops and trains again.
        self.rows.append(metric_row(event))
        self.matrices[str(event.epoch)] = event.confusion.tolist()
        write_atomic(self.folder / "metrics.csv", metrics_csv(self.rows))
        document = {
            "class_names": self.class_names,
            "rows": "true class",
            "columns": "predicted class",
            "epochs": self.matrices,
        }
        write_atomic(self.folder / "confusion_matrices.json", json.dumps(document))
        self.batches.save_epoch()
        checkpoint = checkpoint_bytes(self.trainer)
        write_atomic(self.folder / "last.pt", checkpoint)
        self.saved_epoch = event.epoch
        if event.is_best:
            write_atomic(self.folder / "best.pt", checkpoint)

    def _write_summary(self, event: FitEnded) -> None:
        summary = {
            "status": event.status,
            "reason": event.reason,
            "epochs_completed": event.epochs_completed,
            "best_epoch": event.best_epoch,
            "best_val_accuracy": event.best_val_accuracy,
            "seconds": round(event.seconds, 3),
        }
        write_atomic(self.folder / "summary.json", json.dumps(summary, indent=2) + "\n")


def metric_row(event: EpochEnded) -> dict[str, float]:
    """An epoch's metrics.csv row."""
    values = (
        event.epoch,
        event.train_loss,
        event.train_accuracy,
        event.val_loss,
        event.val_accuracy,
        event.val_top5_accuracy,
        event.per_class.macro_f1,
        event.lr,
        event.seconds,
    )
    return dict(zip(METRIC_COLUMNS, values, strict=True))


def write_environment(folder: Path, environment: dict[str, Any]) -> None:
    """environment.json: the first start's environment; each resume appends its own record."""
    path = folder / "environment.json"
    try:
        first = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        first = None
    except (OSError, ValueError):
        log.warning("environment.json unreadable; starting it again", exc_info=True)
        first = None
    if isinstance(first, dict):
        first.setdefault("resumed", []).append(environment)
        environment = first
    write_atomic(path, json.dumps(environment, indent=2) + "\n")


def metrics_csv(epochs: Sequence[EpochEnded | dict[str, float]]) -> str:
    """The text of metrics.csv: a header and one row per epoch (an event or its row)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for epoch in epochs:
        row = epoch if isinstance(epoch, dict) else metric_row(epoch)
        values = [row[name] for name in METRIC_COLUMNS]
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
