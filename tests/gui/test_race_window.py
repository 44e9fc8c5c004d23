"""Run > Race variants...: the dialog, the race on the run's thread (pause and stop too), its
curves growing together in the Curves tab, its ranking, and its runs in the Runs tab."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel

from tests.gui.people import click_button
from tests.gui.test_lessons import RATES
from tests.gui.test_main_window import set_epochs
from tests.gui.test_window_edits import press

SHIFT = Qt.KeyboardModifier.ShiftModifier


def choose_from_run_menu(qtbot, window, text):
    bar = window.menuBar()
    (run,) = [a for a in bar.actions() if a.text().replace("&", "") == "Run"]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(run).center())
    menu = run.menu()
    qtbot.waitUntil(menu.isVisible)
    (item,) = [a for a in menu.actions() if a.text().replace("&", "") == text]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(item).center())


def open_race_dialog(qtbot, window):
    choose_from_run_menu(qtbot, window, "Race variants...")
    qtbot.waitUntil(lambda: getattr(window.race, "dialog", None) is not None)
    dialog = window.race.dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def choose_setting(qtbot, box, path):
    """Pick a setting in a combo box with the keyboard, as a person does."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Home)
    while box.currentData() != path:
        qtbot.keyClick(box, Qt.Key.Key_Down)


def type_after(qtbot, editor, text):
    """Click into the field and type at its end."""
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton)
    qtbot.keyClick(editor, Qt.Key.Key_End)
    qtbot.keyClicks(editor, text)


def listed(dialog):
    runs = dialog.picker.runs
    return [runs.item(row).text() for row in range(runs.count())]


def test_a_race_from_the_run_menu_draws_each_variant_and_lists_its_runs(qtbot, window):
    set_epochs(window, 1)
    dialog = open_race_dialog(qtbot, window)
    assert window.screen().name() == "small"  # 1024x768
    assert window.screen().availableGeometry().contains(dialog.frameGeometry())
    assert not dialog.accept_button.isEnabled()  # one value, the current one: not a race yet
    assert "two variants or more" in dialog.problem.text()

    optimizer, values = dialog.picker.settings[0], dialog.picker.values[0]
    choose_setting(qtbot, optimizer, "optimizer.name")
    assert values.text() == "adam"  # the current value, to type the others after
    type_after(qtbot, values, ",sgd,fast")
    assert listed(dialog) == [] and not dialog.accept_button.isEnabled()
    assert "optimizer.name: expected one of" in dialog.picker.error.text()
    for _ in ",fast":
        qtbot.keyClick(values, Qt.Key.Key_Backspace)
    assert listed(dialog) == ["optimizer=adam", "optimizer=sgd"]
    assert dialog.accept_button.isEnabled()

    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert window.controller.running
    assert not window.menu_actions["race"].isEnabled() and not window.train_button.isEnabled()
    assert not window.model_panel.isEnabled()  # locked as during a run
    # A race takes no changes while it trains; the advanced settings can be shown, as in a run
    assert not any(form.isEnabled() for form in window.training_panel.forms)
    advanced = window.training_panel.findChild(QCheckBox)
    assert advanced.text() == "Show advanced settings" and advanced.isEnabled()
    assert window.view_tabs.currentWidget() is window.curves_page
    assert window.curves_page.currentWidget() is window.race_view
    qtbot.waitUntil(lambda: not window.controller.running, timeout=120_000)

    view = window.race_view
    assert [label.text for _sample, label in view.legend.items] == [
        "optimizer=adam",
        "optimizer=sgd",
    ]
    batches = -(-400 // 64)  # the window's 400 training images, in batches of 64
    for loss, accuracy in view.items:
        assert len(loss.getData()[0]) == batches and len(accuracy.getData()[0]) == 1
    assert view.ranking.isVisible() and view.ranking.rowCount() == 2
    assert view.ranking.horizontalHeaderItem(1).text() == "optimizer"
    assert {view.ranking.item(row, 1).text() for row in range(2)} == {"adam", "sgd"}
    assert window.progress_label.text().startswith("Race finished")
    assert window.status_line.text().startswith("Race finished")  # presentation mode's line
    assert all(form.isEnabled() for form in window.training_panel.forms)
    assert window.model_panel.isEnabled()
    # Side by side above the ranking: each plot keeps room at 1024x768 (stacked: ~80 px high)
    for plot in view.plots.values():
        assert plot.getViewBox().size().height() > 150
    assert window.frameGeometry().height() <= 768

    names = lambda: sorted(r.spec.optimizer["name"] for r in window.runs_view.records)  # noqa: E731
    qtbot.waitUntil(lambda: names() == ["adam", "sgd"], timeout=30_000)
    table = window.runs_view.table
    shown = {table.model().index(row, 0).data() for row in range(table.model().rowCount())}
    assert shown == {"optimizer=adam", "optimizer=sgd"}  # each named after its variant
    folders = [record.folder.name for record in window.runs_view.records]
    assert sorted(name.split("-shapes-")[1] for name in folders) == [
        "optimizer-adam",
        "optimizer-sgd",
    ]

    (back,) = [label for label in view.findChildren(QLabel) if "Back to" in label.text()]
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton, pos=back.rect().center())
    assert window.curves.isVisibleTo(window.view_tabs) and not view.isVisibleTo(window.view_tabs)
    forward = view.forward_link  # above the run's curves: the race can be shown again
    assert forward.isVisibleTo(window.view_tabs) and "race's curves" in forward.text()
    qtbot.mouseClick(forward, Qt.MouseButton.LeftButton, pos=forward.rect().center())
    assert view.isVisibleTo(window.view_tabs)


def test_pause_and_stop_hold_and_end_every_variant(qtbot, window):
    set_epochs(window, 5, batch_size=8)
    dialog = open_race_dialog(qtbot, window)
    type_after(qtbot, dialog.picker.values[0], ",0.01")  # lr: 0.001 is the current one
    assert listed(dialog) == ["lr=0.001", "lr=0.01"]
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    view = window.race_view
    qtbot.waitUntil(lambda: all(series.count > 0 for series in view.losses), timeout=30_000)
    # No variant takes a change while they train, and the line atop the settings says so.
    assert not window.training_panel.optimizer.editors["lr"].isEnabled()
    assert window.live.notes["training"].text().startswith("Fixed while the race trains")
    window.view_tabs.setFocus()
    press(qtbot, window, Qt.Key.Key_F6)
    assert window.controller.paused and window.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Paused."), timeout=5_000)
    press(qtbot, window, Qt.Key.Key_F6)
    assert not window.controller.paused
    press(qtbot, window, Qt.Key.Key_F5, SHIFT)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    statuses = [view.ranking.item(row, 6).text() for row in range(view.ranking.rowCount())]
    assert statuses == ["stopped", "stopped"]
    assert window.progress_label.text().startswith("Race stopped")
    assert all(series.count < 5 * (400 // 8) for series in view.losses)


def test_a_race_cannot_vary_what_an_open_lesson_locks(qtbot, window):
    click_button(qtbot, "Discard")  # the settings the fixture edited
    assert window.lessons.open(RATES)  # locks the training options, the epochs among them
    qtbot.waitUntil(lambda: window.menu_actions["race"].isEnabled(), timeout=30_000)
    try:
        dialog = open_race_dialog(qtbot, window)
        choose_setting(qtbot, dialog.picker.settings[0], "training.epochs")
        type_after(qtbot, dialog.picker.values[0], ",2")
        assert len(listed(dialog)) == 2
        assert dialog.problem.text() == (
            "The lesson locks the training options, so this change cannot be made."
        )
        assert not dialog.accept_button.isEnabled()
        dialog.reject()
    finally:  # the lesson holds the application's advanced-settings switch off: let go
        window.lessons.end()
