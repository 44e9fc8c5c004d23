"""What the window shows of a run: the live one as it trains, or a past one read from its folder.

The presenter owns the run's state (its epochs, class names, validation images, timing) and
drives the views: curves, confusion matrix, per-class table, mistakes, the progress bar and its
line, and the device in the status bar. The window only lays them out.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QTabWidget,
)

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.params import amount
from cnnstudio.core.runs.history import RunRecord, read_batch_columns
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitStarted
from cnnstudio.core.training.metrics import class_metrics
from cnnstudio.gui.devices import DeviceList
from cnnstudio.gui.eta import RemainingTime
from cnnstudio.gui.views.class_table import ClassTable
from cnnstudio.gui.views.confusion import ConfusionView
from cnnstudio.gui.views.curves import Batches, CurvesView
from cnnstudio.gui.views.mistakes import MistakesView
from cnnstudio.gui.widgets import ElidedLabel, show_page

if TYPE_CHECKING:
    from cnnstudio.gui.worker import TrainingWorker

log = logging.getLogger(__name__)

# Views redraw from a timer, never once per signal. 5 Hz: on a 2-core CPU each curves redraw costs
# ~11 ms of the GUI thread, and the training thread waits for the GIL meanwhile. Measured with
# benchmarks/window_responsiveness.py, training in the window ran at 1.10x headless with no
# redraws, 0.89x redrawing at 10 Hz.
REDRAW_INTERVAL_MS = 200
OUTCOME = {"completed": "Finished", "stopped": "Stopped", "failed": "Failed"}


@dataclass
class RunViews:
    """The widgets a run is shown in (laid out by the window)."""

    tabs: QTabWidget
    curves: CurvesView
    confusion: ConfusionView
    class_table: ClassTable
    mistakes: MistakesView
    progress: QProgressBar
    progress_label: ElidedLabel
    device_label: QLabel


class RunPresenter(QObject):
    run_ended = Signal(object)  # Path of the run's folder, once it has said how it ended
    failed = Signal(str)  # a message for one dialog
    noted = Signal(str)  # a line from the run (resuming, extending): for the status bar

    def __init__(self, views: RunViews, devices: DeviceList, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.views, self.devices = views, devices
        self.epochs: list[EpochEnded] = []
        self.class_names: list[str] = []
        self.run_data: ImageData | None = None
        self.run_dir: Path | None = None
        self.latest_batch: BatchEnded | None = None
        self.remaining = RemainingTime()
        self.running = False
        self.paused = False
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self.redraw_timer.timeout.connect(self._on_redraw_timer)
        self.redraw_timer.start()

    # -- the live run -------------------------------------------------------------------------
    def attach(self, worker: TrainingWorker, run_dir: Path) -> None:
        """Show the run `worker` is about to train into `run_dir`."""
        self.epochs, self.run_data, self.run_dir = [], None, run_dir
        self.latest_batch, self.remaining = None, RemainingTime()
        self.running, self.paused = True, False
        self.views.progress.setValue(0)
        self.views.progress_label.setText("Starting...")
        self.views.mistakes.clear("Mistakes appear after the first epoch.")
        worker.noted.connect(self._on_noted)
        worker.data_ready.connect(self._on_run_data_ready)
        worker.fit_started.connect(self._on_fit_started)
        worker.batches_ended.connect(self._on_batches_ended)
        worker.epoch_ended.connect(self._on_epoch_ended)
        worker.fit_ended.connect(self._on_fit_ended)
        worker.failed.connect(self.failed)

    def show_paused(self, paused: bool) -> None:
        self.paused = paused
        now = time.monotonic()
        self.remaining.pause(now) if paused else self.remaining.resume(now)
        self._show_progress()

    def stopped(self) -> None:
        """The run's thread has ended (after fit_ended, or after a failure before training)."""
        self.running = False

    def show_device(self, name: str, mixed_precision: bool = False) -> None:
        """`name` as a spec or a run writes it: "auto", "cpu", "cuda:0", "mps"."""
        text = f"Device: {self.devices.describe(name)}"
        self.views.device_label.setText(text + (", mixed precision" if mixed_precision else ""))

    def _on_noted(self, text: str) -> None:
        """Shown on the progress line until the first batch, and in the status bar."""
        self.views.progress_label.setText(text)
        self.noted.emit(text)

    def _on_run_data_ready(self, data: object) -> None:
        self.run_data = data if isinstance(data, ImageData) else None
        if self.run_data is None:  # streamed from disk: no images at hand for the matrix
            self.views.confusion.set_validation(None, None)
        else:
            self.views.confusion.set_validation(
                self.run_data.val_images.numpy(), self.run_data.val_labels.numpy()
            )

    def _on_fit_started(self, event: FitStarted) -> None:
        self.class_names = list(event.class_names)
        self.views.curves.clear()
        self.views.confusion.clear(self.class_names)
        self.show_device(event.device, event.mixed_precision)
        self.views.progress.setRange(0, event.epochs * event.batches_per_epoch)
        self.views.progress.setValue((event.first_epoch - 1) * event.batches_per_epoch)

    def _on_batches_ended(self, batches: list[BatchEnded]) -> None:
        self.views.curves.add_batches(batches)
        last = batches[-1]
        done = (last.epoch - 1) * last.batches_per_epoch + last.batch
        total = self.views.progress.maximum()
        self.remaining.batch(time.monotonic(), done, total, last.batches_per_epoch)
        self.latest_batch = last  # shown at the next redraw tick, with the curves

    def _on_epoch_ended(self, event: EpochEnded) -> None:
        self.epochs.append(event)
        if self.remaining.origin is not None:  # trained now, not an earlier start's epoch
            self.remaining.epoch(event.seconds)
        self.views.curves.add_epoch(event)
        self.views.confusion.add_epoch(event.confusion, event)
        self.views.class_table.show_epoch(event, self.class_names)
        # Epochs read back from a run folder (a resumed run's earlier ones) keep no predictions.
        if self.run_data is not None and len(event.val_predictions):
            self.views.mistakes.show_epoch(
                event,
                self.run_data.val_images.numpy(),
                self.run_data.val_labels.numpy(),
                self.class_names,
            )

    def _on_fit_ended(self, event: FitEnded) -> None:
        self.running = False
        if self.latest_batch is not None:  # the bar shows the last batch; the line the outcome
            last = self.latest_batch
            self.views.progress.setValue((last.epoch - 1) * last.batches_per_epoch + last.batch)
            self.latest_batch = None
        best = (
            f"; best validation accuracy {event.best_val_accuracy:.1%} at epoch {event.best_epoch}"
            if event.best_epoch
            else ""
        )
        detail = f" ({event.reason})" if event.status == "stopped" else ""
        self.views.progress_label.setText(
            f"{OUTCOME[event.status]} after {amount(event.epochs_completed, 'epoch')} in "
            f"{duration(event.seconds)}{detail}{best}. Saved in {self.run_dir}."
        )
        self.run_ended.emit(self.run_dir)

    def _show_progress(self) -> None:
        last = self.latest_batch
        if last is None:
            if self.running and self.paused:
                self.views.progress_label.setText("Paused.")
            return
        self.views.progress.setValue((last.epoch - 1) * last.batches_per_epoch + last.batch)
        seconds = self.remaining.estimate()
        left = "estimating time left..." if seconds is None else f"left about {duration(seconds)}"
        state = "Paused.   " if self.paused else ""
        self.views.progress_label.setText(
            f"{state}Epoch {last.epoch}, batch {last.batch} of {last.batches_per_epoch}   "
            f"{left}   {last.images_per_second:,.0f} images/s   loss {last.loss:.3f}"
        )

    def _on_redraw_timer(self) -> None:
        if self.running:
            self._show_progress()
        shown = self.views.tabs.currentWidget()
        if self.views.curves.isVisibleTo(self.views.tabs):  # its tab, and not a race's curves
            self.views.curves.refresh()
        elif shown is self.views.confusion:
            self.views.confusion.refresh()

    # -- a past run ---------------------------------------------------------------------------
    def show_record(self, record: RunRecord) -> None:
        """Show a finished run from its folder's records (metrics.csv, confusion matrices)."""
        self.epochs, self.run_data, self.run_dir = [], None, record.folder
        self.class_names = list(record.class_names)
        self.views.curves.clear()
        self.views.curves.show_history(record.epochs, _batches(record.folder))
        self.views.confusion.clear(self.class_names)
        self.views.confusion.set_validation(None, None)
        for epoch in sorted(record.matrices):
            self.views.confusion.add_epoch(record.matrices[epoch])
        if record.matrices:
            last = record.matrices[max(record.matrices)]
            self.views.class_table.show_metrics(class_metrics(last), self.class_names)
        self.views.mistakes.clear(
            f"{record.name} is a past run: its folder keeps no per-image predictions. "
            "Mistakes are shown while a run trains."
        )
        self.views.curves.refresh()
        self.views.progress_label.setText(
            f"Showing {record.name}: {amount(len(record.epochs), 'epoch')}."
        )
        show_page(self.views.tabs, self.views.curves)


def _batches(folder: Path) -> Batches | None:
    """The run's batches.csv by column; None if it cannot be read (the curves show its epochs)."""
    try:
        return read_batch_columns(folder)
    except CnnstudioError:
        log.warning("could not read the batches of %s", folder, exc_info=True)
        return None


def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def duration(seconds: float) -> str:
    """A time as people say it: "12 s" under a minute (not 0:12), else minutes "4:05"."""
    return f"{int(seconds)} s" if seconds < 60 else clock(seconds)
