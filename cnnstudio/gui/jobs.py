"""Running a function on a worker QThread and getting its result back as a signal.

Loading a dataset, drawing an augmentation preview or downloading must not block the window, and
torch work must stay off the GUI thread: a GUI thread that has run parallel torch ops slows
training in the worker thread (docs/ARCHITECTURE.md, "Threads").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from cnnstudio.core.errors import CnnstudioError


def hand_back_to_gui_thread(worker: QObject) -> None:
    """Called by a worker on its own thread when its work is done, before it says so.

    Its deleteLater then runs on the GUI thread. Destroyed on its own thread instead, the worker
    calls into Python (for the GIL) while holding one of Qt's connection locks; with the GUI
    thread holding the GIL and waiting for that lock to connect a signal, both hung (seen in CI).
    """
    worker.moveToThread(QCoreApplication.instance().thread())  # type: ignore[union-attr]


class _JobWorker(QObject):
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, function: Callable[[], Any]) -> None:
        super().__init__()
        self.function = function

    @Slot()
    def run(self) -> None:
        result, message = None, None
        try:
            result = self.function()
        except CnnstudioError as error:
            message = str(error)
        except Exception as error:  # shown in a dialog; the window stays usable
            logging.getLogger(__name__).exception("unexpected error")
            message = f"Unexpected error: {type(error).__name__}: {error}"
        hand_back_to_gui_thread(self)
        if message is None:
            self.finished.emit(result)
        else:
            self.failed.emit(message)


class _Relay(QObject):
    """Lives on the GUI thread, so the job's results reach the callbacks there (queued). A
    signal connected straight to a lambda would call it on the job's thread instead."""

    def __init__(
        self,
        on_finished: Callable[[Any], None],
        on_failed: Callable[[str], object],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.on_finished, self.on_failed = on_finished, on_failed

    @Slot(object)
    def finish(self, result: Any) -> None:
        self.on_finished(result)

    @Slot(str)
    def fail(self, message: str) -> None:
        self.on_failed(message)


class JobRunner(QObject):
    """Starts jobs on their own threads and keeps them alive until they end.

    Results arrive on the GUI thread through the callbacks given to `start`, whatever they are
    (bound methods or lambdas).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: set[tuple[QThread, _JobWorker]] = set()

    def start(
        self,
        function: Callable[[], Any],
        on_finished: Callable[[Any], None],
        on_failed: Callable[[str], object],
    ) -> None:
        thread = QThread()
        worker = _JobWorker(function)
        worker.moveToThread(thread)
        relay = _Relay(on_finished, on_failed, self)
        pair = (thread, worker)
        self._running.add(pair)
        thread.started.connect(worker.run)
        worker.finished.connect(relay.finish)
        worker.failed.connect(relay.fail)
        thread.finished.connect(relay.deleteLater)
        # Direct: quit() is thread-safe and must not wait for a GUI thread blocked in wait_all().
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        worker.failed.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(lambda: self._running.discard(pair))
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(thread.deleteLater)
        thread.start()

    def busy(self) -> bool:
        return bool(self._running)

    def wait_all(self) -> None:
        """Block until every job has ended (used when the window closes)."""
        for thread, _ in list(self._running):
            thread.wait()
        self._running.clear()
