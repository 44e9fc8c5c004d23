"""The window tests' watch on modal dialogs nobody answers (tests/gui/modal_watch.py)."""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.gui.modal_watch import ModalWatch


def test_a_modal_nobody_answers_is_closed_and_named(qtbot, isolated):
    watch = ModalWatch(patience=0.5)
    fallback = []  # if the watch failed, the test ends after 10 s instead of hanging

    def close_if_still_open():
        modal = QApplication.activeModalWidget()
        if modal is not None:
            fallback.append(modal.windowTitle())
            modal.reject()

    QTimer.singleShot(10_000, close_if_still_open)
    QMessageBox.information(None, "No trained network", "Train a network first.")
    watch.stop()
    assert fallback == []
    assert watch.closed == ["'No trained network': Train a network first."]
