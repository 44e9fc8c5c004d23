"""Typing into the settings forms as a person does: keystrokes into the focused editor."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication


def click_row(qtbot, table, row):
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def focus_editor(qtbot, editor):
    """Click into the editor's text, as a person would before typing; returns the focused box."""
    line = editor.lineEdit() if hasattr(editor, "lineEdit") else editor
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=line.rect().center())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    return editor


def type_into_focus(qtbot, text):
    qtbot.keyClicks(QApplication.focusWidget(), text)


def test_typing_a_multi_digit_layer_setting_keeps_every_keystroke(qtbot, window):
    panel = window.model_panel
    window.settings_tabs.setCurrentWidget(panel)
    click_row(qtbot, panel.table, 0)
    line = focus_editor(qtbot, panel.settings_form.editors["out_channels"])
    qtbot.keySequence(line, QKeySequence.StandardKey.SelectAll)
    type_into_focus(qtbot, "16")
    assert panel.layers[0].params["out_channels"] == 16
    assert QApplication.focusWidget() is line  # still typing in the same box
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_End)
    type_into_focus(qtbot, "48")
    assert panel.layers[0].params["out_channels"] == 1648
    assert panel.table.item(0, 1).text() == "1648x28x28"


def test_undo_inside_a_layer_editor_takes_back_the_typing(qtbot, window):
    panel = window.model_panel
    window.settings_tabs.setCurrentWidget(panel)
    click_row(qtbot, panel.table, 0)
    line = focus_editor(qtbot, panel.settings_form.editors["out_channels"])
    qtbot.keySequence(line, QKeySequence.StandardKey.SelectAll)
    type_into_focus(qtbot, "40")
    assert panel.layers[0].params["out_channels"] == 40
    qtbot.keySequence(QApplication.focusWidget(), QKeySequence.StandardKey.Undo)
    assert line.lineEdit().text() == "6" and panel.layers[0].params["out_channels"] == 6
