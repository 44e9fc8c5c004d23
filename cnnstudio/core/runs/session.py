"""A run session: one place that starts, resumes, forks and extends a run, for the CLI and the
window alike.

Every check that needs no images comes first (the spec, the layer stack, the device, the
checkpoints named, the run folder's place and that it can be written), then the folder is locked,
and only then are the images loaded. A session is a context manager: leaving it frees the lock.

    with RunSession.new(spec, runs_dir=Path("runs")) as session:      # or .resume / .extend
        for line in session.notes: print(line)
        data = session.load_data()
        result = session.train(data, control, [ConsoleProgress()])
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.inspect import inspect_data
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.insight.coach import Coach
from cnnstudio.core.insight.coach_notes import CoachNote
from cnnstudio.core.insight.recorder import InsideRecorder
from cnnstudio.core.insight.snapshot import InsideSnapshot
from cnnstudio.core.runs.checkpoint import Checkpoint, read_checkpoint
from cnnstudio.core.runs.folders import check_writable, claim_folder, new_run_folder
from cnnstudio.core.runs.history import read_run
from cnnstudio.core.runs.lock import RunLock
from cnnstudio.core.runs.run_folder import RunFolderWriter
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.device import resolve_device
from cnnstudio.core.training.engine import Trainer, finish
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitEnded
from cnnstudio.core.training.prepare import check_stack, load_dataset

log = logging.getLogger(__name__)

# Schedules whose learning rate depends on the run's length.
_LENGTH_SCHEDULES = ("cosine", "onecycle")


def checkpoint_in(path: Path, name: str) -> Path:
    """A checkpoint file, or the named one inside a run folder."""
    return path / name if path.is_dir() else path


@dataclass
class RunSession:
    """A run about to train into `folder`, which it holds locked until the session is closed."""

    spec: RunSpec
    folder: Path
    lock: RunLock
    resume_from: Checkpoint | None = None  # go on from this state (resume, extend)
    start_from: Checkpoint | None = None  # a new run starting from these weights (fork)
    start_origin: str = ""
    notes: list[str] = field(default_factory=list)  # what to tell the user before training
    writer: RunFolderWriter | None = None
    trainer: Trainer | None = None  # once training has started
    made_folder: bool = False  # a default folder made for this run: removed if left empty

    @classmethod
    def new(
        cls,
        spec: RunSpec,
        folder: Path | None = None,
        runs_dir: Path | None = None,
        init_from: Path | None = None,
    ) -> RunSession:
        """A new run into `folder` (new or empty), else a new uniquely named one in `runs_dir`;
        with `init_from`, it starts from that checkpoint's weights."""
        _check_before_data(spec)
        start = read_checkpoint(checkpoint_in(init_from, "best.pt")) if init_from else None
        if folder is None:
            if runs_dir is None:
                raise ValueError("a new run needs a folder or a folder for runs")
            folder = new_run_folder(runs_dir, spec.dataset["name"])
        else:
            folder = claim_folder(folder)
        session = cls(spec, folder, _lock(folder), start_from=start, start_origin=str(init_from))
        session.made_folder = runs_dir is not None and folder.parent == runs_dir
        session.notes += session._lock_notes()
        return session

    @classmethod
    def resume(
        cls,
        run_dir: Path,
        edit: Callable[[RunSpec], RunSpec] | None = None,
        more_epochs: int | None = None,
    ) -> RunSession:
        """Go on with the run in `run_dir` from its last checkpoint, exactly as it was set up.

        Args:
            run_dir: the run folder (or its last.pt).
            edit: the settings asked for, from the run's own; only the number of epochs may
                change (a longer run is an extension), anything else is refused.
            more_epochs: train this many epochs beyond those done (the window's "Train N more").
        """
        run_dir = run_dir if run_dir.is_dir() else run_dir.parent
        state = read_checkpoint(run_dir / "last.pt")
        saved, done = state.spec, state.training.epochs_completed
        wanted = edit(saved) if edit is not None else saved
        if more_epochs is not None:
            wanted = _with_epochs(wanted, done + more_epochs)
        _refuse_changes(run_dir, saved, wanted)
        total = wanted.training["epochs"]
        if done >= total:
            raise CnnstudioError(
                f"{run_dir}: the run already trained all {done} epochs. To train it longer, give "
                f"the new total: cnnstudio train --resume {run_dir} --epochs {done + 5}; or start "
                f"a new run from its weights: --init-from {run_dir}/best.pt"
            )
        _check_before_data(wanted)
        check_writable(run_dir)
        session = cls(wanted, run_dir, _lock(run_dir), resume_from=state)
        session.notes.append(f"Resuming {run_dir} after epoch {done}.")
        if total != saved.training["epochs"]:
            session.notes.append(_extension_note(saved, total))
        session.notes += session._lock_notes()
        return session

    @classmethod
    def extend(cls, run_dir: Path, more_epochs: int) -> RunSession:
        """Train a run (finished or not) `more_epochs` beyond the epochs it has done."""
        if more_epochs < 1:
            raise CnnstudioError("more epochs: expected 1 or more")
        return cls.resume(run_dir, more_epochs=more_epochs)

    def load_data(self) -> ImageData | StreamedImages:
        """The run's images (DatasetError, with advice, if they cannot be loaded)."""
        return load_dataset(self.spec)

    def earlier_epochs(self) -> list[EpochEnded]:
        """The epochs a resumed run already has, from its folder (none for a new run)."""
        if self.resume_from is None:
            return []
        done = self.resume_from.training.epochs_completed
        return [e for e in read_run(self.folder).epoch_events() if e.epoch <= done]

    def train(
        self,
        data: ImageData | StreamedImages,
        control: TrainingControl | None = None,
        callbacks: Iterable[Callback] = (),
        inside_listener: Callable[[InsideSnapshot], None] | None = None,
        coach_listener: Callable[[CoachNote], None] | None = None,
    ) -> FitEnded:
        """Build the trainer, restore or fork it, and train; the folder is written first, so
        an epoch any other listener shows is already saved. Each epoch's look inside the network
        is saved too, and handed to `inside_listener`; the coach's notes are saved in coach.json
        as they are found (a resumed run's earlier notes kept), and handed to `coach_listener`
        (both on the training thread)."""
        return finish(self.batches(data, control, callbacks, inside_listener, coach_listener))

    def batches(
        self,
        data: ImageData | StreamedImages,
        control: TrainingControl | None = None,
        callbacks: Iterable[Callback] = (),
        inside_listener: Callable[[InsideSnapshot], None] | None = None,
        coach_listener: Callable[[CoachNote], None] | None = None,
    ) -> Generator[BatchEnded, None, FitEnded]:
        """`train`, one training batch at a time (see Trainer.batches): a race steps several
        sessions in turn. `self.trainer` is the run's trainer once this has started."""
        self.trainer = trainer = Trainer(self.spec, data, control)
        if self.resume_from is not None:
            trainer.restore(self.resume_from.state_dict, self.resume_from.training)
        if self.start_from is not None:
            trainer.load_weights(self.start_from.state_dict, self.start_origin)
        self.writer = RunFolderWriter(self.folder, trainer)
        try:
            recorder = InsideRecorder(trainer, self.folder, inside_listener)
            return (
                yield from trainer.batches(
                    [self.writer, recorder, self._coach(trainer, coach_listener), *callbacks]
                )
            )
        except OSError as error:
            if not self.writer.write_failed:
                raise
            raise self._not_saved(error) from None

    def _coach(self, trainer: Trainer, listener: Callable[[CoachNote], None] | None) -> Coach:
        fresh = self.resume_from is None and self.start_from is None
        # A streamed folder's files are not read again for duplicates: inspect does that.
        report = inspect_data(trainer.data, read_files=False)
        coach = Coach(self.spec, self.folder, listener, report, from_scratch=fresh)
        coach.replay(self.earlier_epochs())
        return coach

    def close(self) -> None:
        """Free the folder; a new folder left empty (the run never started) is removed."""
        self.lock.release()
        try:
            if self.made_folder and not any(self.folder.iterdir()):
                self.folder.rmdir()
        except OSError:
            log.warning("could not remove the unused run folder %s", self.folder, exc_info=True)

    def __enter__(self) -> RunSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _lock_notes(self) -> list[str]:
        takeover = self.lock.describe_takeover()
        return [takeover] if takeover else []

    def _not_saved(self, error: OSError) -> CnnstudioError:
        log.error("could not write the run folder %s", self.folder, exc_info=error)
        kept = self.writer.saved_epoch if self.writer else 0
        what = "disk full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else error.strerror
        if kept:
            where = f"last good epoch {kept} kept in {self.folder / 'last.pt'}"
            then = f"free some space, then go on with: cnnstudio train --resume {self.folder}"
        else:
            where = f"no epoch was saved in {self.folder}"
            then = "free some space and start again"
        return CnnstudioError(f"{what}, {where}; {then}")


def _check_before_data(spec: RunSpec) -> None:
    """The checks that need no images: the layer stack on the input, and the device."""
    check_stack(spec)
    resolve_device(spec.device)


def _lock(folder: Path) -> RunLock:
    return RunLock(folder).acquire()


def _with_epochs(spec: RunSpec, epochs: int) -> RunSpec:
    return replace(spec, training={**spec.training, "epochs": epochs})


def _refuse_changes(run_dir: Path, saved: RunSpec, wanted: RunSpec) -> None:
    changed = [
        line for line in saved.differences(wanted) if not line.startswith("training.epochs:")
    ]
    if changed:
        raise CnnstudioError(
            f"{run_dir} was trained with other settings ({'; '.join(changed)}). Resuming goes "
            "on exactly as the run was set up (only --epochs may grow); to train with new "
            f"settings from its weights, start a new run: cnnstudio train --init-from "
            f"{run_dir}/last.pt ..."
        )


def _extension_note(saved: RunSpec, total: int) -> str:
    before, schedule = saved.training["epochs"], saved.schedule["name"]
    if schedule in _LENGTH_SCHEDULES:
        how = f"the {schedule} learning-rate schedule is recomputed for {total} epochs"
    else:
        how = f"the {schedule} learning-rate schedule does not depend on the length"
    return f"Extending the run from {before} to {total} epochs; {how}."
