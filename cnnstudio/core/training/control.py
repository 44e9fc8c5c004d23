"""Stop and pause flags and setting changes that any thread may set; the training loop checks
them between batches."""

from __future__ import annotations

import threading
import time
from typing import Any


class TrainingControl:
    """Thread-safe stop, pause and setting changes. The window calls these directly from the GUI
    thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.stop_reason = ""
        self._changes: list[tuple[str, Any]] = []

    def request_stop(self, reason: str = "stopped by the user") -> None:
        with self._lock:
            if not self._stop.is_set():
                self.stop_reason = reason
            self._stop.set()
            self._running.set()  # wake a paused loop so it can see the stop

    def pause(self) -> None:
        with self._lock:
            if not self._stop.is_set():
                self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> float:
        """Block while paused; return the seconds spent waiting."""
        if self._running.is_set():
            return 0.0
        start = time.perf_counter()
        self._running.wait()
        return time.perf_counter() - start

    def request_change(self, path: str, value: Any) -> None:
        """Ask the run to use `value` for the setting `path` ("optimizer.lr") from its next
        batch. The trainer checks it then: a change it cannot make is refused with a reason
        (`Callback.on_setting_refused`)."""
        with self._lock:
            self._changes.append((path, value))

    def take_changes(self) -> list[tuple[str, Any]]:
        """The changes asked for since the last call, oldest first (for the training loop)."""
        with self._lock:
            taken, self._changes = self._changes, []
        return taken
