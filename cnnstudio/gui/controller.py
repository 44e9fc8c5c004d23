"""Owns the training run's thread: starts it, forwards stop, pause and setting changes, and cleans
up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.gui.jobs import hand_back_to_gui_thread

if TYPE_CHECKING:
    from cnnstudio.gui.worker import TrainingWorker

log = logging.getLogger(__name__)


class ThreadWorker(QObject):
    """What the run's thread runs: `run` does the `work` until done, then sends `finished`.

    A CnnstudioError (found before training: data, stack, device; or a full disk) becomes
    `failed` with its plain message; anything else is logged and said as "`doing` stopped on an
    unexpected error"."""

    failed = Signal(str)  # a message for one dialog
    finished = Signal()
    doing = "Training"

    def work(self) -> None:
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            self.work()
        except CnnstudioError as error:
            log.info("%s failed: %s", self.doing, error)
            self.failed.emit(str(error))
        except Exception as error:
            log.exception("unexpected error")
            self.failed.emit(
                f"{self.doing} stopped on an unexpected error: {type(error).__name__}: {error}"
            )
        finally:
            hand_back_to_gui_thread(self)
            self.finished.emit()


AnyWorker = TypeVar("AnyWorker", bound=ThreadWorker)


class RunController(QObject):
    """One run at a time. Stop and pause set thread-safe flags directly: the worker's `run`
    blocks its thread's event loop, so it could not receive queued calls."""

    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Shadows QObject.thread(), which nothing calls on a controller.
        self.thread: QThread | None = None  # type: ignore[assignment]
        self.worker: ThreadWorker | None = None
        self.control: TrainingControl | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None

    def start(
        self,
        spec: RunSpec,
        data: ImageData | StreamedImages | None,
        run_dir: Path,
        resume: bool = False,
        more_epochs: int | None = None,
        listen: Callable[[TrainingWorker], None] | None = None,
    ) -> TrainingWorker:
        """Train `spec` into `run_dir`; with `resume`, go on with the run there; with
        `more_epochs`, train it that many epochs more (see TrainingWorker).

        `listen` connects to the worker's signals before its thread starts, so no early signal
        (the data, when it was already loaded) is sent before anyone listens."""
        # Here, not at the top: the worker imports the training engine, and with it torch, which
        # the window is shown without (issue 10: a fast start).
        from cnnstudio.gui.worker import TrainingWorker

        def make(control: TrainingControl) -> TrainingWorker:
            return TrainingWorker(spec, data, control, run_dir, resume, more_epochs=more_epochs)

        return self.start_worker(make, listen)

    def start_worker(
        self,
        make: Callable[[TrainingControl], AnyWorker],
        listen: Callable[[AnyWorker], None] | None,
    ) -> AnyWorker:
        """Run the worker `make(control)` builds on the training thread (a run's, or a race's);
        stop and pause reach it through `control`. `listen` connects to it before its thread
        starts."""
        if self.running:
            raise RuntimeError("a run is already in progress")
        self.control = TrainingControl()
        thread = QThread()
        worker = make(self.control)  # no parent: it moves to the thread
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Direct: quit() is thread-safe, and a queued call could not reach a GUI thread that is
        # blocked in wait() while the window closes.
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(thread.deleteLater)
        thread.finished.connect(self._on_thread_finished)
        self.thread, self.worker = thread, worker
        if listen is not None:
            listen(worker)
        thread.start()
        self.running_changed.emit(True)
        return worker

    def stop(self) -> None:
        if self.control is not None:
            self.control.request_stop()

    def pause(self) -> None:
        if self.control is not None:
            self.control.pause()

    def resume(self) -> None:
        if self.control is not None:
            self.control.resume()

    def request_change(self, path: str, value: Any) -> None:
        """Ask the run to use `value` for the setting `path` from its next batch."""
        if self.control is not None:
            self.control.request_change(path, value)

    @property
    def paused(self) -> bool:
        return self.control is not None and self.control.paused

    def shutdown(self) -> None:
        """Stop the run and wait for its thread (the window is closing)."""
        if self.thread is not None:
            self.stop()
            self.thread.wait()
            self._on_thread_finished()

    def _on_thread_finished(self) -> None:
        if self.thread is None:
            return
        self.thread = self.worker = None
        self.running_changed.emit(False)
