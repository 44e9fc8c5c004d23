"""One big status line saying what is happening, in plain words, for a class watching a
projector (presentation mode shows it in place of the progress line): "Ready: press Train (F5)
to start", "Epoch 3 of 10: the network sees every training image for the third time",
"Paused", "Finished: 87% of the checking images right", with a second line of detail (how the
last check went, why it cannot start).

It listens to the run's worker itself and keeps its words up to date in both modes, so turning
presentation mode on in the middle of a run shows the right line at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnnstudio.core.params import amount
from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.training.changes import SettingChange
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitStarted
from cnnstudio.gui.plot_style import scaled_font
from cnnstudio.gui.widgets import ElidedLabel

if TYPE_CHECKING:
    from cnnstudio.gui.worker import TrainingWorker

LARGER = 1.25  # the lines' text, times the window's
READY = "Ready: press Train (F5) to start"
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


class StatusLine(QWidget):
    """What the window is doing, in large text: a bold headline and a line of detail under it."""

    def __init__(self) -> None:
        super().__init__()
        self.headline, self.detail = ElidedLabel(READY), ElidedLabel()
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 2, 6, 2)
        column.setSpacing(0)
        column.addWidget(self.headline)
        column.addWidget(self.detail)
        self.epochs = 0  # of the run shown
        self.epoch = 0  # the epoch training now
        self.accuracy: float | None = None  # validation accuracy of the last finished epoch
        self.running = self.paused = False
        self.set_text_scale(1.0)

    def text(self) -> str:
        """Both lines, as one would read them out."""
        return f"{self.headline.text()}. {self.detail.text()}".rstrip(". ")

    def set_text_scale(self, scale: float) -> None:
        self.headline.setFont(scaled_font(scale * LARGER, bold=True))
        self.detail.setFont(scaled_font(scale * LARGER))

    def say(self, headline: str, detail: str = "") -> None:
        self.headline.setText(headline)
        self.detail.setText(detail)

    # -- what is happening --------------------------------------------------------------------
    def show_idle(self, reason: str | None, loading: bool) -> None:
        """No run trains: whether one can start. A finished run's lines stay until the
        settings or the data change what can happen next."""
        if self.running:
            return
        if loading:
            self.say("Loading the images...")
        elif reason:
            self.say("Not ready yet", reason[0].upper() + reason[1:])
        elif self.headline.text().startswith(("Loading", "Not ready")):
            self.say(READY)

    def attach(self, worker: TrainingWorker) -> None:
        """Follow the run `worker` is about to train."""
        self.running, self.paused, self.epoch, self.accuracy = True, False, 0, None
        self.say("Starting: getting the images ready...")
        worker.fit_started.connect(self._on_fit_started)
        worker.batches_ended.connect(self._on_batches_ended)
        worker.epoch_ended.connect(self._on_epoch_ended)
        worker.fit_ended.connect(self._on_fit_ended)
        worker.failed.connect(self._on_failed)
        worker.setting_changed.connect(self._on_setting_changed)

    def show_paused(self, paused: bool) -> None:
        self.paused = paused
        self._show_epoch()

    def show_record(self, record: RunRecord) -> None:
        """A past run shown from its folder."""
        last = record.epochs[-1]["val_accuracy"] if record.epochs else None
        self.say(
            f"Showing an earlier run: {amount(len(record.epochs), 'epoch')}",
            f"At its end: {right(last)}" if last is not None else "",
        )

    # -- the run's events ---------------------------------------------------------------------
    def _on_fit_started(self, event: FitStarted) -> None:
        self.epochs, self.epoch = event.epochs, event.first_epoch
        self._show_epoch()

    def _on_batches_ended(self, batches: list[BatchEnded]) -> None:
        if batches[-1].epoch != self.epoch:
            self.epoch = batches[-1].epoch
            self._show_epoch()

    def _on_epoch_ended(self, event: EpochEnded) -> None:
        self.accuracy = event.val_accuracy
        self._show_epoch()

    def _on_setting_changed(self, change: SettingChange) -> None:
        if change.path == "training.epochs":  # "Epoch 3 of 12" counts to the new total
            self.epochs = change.new
            self._show_epoch()

    def _on_fit_ended(self, event: FitEnded) -> None:
        self.running = False
        result = f": {right(self.accuracy)}" if self.accuracy is not None else ""
        best = (
            f"Its best was epoch {event.best_epoch}: {event.best_val_accuracy:.0%} right"
            if event.best_epoch and event.best_val_accuracy is not None
            else ""
        )
        if event.status == "completed":
            self.say(f"Finished{result}", best)
        elif event.status == "stopped":
            stopped = f"Stopped after {event.epochs_completed} of {self.epochs} epochs"
            self.say(f"{stopped}{result}", best)
        else:
            self._on_failed("")

    def _on_failed(self, _message: str) -> None:
        self.running = False
        self.say("Training stopped: something went wrong", "The message says what and what to try")

    def _show_epoch(self) -> None:
        if not self.running or not self.epochs:
            return
        where = f"Epoch {self.epoch} of {self.epochs}"
        so_far = (
            f"After epoch {self.epoch - 1}: {right(self.accuracy)}"
            if self.accuracy is not None
            else "The first check on images it does not learn from comes after this epoch"
        )
        if self.paused:
            self.say(f"Paused at {where.lower()}: press Resume (F6) to go on", so_far)
        else:
            sees = f"the network sees every training image for the {ordinal(self.epoch)} time"
            self.say(f"{where}: {sees}", so_far)


def ordinal(number: int) -> str:
    """1 -> "first", ..., 9 -> "ninth", 10 -> "10th", 22 -> "22nd"."""
    if number <= len(ORDINALS):
        return ORDINALS[number - 1]
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{'th' if 10 <= number % 100 <= 20 else suffix}"


def right(accuracy: float) -> str:
    """ "87% of the checking images right": validation accuracy in a classroom's words."""
    return f"{accuracy:.0%} of the checking images right"
