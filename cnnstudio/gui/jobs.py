"""Running a function on a worker QThread and getting its result back as a signal.

Loading a dataset, drawing an augmentation preview or downloading must not block the window, and
torch work must stay off the GUI thread (DESIGN.md: a GUI thread that has run parallel torch ops
slows training in the worker thread).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from cnnstudio.core.errors import CnnstudioError


class _JobWorker(QObject):
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, function: Callable[[], Any]) -> None:
        super().__init__()
        self.function = function

    @Slot()
    def run(self) -> None:
        try:
            result = self.function()
        except CnnstudioError as error:
            self.failed.emit(str(error))
        except Exception as error:  # shown in a dialog; the window stays usable
            traceback.print_exc()
            self.failed.emit(f"Unexpected error: {type(error).__name__}: {error}")
        else:
            self.finished.emit(result)


class JobRunner(QObject):
    """Starts jobs on their own threads and keeps them alive until they end.

    Results arrive on the GUI thread through the callbacks given to `start`.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: set[tuple[QThread, _JobWorker]] = set()

    def start(
        self,
        function: Callable[[], Any],
        on_finished: Callable[[Any], None],
        on_failed: Callable[[str], None],
    ) -> None:
        thread = QThread()
        worker = _JobWorker(function)
        worker.moveToThread(thread)
        pair = (thread, worker)
        self._running.add(pair)
        thread.started.connect(worker.run)
        worker.finished.connect(on_finished)
        worker.failed.connect(on_failed)
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
