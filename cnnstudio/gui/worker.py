"""The training worker: runs the engine on its own QThread and turns events into signals.

Batch events are gathered and sent about 20 times a second (every batch's loss still arrives, in
chunks); epoch, end and error events are sent at once, never dropped.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import Signal

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.insight.coach_notes import load_notes
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.changes import RefusedChange, SettingChange
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted
from cnnstudio.gui.controller import ThreadWorker

BATCH_SIGNAL_INTERVAL = 0.05  # seconds: about 20 updates a second

log = logging.getLogger(__name__)


class TrainingWorker(ThreadWorker):
    """Lives on the run's QThread; `run` trains from start to end through a `RunSession`, the
    same sequence as `cnnstudio train`: a new run (optionally from a checkpoint's weights), a
    resumed one, or one extended by more epochs."""

    noted = Signal(str)  # a line for the user: resuming, extending, a stale lock taken over
    data_ready = Signal(object)  # ImageData (or StreamedImages) the run trains on
    fit_started = Signal(object)  # FitStarted
    batches_ended = Signal(object)  # list[BatchEnded], oldest first
    epoch_ended = Signal(object)  # EpochEnded
    fit_ended = Signal(object)  # FitEnded
    inside_recorded = Signal(object)  # InsideSnapshot of an epoch's end (saved in the run folder)
    coach_noted = Signal(object)  # CoachNote, as the coach finds it (saved in coach.json first)
    setting_changed = Signal(object)  # SettingChange, made while it trains (saved first)
    setting_refused = Signal(object)  # RefusedChange: a change asked for that could not be made
    finished = Signal()

    def __init__(
        self,
        spec: RunSpec,
        data: ImageData | StreamedImages | None,
        control: TrainingControl,
        run_dir: Path,
        resume: bool = False,
        *,
        more_epochs: int | None = None,
        init_from: Path | None = None,
    ) -> None:
        """Train `spec` into `run_dir` (new or empty); with `resume`, go on with the run already
        in `run_dir` (its own spec; `spec` is ignored); with `more_epochs`, train that many
        epochs beyond those it has; with `init_from`, a new run starts from that checkpoint."""
        super().__init__()
        self.spec, self.data, self.control = spec, data, control
        self.run_dir, self.resume = run_dir, resume or more_epochs is not None
        self.more_epochs, self.init_from = more_epochs, init_from

    def work(self) -> None:
        with self._open_session() as session:
            for line in session.notes:
                log.info(line)
                self.noted.emit(line)
            data = self.data if self.data is not None else session.load_data()
            self.data_ready.emit(data)
            bridge = _SignalBridge(self, session.earlier_epochs())
            if self.resume:  # a resumed or extended run's earlier notes are shown first
                for note in load_notes(self.run_dir) or []:
                    self.coach_noted.emit(note)
            session.train(
                data,
                self.control,
                [bridge],
                inside_listener=self.inside_recorded.emit,
                coach_listener=self.coach_noted.emit,
            )

    def _open_session(self) -> RunSession:
        if self.more_epochs is not None:
            return RunSession.extend(self.run_dir, self.more_epochs)
        if self.resume:
            return RunSession.resume(self.run_dir)
        return RunSession.new(self.spec, self.run_dir, init_from=self.init_from)


class _SignalBridge(Callback):
    def __init__(self, worker: TrainingWorker, earlier: list[EpochEnded]) -> None:
        self.worker, self.earlier = worker, earlier
        self.pending: list[BatchEnded] = []
        self.last_sent = 0.0

    def on_fit_start(self, event: FitStarted) -> None:
        self.worker.fit_started.emit(event)
        for earlier in self.earlier:  # a resumed run shows the epochs it already has
            self.worker.epoch_ended.emit(earlier)

    def on_batch_end(self, event: BatchEnded) -> None:
        self.pending.append(event)
        now = time.monotonic()
        if now - self.last_sent >= BATCH_SIGNAL_INTERVAL or event.batch == event.batches_per_epoch:
            self._flush(now)

    def on_epoch_end(self, event: EpochEnded) -> None:
        self._flush(time.monotonic())
        self.worker.epoch_ended.emit(event)

    def on_setting_changed(self, change: SettingChange) -> None:
        self.worker.setting_changed.emit(change)

    def on_setting_refused(self, refusal: RefusedChange) -> None:
        self.worker.setting_refused.emit(refusal)

    def on_error(self, event: FitFailed) -> None:
        self._flush(time.monotonic())
        if event.kind != "exception":  # an exception goes on to `run`, which reports it once
            self.worker.failed.emit(event.message)

    def on_fit_end(self, event: FitEnded) -> None:
        self._flush(time.monotonic())
        self.worker.fit_ended.emit(event)

    def _flush(self, now: float) -> None:
        if self.pending:
            self.worker.batches_ended.emit(self.pending)
            self.pending = []
        self.last_sent = now
