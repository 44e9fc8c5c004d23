"""Listeners for training events. The console bar, the run folder writer, early stopping and the
window's Qt bridge are all callbacks; the engine never knows who listens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cnnstudio.core.training.changes import RefusedChange, SettingChange
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted
from cnnstudio.core.training.state import EpochScore


class Callback:
    """Override the hooks you need; each default does nothing."""

    def on_fit_start(self, event: FitStarted) -> None:
        pass

    def on_batch_end(self, event: BatchEnded) -> None:
        pass

    def on_epoch_end(self, event: EpochEnded) -> None:
        pass

    def on_setting_changed(self, change: SettingChange) -> None:
        """A setting changed while the run trains; the next batch uses the new value."""

    def on_setting_refused(self, refusal: RefusedChange) -> None:
        """A change asked for could not be made (its reason says why)."""

    def on_error(self, event: FitFailed) -> None:
        pass

    def on_fit_end(self, event: FitEnded) -> None:
        pass


class CallbackList(Callback):
    """Passes each event to every callback, in order."""

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        self.callbacks = list(callbacks)

    def on_fit_start(self, event: FitStarted) -> None:
        for callback in self.callbacks:
            callback.on_fit_start(event)

    def on_batch_end(self, event: BatchEnded) -> None:
        for callback in self.callbacks:
            callback.on_batch_end(event)

    def on_epoch_end(self, event: EpochEnded) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(event)

    def on_setting_changed(self, change: SettingChange) -> None:
        for callback in self.callbacks:
            callback.on_setting_changed(change)

    def on_setting_refused(self, refusal: RefusedChange) -> None:
        for callback in self.callbacks:
            callback.on_setting_refused(refusal)

    def on_error(self, event: FitFailed) -> None:
        for callback in self.callbacks:
            callback.on_error(event)

    def on_fit_end(self, event: FitEnded) -> None:
        for callback in self.callbacks:
            callback.on_fit_end(event)


class EarlyStopping(Callback):
    """Asks the run to stop when validation loss has not improved for `patience` epochs."""

    def __init__(self, patience: int, control: TrainingControl, min_delta: float = 1e-4) -> None:
        self.patience = patience
        self.control = control
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.epochs_without_improvement = 0

    def replay(self, history: Sequence[EpochScore | EpochEnded]) -> None:
        """Take in the epochs a resumed run already trained, without stopping it."""
        for event in history:
            self._observe(event)

    def on_epoch_end(self, event: EpochEnded) -> None:
        self._observe(event)
        if self.epochs_without_improvement >= self.patience:
            self.control.request_stop(
                f"early stopping: validation loss has not improved for {self.patience} epochs "
                f"(best {self.best_loss:.4f})"
            )

    def _observe(self, event: EpochScore | EpochEnded) -> None:
        if event.val_loss < self.best_loss - self.min_delta:
            self.best_loss = event.val_loss
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
