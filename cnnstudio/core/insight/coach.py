"""The training coach: watches a run and says, in plain words, what its curves mean and what to
try, as soon as a rule finds something (issue 12). On a healthy run it stays quiet.

The rules and their thresholds are in coach_rules.py (the run) and coach_data.py (the dataset);
notes are `CoachNote`s (coach_notes.py), saved in the run folder as coach.json as they arrive,
so a killed run keeps them.

    coach = Coach(spec, run_dir, listener=print, report=inspect_data(data, read_files=False))
    trainer.fit([coach])      # coach.notes: every note of the run, earlier sessions' first
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cnnstudio.core.data.inspect import DatasetReport
from cnnstudio.core.insight.coach_data import data_notes
from cnnstudio.core.insight.coach_notes import CoachNote, load_notes, save_notes
from cnnstudio.core.insight.coach_rules import BATCH_RULES, EPOCH_RULES, non_finite, train_longer
from cnnstudio.core.insight.coach_watch import RunWatch
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded, FitFailed, FitStarted

log = logging.getLogger(__name__)

# Rules that may speak again in a later session of the same run (each extension can end while
# still improving); every other rule speaks once per run.
REPEATABLE = ("train_longer",)


class Coach(Callback):
    """Turns a run's events into notes, handed to `listener` (on the training thread) and saved in
    `run_dir`/coach.json when given.

    Args:
        spec: the run's spec (the fixes are changes to it).
        run_dir: the run folder; the notes already there (a resumed run's) are kept.
        listener: called with each new note as it is found.
        report: the dataset check, for the data rules (checked when training starts).
        from_scratch: False for a run that starts from trained weights (its first loss is low
            on purpose).
    """

    def __init__(
        self,
        spec: RunSpec,
        run_dir: Path | None = None,
        listener: Callable[[CoachNote], None] | None = None,
        report: DatasetReport | None = None,
        from_scratch: bool = True,
    ) -> None:
        self.watch = RunWatch(spec, from_scratch=from_scratch)
        self.run_dir, self.listener, self.report = run_dir, listener, report
        self.notes: list[CoachNote] = (load_notes(run_dir) if run_dir is not None else None) or []
        self.watch.fired = {note.rule for note in self.notes}

    def replay(self, epochs: Sequence[EpochEnded]) -> None:
        """Take in the epochs a resumed run already trained, without speaking about them."""
        self.watch.epochs.extend(epochs)

    def on_fit_start(self, event: FitStarted) -> None:
        self.watch.start(event)
        if self.report is not None:
            self._hear(data_notes(self.report, self.watch))
        self._save()  # an empty list too: the coach watched this run and had nothing to say

    def on_batch_end(self, event: BatchEnded) -> None:
        self.watch.see_batch(event.epoch, event.step, event.loss)
        self._check(BATCH_RULES)

    def on_epoch_end(self, event: EpochEnded) -> None:
        self.watch.epochs.append(event)
        self.watch.epoch = event.epoch
        self._check(EPOCH_RULES)

    def on_error(self, event: FitFailed) -> None:
        if event.kind == "non_finite_loss":
            self._hear([non_finite(self.watch, event.message)])

    def on_fit_end(self, event: FitEnded) -> None:
        if event.status == "completed":
            self._hear([train_longer(self.watch)])

    def _check(self, rules: Iterable[tuple[str, Callable[[RunWatch], CoachNote | None]]]) -> None:
        for rule, check in rules:
            if rule not in self.watch.fired:
                self._hear([check(self.watch)])

    def _hear(self, found: Iterable[CoachNote | None]) -> None:
        for note in found:
            if note is None or self._already_said(note):
                continue
            self.notes.append(note)
            self.watch.fired.add(note.rule)
            self._save()
            if self.listener is not None:
                self.listener(note)

    def _already_said(self, note: CoachNote) -> bool:
        return any(
            said.rule == note.rule and (note.rule not in REPEATABLE or said.epoch == note.epoch)
            for said in self.notes
        )

    def _save(self) -> None:
        if self.run_dir is None:
            return
        try:
            save_notes(self.run_dir, self.notes)
        except OSError:  # the run folder writer reports a full disk; the notes are advice
            log.warning("could not save the coach's notes in %s", self.run_dir, exc_info=True)
