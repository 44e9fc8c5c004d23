"""batches.csv: every training batch's loss, accuracy and learning rate, so a past run's curves
can be drawn batch by batch and not only at its epochs.

A row per batch would cost a write per batch; instead an epoch's rows are kept in memory and
appended when the epoch ends, before its checkpoint is written. The file therefore describes the
finished epochs, like the checkpoint: a run stopped mid-epoch keeps none of that epoch's rows.
A kill between the append and the checkpoint leaves rows the checkpoint lacks; resuming drops
them (the file is rewritten with the rows up to the checkpoint's step) and trains them again.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from pathlib import Path

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.files import write_atomic
from cnnstudio.core.runs.history import BATCH_COLUMNS, read_batch_rows
from cnnstudio.core.training.events import BatchEnded

BATCHES_FILE = "batches.csv"

log = logging.getLogger(__name__)


class BatchLog:
    """The batches.csv of one run folder, kept as a run trains into it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / BATCHES_FILE
        self.pending: list[tuple[float, ...]] = []  # the current epoch's rows

    def start(self, step: int) -> None:
        """Begin (or go on after) `step` batches: the rows of later steps are dropped."""
        try:
            rows = read_batch_rows(self.path.parent)
        except CnnstudioError:  # the run goes on; its damaged curve is kept aside, not lost
            log.warning("batches.csv damaged; kept as batches.damaged.csv", exc_info=True)
            self.path.replace(self.path.with_name("batches.damaged.csv"))
            rows = []
        kept = [tuple(row[name] for name in BATCH_COLUMNS) for row in rows if row["step"] <= step]
        write_atomic(self.path, batches_csv(kept, header=True))
        self.pending = []

    def add(self, event: BatchEnded) -> None:
        self.pending.append(
            (event.step, event.epoch, event.batch, event.loss, event.accuracy, event.lr)
        )

    def save_epoch(self) -> None:
        """Append the epoch's rows to the file (a flushed append: the rows written before are
        never rewritten, so the cost stays one epoch's rows however long the run)."""
        with open(self.path, "a", encoding="utf-8", newline="") as handle:
            handle.write(batches_csv(self.pending))
            handle.flush()
        self.pending = []


def batches_csv(rows: Iterable[tuple[float, ...]], header: bool = False) -> str:
    """Rows of batches.csv as text; six significant digits are plenty for a curve."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    if header:
        writer.writerow(BATCH_COLUMNS)
    for row in rows:
        writer.writerow([v if isinstance(v, int) else f"{v:.6g}" for v in row])
    return text.getvalue()
