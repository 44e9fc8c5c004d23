"""The race's worker: trains the variants on the run's thread and turns their events into signals.

Like the training worker, each variant's batches are gathered and sent about 20 times a second;
its epochs and its end are sent at once.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import Signal

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.runs.race import Race
from cnnstudio.core.spec.variants import Variant
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted
from cnnstudio.gui.controller import ThreadWorker
from cnnstudio.gui.worker import BATCH_SIGNAL_INTERVAL

log = logging.getLogger(__name__)


class RaceWorker(ThreadWorker):
    """Lives on the run's QThread; `run` races `variants` into `folders` (new or empty)."""

    fit_started = Signal(int, object)  # variant's index, FitStarted
    batches_ended = Signal(int, object)  # variant's index, list[BatchEnded], oldest first
    epoch_ended = Signal(int, object)  # variant's index, EpochEnded
    variant_failed = Signal(int, str)  # variant's index, why it stopped (the others go on)
    fit_ended = Signal(int, object)  # variant's index, FitEnded
    race_ended = Signal(object)  # list[RaceEntry]
    doing = "The race"

    def __init__(
        self,
        variants: list[Variant],
        folders: list[Path],
        data: ImageData | StreamedImages | None,
        control: TrainingControl,
    ) -> None:
        super().__init__()
        self.variants, self.folders, self.data, self.control = variants, folders, data, control
        self.pending: dict[int, list[BatchEnded]] = {}
        self.last_sent = 0.0

    def work(self) -> None:
        with Race(self.variants, self.folders) as race:
            data = self.data if self.data is not None else race.load_data()
            entries = race.run(data, self.control, self._hear)
        self.race_ended.emit(entries)

    def _hear(self, index: int, event: object) -> None:
        if isinstance(event, BatchEnded):
            self.pending.setdefault(index, []).append(event)
            if time.monotonic() - self.last_sent >= BATCH_SIGNAL_INTERVAL:
                self._flush()
            return
        self._flush()
        if isinstance(event, FitStarted):
            self.fit_started.emit(index, event)
        elif isinstance(event, EpochEnded):
            self.epoch_ended.emit(index, event)
        elif isinstance(event, FitFailed):
            self.variant_failed.emit(index, event.message)
        elif isinstance(event, FitEnded):
            self.fit_ended.emit(index, event)

    def _flush(self) -> None:
        for index, batches in self.pending.items():
            self.batches_ended.emit(index, batches)
        self.pending = {}
        self.last_sent = time.monotonic()
