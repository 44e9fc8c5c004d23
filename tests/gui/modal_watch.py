"""A modal dialog nobody answers blocks a test for ever: on CI, until the whole job times out,
with no word on which dialog it was. The watch closes a modal left open for a minute and fails
the test naming it."""

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

PATIENCE = 60.0  # seconds: far longer than any test takes to answer a dialog it expects


class ModalWatch:
    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self.closed: list[str] = []  # what each dialog closed by the watch said
        self._since: dict[int, float] = {}
        self.timer = QTimer()
        self.timer.timeout.connect(self._look)
        self.timer.start(1000)  # its events run inside a modal's own event loop too

    def _look(self) -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            self._since.clear()
            return
        first = self._since.setdefault(id(modal), time.monotonic())
        if time.monotonic() - first < self.patience or not isinstance(modal, QDialog):
            return
        text = modal.text() if isinstance(modal, QMessageBox) else ""
        self.closed.append(f"{modal.windowTitle()!r}: {text}")
        modal.reject()

    def stop(self) -> None:
        self.timer.stop()
