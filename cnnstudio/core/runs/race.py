"""A race: variants of a spec trained side by side, one batch each in turn, then ranked.

Each variant is a normal run (a RunSession into its own folder) on the same data, loaded once.
Variants start from the same weights and see the same batches in the same order, because each
trainer seeds its own weights, shuffle and augmentation from the spec's seed. What they share is
torch's global random state (dropout draws from it): each variant's is kept apart, saved after
its step and put back before its next, so every variant trains exactly as it would alone.

    with Race(variants, folders) as race:
        data = race.load_data()
        entries = race.run(data, control, listener)
    print(ranking_table(entries))
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.labels import write_label
from cnnstudio.core.runs.ranking import RaceEntry
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.spec.variants import Variant
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted

Listener = Callable[[int, object], None]  # (variant's index, its event)

log = logging.getLogger(__name__)


class Race:
    """The variants' run sessions, opened (checked and locked) before any image is loaded.

    Leaving the `with` block frees every folder; a folder left empty is removed."""

    def __init__(self, variants: Sequence[Variant], folders: Sequence[Path]) -> None:
        if len(variants) != len(folders):
            raise ValueError("one folder per variant")
        self.variants, self.folders = list(variants), list(folders)
        self.sessions: list[RunSession] = []
        try:
            for variant, folder in zip(variants, folders, strict=True):
                self.sessions.append(_open_session(variant, folder))
        except BaseException:
            self.close()
            raise

    def load_data(self) -> ImageData | StreamedImages:
        """The images every variant trains on (the variants differ in no dataset setting)."""
        return self.sessions[0].load_data()

    def run(
        self,
        data: ImageData | StreamedImages,
        control: TrainingControl | None = None,
        listener: Listener | None = None,
    ) -> list[RaceEntry]:
        """Train every variant one batch each in turn until all have ended.

        `control` pauses and stops the whole race; a variant's own early stopping or a failure
        (a loss that is not a number) ends that variant alone. `listener(index, event)` hears
        each variant's events on this thread."""
        control = control or TrainingControl()
        watchers = [_Watcher(index, listener) for index in range(len(self.sessions))]
        notes = f"One of a race of {len(self.variants)}: " + "; ".join(
            variant.label for variant in self.variants
        )
        steps = [
            _Stepper(
                session,
                data,
                _VariantControl(control),
                [watcher, _Name(session.folder, variant.label, notes)],
            )
            for session, watcher, variant in zip(
                self.sessions, watchers, self.variants, strict=True
            )
        ]
        while any(step.result is None for step in steps):
            for step in steps:
                if step.result is None:
                    step.advance()
        entries = []
        for variant, session, step, watcher in zip(
            self.variants, self.sessions, steps, watchers, strict=True
        ):
            assert step.result is not None  # the loop above ran every variant to its end
            own_time = step.seconds - step.control.waited
            entries.append(
                RaceEntry(
                    variant,
                    session.folder,
                    step.result,
                    watcher.first_loss,
                    watcher.val_loss,
                    own_time,
                )
            )
        return entries

    def close(self) -> None:
        """Free the folders; remove those left empty (they were new or empty to begin with)."""
        for session in self.sessions:
            session.close()
        for folder in self.folders:
            with contextlib.suppress(OSError):  # not empty, or not there: nothing to tidy
                folder.rmdir()

    def __enter__(self) -> Race:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_session(variant: Variant, folder: Path) -> RunSession:
    """The variant's run session; a problem found before training names the variant."""
    try:
        return RunSession.new(variant.spec, folder)
    except CnnstudioError as error:
        raise CnnstudioError(f"{variant.label}: {error}") from error


class _Stepper:
    """One variant's training generator, advanced a batch at a time with its own torch random
    state (the global one: dropout's)."""

    def __init__(
        self,
        session: RunSession,
        data: ImageData | StreamedImages,
        control: _VariantControl,
        callbacks: list[Callback],
    ) -> None:
        self.batches = session.batches(data, control, callbacks)
        self.control = control
        self.random: dict[str, Any] | None = None  # None: the trainer seeds it when built
        self.result: FitEnded | None = None
        self.seconds = 0.0

    def advance(self) -> None:
        started = time.perf_counter()
        if self.random is not None:
            torch.set_rng_state(self.random["cpu"])
            if "cuda" in self.random:
                torch.cuda.set_rng_state_all(self.random["cuda"])
        try:
            next(self.batches)
        except StopIteration as end:
            self.result = end.value
        self.random = {"cpu": torch.get_rng_state()}
        if torch.cuda.is_initialized():
            self.random["cuda"] = torch.cuda.get_rng_state_all()
        self.seconds += time.perf_counter() - started


class _VariantControl(TrainingControl):
    """A variant's own stop (its early stopping ends it alone); the race's pause and stop."""

    def __init__(self, race: TrainingControl) -> None:
        super().__init__()
        self.race = race
        self.waited = 0.0  # seconds paused in all

    def wait_while_paused(self) -> float:
        waited = self.race.wait_while_paused()
        if self.race.stop_requested:  # checked by the trainer right after this
            self.request_stop(self.race.stop_reason)
        self.waited += waited
        return waited


class _Name(Callback):
    """Names the run after its variant in the Runs table (run.json), once its folder is a run;
    its notes name the race's other variants."""

    def __init__(self, folder: Path, name: str, notes: str) -> None:
        self.folder, self.name, self.notes = folder, name, notes

    def on_fit_start(self, event: FitStarted) -> None:
        try:
            write_label(self.folder, name=self.name, notes=self.notes)
        except OSError:  # the run goes on with its default name
            log.warning("could not name the run in %s", self.folder, exc_info=True)


class _Watcher(Callback):
    """Keeps what the ranking needs of one variant and hands its events on."""

    def __init__(self, index: int, listener: Listener | None) -> None:
        self.index, self.listener = index, listener
        self.first_loss: float | None = None
        self.val_loss: float | None = None

    def _hand_on(self, event: object) -> None:
        if self.listener is not None:
            self.listener(self.index, event)

    def on_fit_start(self, event: FitStarted) -> None:
        self._hand_on(event)

    def on_batch_end(self, event: BatchEnded) -> None:
        if self.first_loss is None:
            self.first_loss = event.loss
        self._hand_on(event)

    def on_epoch_end(self, event: EpochEnded) -> None:
        self.val_loss = event.val_loss
        self._hand_on(event)

    def on_error(self, event: FitFailed) -> None:
        self._hand_on(event)

    def on_fit_end(self, event: FitEnded) -> None:
        self._hand_on(event)
