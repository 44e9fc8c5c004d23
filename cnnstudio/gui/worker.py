"""The training worker: runs the engine on its own QThread and turns events into signals.

Batch events are gathered and sent about 20 times a second (every batch's loss still arrives, in
chunks); epoch, end and error events are sent at once, never dropped.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.run_folder import RunFolderWriter
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted
from cnnstudio.core.training.prepare import load_dataset
from cnnstudio.gui.jobs import hand_back_to_gui_thread

BATCH_SIGNAL_INTERVAL = 0.05  # seconds: about 20 updates a second


class TrainingWorker(QObject):
    """Lives on the run's QThread; `run` trains from start to end."""

    data_ready = Signal(object)  # ImageData (or StreamedImages) the run trains on
    fit_started = Signal(object)  # FitStarted
    batches_ended = Signal(object)  # list[BatchEnded], oldest first
    epoch_ended = Signal(object)  # EpochEnded
    fit_ended = Signal(object)  # FitEnded
    failed = Signal(str)  # a message for a dialog
    finished = Signal()

    def __init__(
        self,
        spec: RunSpec,
        data: ImageData | StreamedImages | None,
        control: TrainingControl,
        run_dir: Path,
        resume: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.spec, self.data, self.control = spec, data, control
        self.run_dir, self.resume = run_dir, resume

    @Slot()
    def run(self) -> None:
        try:
            data = self.data if self.data is not None else load_dataset(self.spec)
            self.data_ready.emit(data)
            trainer = Trainer(self.spec, data, self.control)
            if self.resume is not None:
                trainer.restore(self.resume["state_dict"], self.resume["training"])
            # The folder first: an epoch the window shows is already saved.
            trainer.fit([RunFolderWriter(self.run_dir, trainer), _SignalBridge(self, trainer)])
        except CnnstudioError as error:  # found before training: data, stack, device
            self.failed.emit(str(error))
        except Exception as error:
            logging.getLogger(__name__).exception("unexpected error")
            self.failed.emit(
                f"Training stopped on an unexpected error: {type(error).__name__}: {error}"
            )
        finally:
            hand_back_to_gui_thread(self)
            self.finished.emit()


class _SignalBridge(Callback):
    def __init__(self, worker: TrainingWorker, trainer: Trainer) -> None:
        self.worker, self.trainer = worker, trainer
        self.pending: list[BatchEnded] = []
        self.last_sent = 0.0

    def on_fit_start(self, event: FitStarted) -> None:
        self.worker.fit_started.emit(event)
        for earlier in self.trainer.history:  # a resumed run shows the epochs it already has
            self.worker.epoch_ended.emit(earlier)

    def on_batch_end(self, event: BatchEnded) -> None:
        self.pending.append(event)
        now = time.monotonic()
        if now - self.last_sent >= BATCH_SIGNAL_INTERVAL or event.batch == event.batches_per_epoch:
            self._flush(now)

    def on_epoch_end(self, event: EpochEnded) -> None:
        self._flush(time.monotonic())
        self.worker.epoch_ended.emit(event)

    def on_error(self, event: FitFailed) -> None:
        self._flush(time.monotonic())
        self.worker.failed.emit(event.message)

    def on_fit_end(self, event: FitEnded) -> None:
        self._flush(time.monotonic())
        self.worker.fit_ended.emit(event)

    def _flush(self, now: float) -> None:
        if self.pending:
            self.worker.batches_ended.emit(self.pending)
            self.pending = []
        self.last_sent = now
