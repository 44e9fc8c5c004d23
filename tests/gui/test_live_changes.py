"""Changing settings while a run trains, as a person does it at 1024x768: type a new value into
the field and press Enter (paused or not), click a tick box; see the change drawn on the curves
and written to the run folder; the settings that cannot change are greyed out with the reason."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from cnnstudio.core.spec.lesson import Lesson, save_lesson
from cnnstudio.core.spec.project import Project, save_project
from cnnstudio.core.spec.run_spec import load_spec
from cnnstudio.core.spec.variants import with_setting
from cnnstudio.core.training.changes import SettingChange, read_changes
from tests.gui.panel_helpers import choose, click, replace_text
from tests.gui.people import click_button
from tests.gui.test_views import click_tab, set_up_run
from tests.gui.test_window_fits import inside_its_screen
from tests.gui.test_window_runs import click_run


@pytest.fixture
def small_window(window):
    """The window as it opens on a 1024x768 screen."""
    assert window.screen().geometry().size().toTuple() == (1024, 768)
    assert inside_its_screen(window)
    return window


def enter(qtbot, editor, text):
    """Click into the field, replace what it holds with `text` and press Enter."""
    replace_text(qtbot, editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def answer_warnings_with_ok(qtbot, monkeypatch):
    """Warnings open as real modal dialogs (they take the focus, as on a desktop), each
    answered by clicking OK; returns the list of (title, text) shown."""
    shown = []

    def warn(parent, title, text):
        shown.append((title, text))
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent
        )
        click_button(qtbot, "OK")
        box.exec()

    monkeypatch.setattr(QMessageBox, "warning", warn)
    return shown


def trained_batches(window):
    return window.curves.series["loss:batch"].count


def lrs(window):
    return list(window.curves.series["lr:lr"].data()[1])


def test_a_rate_and_epochs_typed_while_paused_are_used_when_the_run_goes_on(
    qtbot, small_window, monkeypatch
):
    window = small_window
    warnings = answer_warnings_with_ok(qtbot, monkeypatch)
    set_up_run(qtbot, window, epochs=30, batch_size=16)  # 400 images: 25 batches an epoch
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: trained_batches(window) > 25, timeout=60_000)  # in epoch 2
    click(qtbot, window.pause_button)
    assert window.controller.paused and window.pause_button.text() == "Resume"

    # What cannot change is greyed out, saying why; what can stays editable.
    optimizer, training = window.training_panel.optimizer, window.training_panel.training
    assert not training.editors["batch_size"].isEnabled()
    assert "Fixed while the run trains: the batches are already laid out" in (
        training.editors["batch_size"].toolTip()
    )
    assert not window.training_panel.schedule.editors["name"].isEnabled()
    assert window.live.notes["training"].isVisible()
    assert optimizer.editors["lr"].isEnabled() and training.editors["epochs"].isEnabled()
    assert not window.model_panel.isEnabled()
    assert "the network is already built" in window.live.notes["model"].text()
    assert inside_its_screen(window)  # the notes widen nothing

    enter(qtbot, optimizer.editors["lr"], "0.01")
    enter(qtbot, training.editors["epochs"], "1")  # fewer than it has trained: refused
    ((title, reason),) = warnings  # once: the dialog taking the focus finishes no 2nd edit
    assert title == "Cannot change it now"
    assert reason.startswith("The run has reached epoch ") and reason.endswith(
        ": 1 epoch is too few."
    )
    assert training.editors["epochs"].value() == 30
    assert training.editors["batch_size"].value() == 16  # the rest untouched
    assert window.spec.training["batch_size"] == 16
    enter(qtbot, training.editors["epochs"], "5")
    click(qtbot, window.pause_button)  # Resume
    qtbot.waitUntil(lambda: not window.controller.running, timeout=120_000)

    run_dir = window.presenter.run_dir
    lr_change, epochs_change = read_changes(run_dir)
    step = lr_change.step
    assert lr_change == SettingChange(step, lr_change.epoch, "optimizer.lr", 0.001, 0.01)
    assert epochs_change == SettingChange(step, lr_change.epoch, "training.epochs", 30, 5)
    assert lr_change.epoch >= 2 and step > 26
    shown = lrs(window)
    assert len(shown) == 5 * 25  # the run ended after epoch 5
    assert window.progress.value() == window.progress.maximum() == 5 * 25  # a full bar
    assert shown[: step - 1] == [0.001] * (step - 1) and set(shown[step - 1 :]) == {0.01}
    x = (step - 1) / 25  # where the batch curves have the step's start
    marks = [(x, "lr 0.001 -> 0.01"), (x, "epochs 30 -> 5")]
    assert window.curves.markers == marks
    # The panels and the window's settings keep what the run ended with, as an undoable edit.
    assert (window.spec.optimizer["lr"], window.spec.training["epochs"]) == (0.01, 5)
    assert optimizer.editors["lr"].isEnabled() and training.editors["batch_size"].isEnabled()
    assert not window.live.notes["training"].isVisible()
    assert window.history.stack.undoText() == "Epochs"

    click_run(qtbot, window)  # the past run, shown from its folder, keeps its marks
    qtbot.mouseClick(window.runs_view.buttons["open"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Showing"), timeout=10_000)
    assert window.curves.markers == marks

    view = window.runs_view  # trained one epoch more: the run goes on with its changes, shown
    view.more_epochs.setFocus()
    qtbot.keyClick(view.more_epochs, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.more_epochs, "1")
    qtbot.mouseClick(view.buttons["extend"], Qt.MouseButton.LeftButton)
    # Its own batches, from epoch 6 (not those of the run shown before, from epoch 1).
    first_x = lambda: window.curves.series["loss:batch"].data()[0][0]  # noqa: E731
    qtbot.waitUntil(lambda: trained_batches(window) > 0 and first_x() >= 5, timeout=60_000)
    assert window.curves.markers == marks and set(lrs(window)) == {0.01}
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert read_changes(run_dir) == [lr_change, epochs_change]


def test_a_rate_typed_and_a_tick_box_clicked_while_it_trains(qtbot, small_window):
    window = small_window
    set_up_run(qtbot, window, epochs=30, batch_size=16)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: trained_batches(window) > 3, timeout=60_000)

    enter(qtbot, window.training_panel.optimizer.editors["lr"], "0.005")
    qtbot.waitUntil(lambda: len(window.curves.markers) == 1, timeout=30_000)
    click_tab(qtbot, window.settings_tabs, window.settings_tabs.widget(0))  # Dataset
    assert window.live.notes["dataset"].isVisible()
    assert not window.dataset_panel.choose_box.isEnabled()
    hflip = window.dataset_panel.augment_form.editors["hflip"]
    window.settings_tabs.currentWidget().ensureWidgetVisible(hflip)  # the panel scrolls
    click(qtbot, hflip)
    qtbot.waitUntil(lambda: len(window.curves.markers) == 2, timeout=30_000)
    said = window.statusBar().currentMessage()  # counted as the progress line counts
    mirrored = read_changes(window.presenter.run_dir)[-1]
    batch = mirrored.step - (mirrored.epoch - 1) * 25
    assert said == f"mirroring off -> on, from epoch {mirrored.epoch}, batch {batch}."
    window.menu_actions["undo"].trigger()  # Edit > Undo: the run goes back too
    assert not hflip.isChecked()
    qtbot.waitUntil(lambda: len(window.curves.markers) == 3, timeout=30_000)
    click(qtbot, window.stop_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)

    changes = read_changes(window.presenter.run_dir)
    labels = ["lr 0.001 -> 0.005", "mirroring off -> on", "mirroring on -> off"]
    assert [c.label for c in changes] == labels
    assert [label for _x, label in window.curves.markers] == labels
    assert not window.spec.augment["hflip"] and window.spec.optimizer["lr"] == 0.005


def test_under_a_cosine_schedule_the_rate_is_fixed_while_it_trains(qtbot, small_window):
    window = small_window
    set_up_run(qtbot, window, epochs=30, batch_size=16)
    choose(qtbot, window.training_panel.schedule.editors["name"], "cosine")
    editors = window.training_panel.training.editors
    where = {name: editors[name].mapTo(window, QPoint(0, 0)) for name in editors}
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: trained_batches(window) > 0, timeout=60_000)
    lr = window.training_panel.optimizer.editors["lr"]
    assert not lr.isEnabled()
    assert "Fixed while the run trains: the cosine schedule sets the learning rate at every " in (
        lr.toolTip()
    )
    # The note says what can change (not the rate, nor Adam's momentum), below the fields: a
    # person aiming at one as the run starts does not miss it.
    note = window.live.notes["training"]
    assert note.text().startswith("While it trains you can change the weight decay and epochs:")
    assert note.isVisible() and not note.visibleRegion().isEmpty()  # seen at 1024x768
    assert {name: editors[name].mapTo(window, QPoint(0, 0)) for name in editors} == where
    assert window.training_panel.training.editors["epochs"].isEnabled()
    click(qtbot, window.stop_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert lr.isEnabled()


def test_only_the_setting_entered_goes_to_the_run(qtbot, small_window, tmp_path):
    """The panels may show other settings than the run trains (a project opened meanwhile):
    entering one sends that one alone. Every live setting that differed was sent before."""
    window = small_window
    set_up_run(qtbot, window, epochs=30, batch_size=16)
    project = tmp_path / "other.cnnstudio"
    save_project(Project(project, with_setting(window.current_spec(), "optimizer.lr", 0.05)))
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: trained_batches(window) > 0, timeout=60_000)
    click_button(qtbot, "Discard")  # the settings typed before are not saved
    assert window.open_project(project)
    lr = window.training_panel.optimizer.editors["lr"]
    assert lr.value() == 0.05
    enter(qtbot, window.training_panel.training.editors["epochs"], "2")
    qtbot.waitUntil(lambda: not window.controller.running, timeout=120_000)

    run_dir = window.presenter.run_dir
    assert [c.label for c in read_changes(run_dir)] == ["epochs 30 -> 2"]
    assert load_spec(run_dir / "spec.json").optimizer["lr"] == 0.001


def test_a_lessons_lock_holds_through_a_run_and_after_it(qtbot, small_window, tmp_path):
    """A lesson that fixes the epochs keeps them fixed while its run trains (its reason shown,
    not the run's) and after the run ends, when the run's own locks are lifted."""
    window = small_window
    spec = with_setting(window.current_spec(), "training.batch_size", 16)
    lesson = Lesson(
        "Rates", ("Change the rate while it trains.",), spec, locked=("training.epochs",)
    )
    save_lesson(lesson, tmp_path / "rates.cnnlesson")
    click_button(qtbot, "Discard")  # the window's own unsaved settings
    assert window.open_file(tmp_path / "rates.cnnlesson")
    qtbot.waitUntil(window.train_button.isEnabled, timeout=60_000)
    epochs = window.training_panel.training.editors["epochs"]
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: trained_batches(window) > 0, timeout=60_000)
    assert not epochs.isEnabled() and "Locked by the lesson." in epochs.toolTip()
    assert "Fixed while the run trains" not in epochs.toolTip()
    click(qtbot, window.stop_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert window.training_panel.training.editors["batch_size"].isEnabled()
    assert not epochs.isEnabled() and "Locked by the lesson." in epochs.toolTip()
