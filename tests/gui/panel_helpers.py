"""Acting on the settings panels as a person does: clicks at coordinates, keystrokes into focus."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QScrollArea, QStyle


def click(qtbot, widget):
    """Click a button's middle, a check box's tick."""
    if isinstance(widget, QCheckBox):
        pos = QPoint(
            widget.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) // 2 + 1,
            widget.height() // 2,
        )
    else:
        pos = widget.rect().center()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def click_row(qtbot, table, row, column=0):
    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def focus_editor(qtbot, editor):
    """Click into the editor's text, as a person does before typing; returns the focused box."""
    target = editor.lineEdit() if hasattr(editor, "lineEdit") and editor.lineEdit() else editor
    scroll = editor.parentWidget()
    while scroll is not None and not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    if scroll is not None:  # a person scrolls the field into view first
        scroll.ensureWidgetVisible(editor)
    editor.window().activateWindow()  # a click raises the window; offscreen it must be asked
    QApplication.processEvents()  # let a layout changed by the last action settle
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.rect().center())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    return editor


def type_into_focus(qtbot, text):
    qtbot.keyClicks(QApplication.focusWidget(), text)


def replace_text(qtbot, editor, text):
    """Click into `editor`, select all of it and type `text`."""
    focus_editor(qtbot, editor)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_into_focus(qtbot, text)


def choose(qtbot, combo, text):
    """Open the combo box with a click, arrow to the item `text` in its list and press Enter.

    (A click in the list right after it opens is ignored by Qt for a double-click interval.)
    """
    target = combo.findText(text)
    assert target >= 0, f"{text!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    click(qtbot, combo)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    while view.currentIndex().row() != target:
        down = view.currentIndex().row() < target
        qtbot.keyClick(view, Qt.Key.Key_Down if down else Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible())
    # A window manager gives the window back its activation; the offscreen platform does not.
    combo.window().activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is combo.window())
    assert combo.currentIndex() == target
