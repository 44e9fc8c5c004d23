"""Nothing is lost without asking: unsaved edits mark the title, replacing them asks, stack and
settings edits undo and redo, and quitting during a run asks (issue 10, defect 10)."""

import json

from PySide6.QtCore import Qt

from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.spec.run_spec import RunSpec
from tests.gui.people import click_button
from tests.gui.test_main_window import set_epochs

CTRL = Qt.KeyboardModifier.ControlModifier


def press(qtbot, window, key, modifiers=Qt.KeyboardModifier.NoModifier):
    """A key pressed where the keyboard focus is, as a person's key press arrives."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    target = window.focusWidget() or window
    qtbot.keyClick(target, key, modifiers)


def type_into(qtbot, editor, text):
    """Click into an editor, select what it holds and type `text` over it."""
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton)
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(editor, text)


def epochs_editor(window):
    window.settings_tabs.setCurrentWidget(window.settings_tabs.widget(2))
    return window.training_panel.training.editors["epochs"]


def test_unsaved_edits_mark_the_title_and_new_project_asks_first(qtbot, window, tmp_path):
    project = tmp_path / "lesson.cnnstudio"
    assert window.save_project(project)
    assert window.windowTitle() == "cnnstudio - lesson.cnnstudio"

    editor = epochs_editor(window)
    type_into(qtbot, editor, "12")
    assert editor.value() == 12 and window.windowTitle() == "cnnstudio - lesson.cnnstudio*"

    click_button(qtbot, "Cancel")
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    assert editor.value() == 12 and window.project is not None  # nothing discarded

    click_button(qtbot, "Discard")
    press(qtbot, window, Qt.Key.Key_N, CTRL)
    default = RunSpec().training["epochs"]
    assert window.project is None and editor.value() == default  # a new project, as asked
    assert window.windowTitle() == "cnnstudio - no project"
    assert json.loads(project.read_text())["spec"]["training"]["epochs"] == default


def test_use_preset_undoes_and_redoes_with_the_keyboard(qtbot, window):
    window.settings_tabs.setCurrentWidget(window.model_panel)
    panel = window.model_panel
    before = list(panel.layers)
    box = panel.preset_box
    box.setFocus()
    while box.currentData() == "tutorial":
        qtbot.keyClick(box, Qt.Key.Key_Down)
    preset = box.currentData()
    (use,) = [b for b in panel.findChildren(type(window.train_button)) if b.text() == "Use preset"]
    qtbot.mouseClick(use, Qt.MouseButton.LeftButton)
    assert panel.layers == list(PRESETS[preset].layers) != before
    assert window.windowTitle().endswith("*")

    use.setFocus()  # not an editor: Ctrl+Z is the window's undo
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert panel.layers == before
    press(qtbot, window, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert panel.layers == list(PRESETS[preset].layers)
    assert window.menu_actions["undo"].isEnabled()


def test_ctrl_z_in_a_focused_editor_undoes_the_typing_only(qtbot, window):
    panel = window.model_panel
    window.settings_tabs.setCurrentWidget(panel)
    panel.add_layer("dropout")  # an earlier edit, on the window's undo stack
    layers = list(panel.layers)
    editor = epochs_editor(window)
    type_into(qtbot, editor, "12")
    assert editor.value() == 12
    qtbot.keyClick(editor, Qt.Key.Key_Z, CTRL)  # inside the editor: its own undo
    assert editor.value() == RunSpec().training["epochs"] and panel.layers == layers
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # still in the editor: nothing more to undo there
    assert panel.layers == layers

    window.train_button.setFocus()  # out of the editor: the window's undo
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert len(panel.layers) == len(layers) - 1 and editor.value() == RunSpec().training["epochs"]


def test_quitting_during_a_run_asks_first(qtbot, window):
    set_epochs(window, 5, batch_size=8)
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    click_button(qtbot, "Cancel")
    press(qtbot, window, Qt.Key.Key_Q, CTRL)
    assert window.isVisible() and window.controller.running  # it goes on training

    click_button(qtbot, "Stop and quit")
    press(qtbot, window, Qt.Key.Key_Q, CTRL)
    assert not window.isVisible() and not window.controller.running
    summary = json.loads((window.presenter.run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
