"""The console's view of a run (a progress bar per epoch, one summary line per epoch) and of
a race."""

from __future__ import annotations

import sys

from tqdm import tqdm

from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted


class ConsoleProgress(Callback):
    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.bar: tqdm | None = None
        self.epochs = 0

    def on_fit_start(self, event: FitStarted) -> None:
        self.epochs = event.epochs
        shape = "x".join(map(str, event.input_shape))
        precision = ", mixed precision" if event.mixed_precision else ""
        self._write(
            f"Training on {event.device}{precision}: {event.train_size} training and "
            f"{event.val_size} validation images ({shape}), {len(event.class_names)} classes, "
            f"{event.param_count:,} parameters."
        )

    def on_batch_end(self, event: BatchEnded) -> None:
        if self.bar is None:
            self.bar = tqdm(
                total=event.batches_per_epoch,
                desc=f"epoch {event.epoch}/{self.epochs}",
                unit="batch",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
            )
        self.bar.update(1)
        self.bar.set_postfix_str(
            f"loss {event.loss:.3f}  acc {event.accuracy:.1%}  "
            f"{event.images_per_second:,.0f} img/s",
            refresh=False,
        )

    def on_epoch_end(self, event: EpochEnded) -> None:
        self._close_bar()
        best = "  (best)" if event.is_best else ""
        self._write(
            f"epoch {event.epoch:>{len(str(self.epochs))}}/{self.epochs}  "
            f"train loss {event.train_loss:.4f} acc {event.train_accuracy:6.2%}  "
            f"val loss {event.val_loss:.4f} acc {event.val_accuracy:6.2%}  "
            f"lr {event.lr:.3g}  {event.seconds:.1f}s{best}"
        )

    def on_error(self, event: FitFailed) -> None:
        self._close_bar()

    def on_fit_end(self, event: FitEnded) -> None:
        self._close_bar()

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _write(self, line: str) -> None:
        tqdm.write(line, file=self.stream)


class RaceProgress:
    """A race's console view: one bar for all its batches with each variant's latest loss
    beside it, and a line for each variant's epoch or failure. Plain lines only, no bar, when
    the stream is not a terminal (a file or a pipe would collect every repaint)."""

    def __init__(self, labels: list[str], stream=None) -> None:
        self.labels = labels
        self.stream = stream or sys.stderr
        self.losses = ["-"] * len(labels)
        # Batches each variant has still to train; None until it starts.
        self.left: list[int | None] = [None] * len(labels)
        self.done = 0
        self.bar: tqdm | None = None  # once every variant's batches are known

    def hear(self, index: int, event: object) -> None:
        """`Race.run`'s listener."""
        name = f"{index + 1}. {self.labels[index]}"
        if isinstance(event, FitStarted):
            self.left[index] = (event.epochs - event.first_epoch + 1) * event.batches_per_epoch
            self._start_bar()
        elif isinstance(event, BatchEnded):
            self._batch_ended(index, event)
        elif isinstance(event, EpochEnded):
            tqdm.write(
                f"{name}: epoch {event.epoch}/{event.epochs}  val loss {event.val_loss:.4f} "
                f"acc {event.val_accuracy:6.2%}",
                file=self.stream,
            )
        elif isinstance(event, FitFailed):
            tqdm.write(f"{name} failed: {event.message}", file=self.stream)
        elif isinstance(event, FitEnded):  # stopped or failed early: its batches are not coming
            if self.bar is not None:
                self.bar.total -= self.left[index] or 0
                self.bar.refresh()
            self.left[index] = 0
            self._start_bar()

    def _batch_ended(self, index: int, event: BatchEnded) -> None:
        self.left[index] = (self.left[index] or 1) - 1
        self.done += 1
        self.losses[index] = f"{event.loss:.3f}"
        if self.bar is not None:
            losses = "  ".join(f"{n}: {loss}" for n, loss in enumerate(self.losses, 1))
            self.bar.set_postfix_str(f"loss {losses}", refresh=False)
            self.bar.update(1)

    def _start_bar(self) -> None:
        """The bar, with the whole race's total, once every variant has started (in the
        first round, a batch each): a total that grew as they started looked like more work
        turning up."""
        if self.bar is not None or any(left is None for left in self.left):
            return
        remaining = sum(left or 0 for left in self.left)
        self.bar = tqdm(
            total=self.done + remaining,
            initial=self.done,
            desc="race",
            unit="batch",
            file=self.stream,
            dynamic_ncols=True,
            disable=None,  # no bar where the stream is no terminal
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
