"""Typing into the settings forms as a person does: keystrokes into the focused editor."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from tests.gui.panel_helpers import click, click_row, replace_text, type_into_focus


def first_layer_editors(qtbot, window):
    """Open the Model tab and click the first layer (a convolution); its settings' editors."""
    panel = window.model_panel
    window.settings_tabs.setCurrentWidget(panel)
    click_row(qtbot, panel.table, 0)
    return panel, panel.settings_form.editors


def test_typing_a_multi_digit_layer_setting_keeps_every_keystroke(qtbot, window):
    panel, editors = first_layer_editors(qtbot, window)
    editor = editors["out_channels"]
    replace_text(qtbot, editor, "16")
    assert panel.layers[0].params["out_channels"] == 16
    assert QApplication.focusWidget() is editor  # still typing in the same box
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_End)
    type_into_focus(qtbot, "48")
    assert panel.layers[0].params["out_channels"] == 1648
    assert panel.table.item(0, 1).text() == "1648x28x28"


def test_undo_inside_a_layer_editor_takes_back_the_typing(qtbot, window):
    panel, editors = first_layer_editors(qtbot, window)
    editor = editors["out_channels"]
    replace_text(qtbot, editor, "40")
    assert panel.layers[0].params["out_channels"] == 40
    qtbot.keySequence(QApplication.focusWidget(), QKeySequence.StandardKey.Undo)
    assert editor.lineEdit().text() == "6" and panel.layers[0].params["out_channels"] == 6


def test_an_impossible_kernel_typed_in_shows_the_reason_until_typed_back(qtbot, window):
    panel, editors = first_layer_editors(qtbot, window)
    replace_text(qtbot, editors["kernel_size"], "40")
    assert not window.train_button.isEnabled()
    assert "its 40x40 window is larger than the 32x32 input" in panel.problem_box.text.text()
    replace_text(qtbot, editors["kernel_size"], "5")
    assert window.train_button.isEnabled() and panel.problem_box.text.text() == ""


def test_learning_rate_reads_and_types_as_people_write_numbers(qtbot, window):
    window.settings_tabs.setCurrentIndex(2)
    lr = window.training_panel.optimizer.editors["lr"]
    assert lr.text() == "0.001"  # not 0.001000
    replace_text(qtbot, lr, "1e-4")
    assert window.spec.optimizer["lr"] == 0.0001
    click(qtbot, window.training_panel.training.editors["epochs"])  # focus moves on
    assert lr.text() == "0.0001"
    replace_text(qtbot, lr, "0.03")
    assert window.spec.optimizer["lr"] == 0.03 and lr.text() == "0.03"
    weight_decay = window.training_panel.optimizer.editors["weight_decay"]
    assert weight_decay.text() == "0"


def test_the_edit_menu_names_an_edit_in_the_window_s_words(qtbot, window):
    """ "Undo Filters of layer 1", not the spec's path "layers.0.out_channels"."""
    _, editors = first_layer_editors(qtbot, window)
    replace_text(qtbot, editors["out_channels"], "24")
    undo = window.menu_actions["undo"]
    qtbot.waitUntil(lambda: undo.text() == "&Undo Filters of layer 1")
    window.settings_tabs.setCurrentWidget(window.settings_tabs.widget(2))
    replace_text(qtbot, window.training_panel.training.editors["epochs"], "7")
    qtbot.waitUntil(lambda: undo.text() == "&Undo Epochs")
