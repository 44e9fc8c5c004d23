"""Acting on the window as a person does: answering its questions and dialogs with the mouse and
the keyboard, on the real widgets."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QMessageBox,
)

TRIES = 500  # x 20 ms: a dialog that never comes fails the test instead of hanging it


def when_dialog_opens(kind, act, tries=TRIES):
    """Call `act(dialog)` once a modal dialog of type `kind` is open (the code under test
    blocks in its exec())."""

    def attempt(left):
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            act(dialog)
        elif left:
            QTimer.singleShot(20, lambda: attempt(left - 1))

    QTimer.singleShot(0, lambda: attempt(tries))


def click_button(qtbot, text):
    """The next question (a message box) is answered by clicking its button labelled `text`."""

    def act(dialog):
        buttons = dialog.findChildren(QAbstractButton)
        (button,) = [b for b in buttons if b.text().replace("&", "") == text]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    when_dialog_opens(QMessageBox, act)
