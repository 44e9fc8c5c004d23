"""Menus, shortcuts, and a progress line that says what is true: Paused, still loading, time
left only once measured (issue 10, defects 15 and 17)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser

from cnnstudio.core.training.device import available_devices
from tests.gui.people import click_button
from tests.gui.test_main_window import set_epochs
from tests.gui.test_window_edits import press

SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_f5_trains_f6_pauses_showing_paused_and_shift_f5_stops(qtbot, window):
    set_epochs(window, 5, batch_size=8)
    window.view_tabs.setFocus()
    press(qtbot, window, Qt.Key.Key_F5)
    assert window.controller.running
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    press(qtbot, window, Qt.Key.Key_F6)
    assert window.controller.paused and window.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Paused."), timeout=5_000)
    press(qtbot, window, Qt.Key.Key_F6)
    assert not window.controller.paused
    qtbot.waitUntil(lambda: not window.progress_label.text().startswith("Paused."), timeout=5_000)
    press(qtbot, window, Qt.Key.Key_F5, SHIFT)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    assert window.progress_label.text().startswith("Stopped after")


def test_menus_file_edit_run_view_help_with_about_and_guide(qtbot, window):
    bar = window.menuBar()
    titles = [action.text().replace("&", "") for action in bar.actions()]
    assert titles == ["File", "Edit", "Run", "View", "Help"]
    help_action = bar.actions()[-1]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(help_action).center())
    menu = help_action.menu()
    qtbot.waitUntil(menu.isVisible)
    (about,) = [a for a in menu.actions() if a.text().replace("&", "").startswith("About")]
    click_button(qtbot, "OK")
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(about).center())
    assert not menu.isVisible()

    press(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "guide", None) is not None and window.guide.isVisible())
    text = window.guide.findChild(QTextBrowser).toPlainText()
    assert text.startswith("The window") and "Train" in text
    window.guide.close()

    press(qtbot, window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.view_tabs.currentWidget() is window.runs_view


def test_train_is_enabled_only_once_the_dataset_is_loaded(qtbot, isolated):
    from cnnstudio.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert not window.train_button.isEnabled()
    assert window.progress_label.text() == "Loading the dataset..."
    press(qtbot, window, Qt.Key.Key_F5)
    assert not window.controller.running
    qtbot.waitUntil(lambda: window.loaded is not None, timeout=60_000)
    assert window.train_button.isEnabled() and window.progress_label.text() == "Ready."
    window.close()


def test_time_left_is_estimated_from_measured_batches_only(qtbot, window):
    # One image a batch: the first epoch (400 batches) outlasts the first redraw ticks (5 Hz).
    # With 50 batches of 8 it often ended before the first tick, whose line then rightly had
    # a figure measured over that whole epoch. The estimator's rules: tests/gui/test_eta.py.
    set_epochs(window, 50, batch_size=1)
    seen = []  # the progress line as shown, looked at every few milliseconds
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: seen.append(window.progress_label.text()) or "left about" in seen[-1],
        timeout=60_000,
    )
    shown = [line for line in seen if line.startswith("Epoch")]
    assert "estimating time left..." in shown[0]  # the first line has no made-up figure
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)


def test_the_status_bar_names_the_runs_device_after_the_run(qtbot, window):
    gpus = [d for d in available_devices() if d.name != "cpu"]
    if not gpus:
        pytest.skip("needs a GPU: on a CPU-only machine the first device is the run's device")
    set_epochs(window, 1)
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=120_000)
    assert gpus[0].description in window.device_label.text()
