"""What the window shows of the training coach: the notes of the run shown (the live one as they
are found, or a past one's coach.json) in the Coach tab and as marks on the curves, and what
their buttons do.

A "spec" fix changes the settings for the next run, never while a run trains (the settings are
locked then; its button says so); an "extend" fix trains the run that many more epochs. The
window makes both happen (`fix_chosen`, `extend_chosen`), through its usual paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QTabWidget

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.insight.coach_notes import CoachNote, apply_fix, load_notes
from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.events import FitStarted
from cnnstudio.gui.jobs import JobRunner
from cnnstudio.gui.views.coach import CoachView, NoteCard
from cnnstudio.gui.views.coach_marks import CoachMarks

if TYPE_CHECKING:
    from cnnstudio.gui.worker import TrainingWorker

BEFORE_ANY_RUN = (
    "The coach watches each run and says here, in plain words, what its curves mean and what "
    "to try. Train a network, or show a past run from the Runs tab."
)
QUIET = "No remarks so far."
QUIET_PAST = "No remarks on {name}: the coach found nothing to point out."
NOT_COACHED = "{name} has no coach notes (it was trained before the coach, or they are damaged)."
WHILE_RUNNING = (
    "The changes apply to the settings of the next run: they can be made once this run has ended."
)
ALREADY = "The settings already have this change."
SPEC_FIX = "Changes the settings for the next run (Edit > Undo takes it back)."
EXTEND_FIX = "Goes on training this run, in its own folder."
ONE_RUN = "One run at a time: this can start once the run has ended."


class CoachPresenter(QObject):
    fix_chosen = Signal(object)  # CoachFix (kind "spec") to make in the settings
    extend_chosen = Signal(object, int)  # run folder, epochs to train it more
    noted = Signal(str)  # a new note of the live run, in one line: for the status bar

    def __init__(
        self,
        view: CoachView,
        marks: CoachMarks,
        tabs: QTabWidget,
        jobs: JobRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view, self.marks, self.tabs, self.jobs = view, marks, tabs, jobs
        self.notes: list[CoachNote] = []
        self.run_dir: Path | None = None
        self.batches_per_epoch: int | None = None
        self.running = False
        self.settings: RunSpec | None = None  # the window's settings, to see a fix already made
        self.loading = 0  # the newest past run asked for; older answers are dropped
        view.fix_requested.connect(self._on_fix_requested)
        view.clear(BEFORE_ANY_RUN)
        self._show_count()

    # -- the live run -------------------------------------------------------------------------
    def attach(self, worker: TrainingWorker, run_dir: Path) -> None:
        """Show the coach's notes of the run `worker` is about to train into `run_dir` (a
        resumed run's earlier notes come first, from the worker)."""
        self.loading += 1
        self._reset(run_dir, None, QUIET)
        worker.fit_started.connect(self._on_fit_started)
        worker.coach_noted.connect(self._on_noted)

    def set_running(self, running: bool) -> None:
        self.running = running
        self._show_summary()
        self._update_buttons()

    def settings_changed(self, spec: RunSpec) -> None:
        """The window's settings now: a fix they already have is not offered again."""
        self.settings = spec
        self._update_buttons()

    def _on_fit_started(self, event: FitStarted) -> None:
        self.batches_per_epoch = event.batches_per_epoch
        self.marks.show(self.notes, self.batches_per_epoch)

    def _on_noted(self, note: CoachNote) -> None:
        self.add_note(note)
        self.noted.emit(f"Coach, {note.where.lower()}: {note.title}. More on the Coach tab.")

    def add_note(self, note: CoachNote) -> None:
        self.notes.append(note)
        self._update_button(self.view.add_note(note))
        self.marks.show(self.notes, self.batches_per_epoch)
        self._show_summary()
        self._show_count()

    # -- a past run ---------------------------------------------------------------------------
    def show_record(self, record: RunRecord) -> None:
        """Show a past run's notes, read from its coach.json on a job thread."""
        self.loading += 1
        number, folder = self.loading, record.folder
        self._reset(folder, None, f"Reading the coach's notes of {record.name}...")
        self.jobs.start(
            lambda: load_notes(folder),
            lambda notes: self._show_past(number, record.name, notes),
            lambda text: self.view.show_summary(f"Cannot read the coach's notes: {text}"),
        )

    def _show_past(self, number: int, name: str, notes: list[CoachNote] | None) -> None:
        if number != self.loading:
            return
        for note in notes or []:
            self.add_note(note)
        if not notes:
            self.view.show_summary((QUIET_PAST if notes == [] else NOT_COACHED).format(name=name))

    # -- showing ------------------------------------------------------------------------------
    def _reset(self, run_dir: Path, batches_per_epoch: int | None, summary: str) -> None:
        self.notes, self.run_dir, self.batches_per_epoch = [], run_dir, batches_per_epoch
        self.view.clear(summary)
        self.marks.show([], None)
        self._show_count()

    def _show_summary(self) -> None:
        if not self.notes:
            return
        problems = sum(note.severity == "problem" for note in self.notes)
        text = f"{len(self.notes)} note(s) on {self.run_dir.name if self.run_dir else 'this run'}"
        text += f", {problems} of them a problem." if problems else "."
        fixes = any(note.fix is not None and note.fix.kind == "spec" for note in self.notes)
        if self.running and fixes:
            text += " " + WHILE_RUNNING
        self.view.show_summary(text)

    def _show_count(self) -> None:
        index = self.tabs.indexOf(self.view)
        self.tabs.setTabText(index, f"Coach ({len(self.notes)})" if self.notes else "Coach")

    def _update_buttons(self) -> None:
        for card in self.view.cards:
            self._update_button(card)

    def _update_button(self, card: NoteCard) -> None:
        fix, button = card.note.fix, card.button
        if fix is None or button is None:
            return
        if self.running:
            enabled, tip = False, WHILE_RUNNING if fix.kind == "spec" else ONE_RUN
        elif fix.kind == "extend":
            enabled, tip = True, EXTEND_FIX
        elif self._already_made(card.note):
            enabled, tip = False, ALREADY
        else:
            enabled, tip = True, SPEC_FIX
        button.setEnabled(enabled)
        button.setToolTip(tip)

    def _already_made(self, note: CoachNote) -> bool:
        if self.settings is None or note.fix is None:
            return False
        try:
            return apply_fix(self.settings, note.fix).to_dict() == self.settings.to_dict()
        except CnnstudioError:  # it does not fit these settings: clicking says why
            return False

    def _on_fix_requested(self, note: CoachNote) -> None:
        if self.running or note.fix is None:
            return
        if note.fix.kind == "extend":
            if self.run_dir is not None:
                self.extend_chosen.emit(self.run_dir, note.fix.epochs)
        else:
            self.fix_chosen.emit(note.fix)
