"""Lessons in the window, driven as a student and a teacher would (issue 12): open one from
File > Lessons, page through its steps, find locked settings that take no keystrokes and hidden
controls gone, train until "Goal reached", leave it, and make one with File > Save as lesson."""

import json

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
)

from cnnstudio.core.insight.coach_notes import CoachFix
from cnnstudio.core.spec.lesson import load_lesson
from cnnstudio.lessons import shipped_lesson_paths
from tests.gui.panel_helpers import choose, click, focus_editor, replace_text, type_into_focus
from tests.gui.people import click_button
from tests.gui.test_window_edits import press
from tests.gui.test_window_fits import inside_its_screen
from tests.gui.test_window_runs import click_menu_item

FIRST, OVERFITTING, RATES = shipped_lesson_paths()


def open_from_lessons_menu(qtbot, window, title):
    """File > Lessons > `title`, with the mouse; unsaved settings are discarded when asked."""
    if window.history.modified:
        click_button(qtbot, "Discard")
    bar = window.menuBar()
    (file_item,) = [a for a in bar.actions() if a.text().replace("&", "") == "File"]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(file_item).center())
    file_menu = file_item.menu()
    qtbot.waitUntil(file_menu.isVisible)
    lessons = window.menu_actions["lessons"]
    qtbot.mouseClick(
        file_menu, Qt.MouseButton.LeftButton, pos=file_menu.actionGeometry(lessons).center()
    )
    submenu = lessons.menu()
    qtbot.waitUntil(submenu.isVisible)
    (item,) = [a for a in submenu.actions() if a.text() == title]
    qtbot.mouseClick(submenu, Qt.MouseButton.LeftButton, pos=submenu.actionGeometry(item).center())
    qtbot.waitUntil(lambda: window.lessons.active)


def click_tab(qtbot, tabs, title):
    bar = tabs.tabBar()
    (index,) = [i for i in range(tabs.count()) if tabs.tabText(i) == title]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def advanced_boxes(window):
    return [b for b in window.findChildren(QCheckBox) if b.text() == "Show advanced settings"]


def tab_shown(tabs, page):
    (index,) = [
        i
        for i in range(tabs.count())
        if tabs.widget(i) is page or tabs.widget(i).isAncestorOf(page)
    ]
    return tabs.isTabVisible(index)


def test_a_lesson_opened_from_the_menu_pages_through_its_steps(qtbot, window):
    open_from_lessons_menu(qtbot, window, "Your first CNN")
    panel = window.lessons.panel
    assert window.lessons.shown and window.settings_tabs.currentWidget() is panel
    assert window.windowTitle() == "cnnstudio - lesson: Your first CNN"
    assert panel.step_label.text() == "Step 1 of 5"
    assert "Welcome" in panel.text.toPlainText()
    assert not panel.back_button.isEnabled()
    click(qtbot, panel.next_button)
    assert panel.step_label.text() == "Step 2 of 5"
    assert "Each row is a layer" in panel.text.toPlainText()
    click(qtbot, panel.back_button)
    assert panel.step_label.text() == "Step 1 of 5"
    for _ in range(4):
        click(qtbot, panel.next_button)
    assert panel.step_label.text() == "Step 5 of 5" and not panel.next_button.isEnabled()
    assert "Reach 80% validation accuracy" in panel.goals.text()
    assert panel.locks.text().startswith("Locked by the lesson: the dataset")


def test_a_locked_setting_takes_no_keystrokes_and_an_unlocked_one_does(qtbot, window):
    open_from_lessons_menu(qtbot, window, "Learning rate: too high, too low, just right")
    click_tab(qtbot, window.settings_tabs, "Training")
    epochs = window.training_panel.training.editors["epochs"]
    assert not epochs.isEnabled()
    assert "Locked by the lesson." in epochs.toolTip()
    qtbot.mouseClick(epochs.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(epochs.lineEdit(), "99")
    qtbot.keyClick(epochs.lineEdit(), Qt.Key.Key_Up)
    assert epochs.value() == 5 and window.spec.training["epochs"] == 5
    name = window.training_panel.optimizer.editors["name"]
    assert not name.isEnabled()  # the optimizer is fixed: only its rate changes
    rate = window.training_panel.optimizer.editors["lr"]
    replace_text(qtbot, rate, "0.00001")
    qtbot.keyClick(rate, Qt.Key.Key_Tab)
    assert window.spec.optimizer["lr"] == 1e-5


def test_hidden_controls_are_not_shown_and_leaving_gives_everything_back(qtbot, window, tmp_path):
    assert window.save_project(tmp_path / "class.cnnstudio")  # open before the lesson
    before = window.spec.to_dict()
    assert window.dataset_panel.augment_box.isVisible()
    open_from_lessons_menu(qtbot, window, "Overfitting and augmentation")
    assert not tab_shown(window.settings_tabs, window.model_panel)  # model_editor
    switches = advanced_boxes(window)
    assert switches and not any(box.isVisible() for box in switches)
    assert not window.runs_view.buttons["export"].isVisibleTo(window.runs_view)
    assert not window.menu_actions["predict"].isVisible()
    assert not window.training_panel.training.editors["epochs"].isEnabled()
    assert window.spec.dataset["options"]["train_size"] == 1000  # the lesson's settings

    # The student edits an unlocked setting (augmentation), then leaves: asked, and discarded.
    click_tab(qtbot, window.settings_tabs, "Dataset")
    crop = window.dataset_panel.augment_form.editors["crop_padding"]
    replace_text(qtbot, crop, "4")
    qtbot.keyClick(crop, Qt.Key.Key_Tab)
    assert window.spec.augment["crop_padding"] == 4
    click_button(qtbot, "Discard")
    click(qtbot, window.lessons.panel.leave_button)
    qtbot.waitUntil(lambda: not window.lessons.active)
    assert not window.lessons.shown
    assert tab_shown(window.settings_tabs, window.model_panel)
    click_tab(qtbot, window.settings_tabs, "Training")
    assert window.training_panel.training.editors["epochs"].isEnabled()
    assert window.runs_view.buttons["export"].isVisibleTo(window.runs_view)
    assert window.menu_actions["predict"].isVisible()
    assert window.windowTitle() == "cnnstudio - class.cnnstudio"
    assert window.spec.to_dict() == before  # the project open before the lesson, as it was


def test_presentation_mode_keeps_advanced_settings_hidden_after_the_lesson(qtbot, window):
    press(qtbot, window, Qt.Key.Key_F11)  # the teacher presents
    click_button(qtbot, "Discard")  # the settings the test window starts with
    assert window.open_file(FIRST)  # a lesson that hides them too
    click(qtbot, window.lessons.panel.leave_button)
    qtbot.waitUntil(lambda: not window.lessons.active)
    assert not any(box.isVisibleTo(window) for box in advanced_boxes(window))  # still presenting
    press(qtbot, window, Qt.Key.Key_F11)  # the presentation ends
    assert any(box.isVisibleTo(window) for box in advanced_boxes(window))


def test_leaving_with_edits_can_be_cancelled(qtbot, window):
    open_from_lessons_menu(qtbot, window, "Your first CNN")
    click_tab(qtbot, window.settings_tabs, "Training")
    epochs = window.training_panel.training.editors["epochs"]
    replace_text(qtbot, epochs, "7")
    click_button(qtbot, "Cancel")
    click(qtbot, window.lessons.panel.leave_button)
    assert window.lessons.active and window.spec.training["epochs"] == 7


def test_a_coach_fix_may_not_change_what_the_lesson_locks(qtbot, window):
    open_from_lessons_menu(qtbot, window, "Learning rate: too high, too low, just right")
    locked = CoachFix("spec", "Add weight decay", {"optimizer": {"weight_decay": 0.0005}})
    window.coach_presenter.fix_chosen.emit(locked)  # what the coach's fix button sends
    assert window.warnings == [
        (
            "Cannot make the change",
            "The lesson locks Weight decay, so this change cannot be made.",
        )
    ]
    assert window.spec.optimizer["weight_decay"] == 0.0
    allowed = CoachFix("spec", "Use a learning rate of 0.01", {"optimizer": {"lr": 0.01}})
    window.coach_presenter.fix_chosen.emit(allowed)
    assert window.spec.optimizer["lr"] == 0.01 and len(window.warnings) == 1


def test_training_the_first_lesson_reaches_its_goal_live(qtbot, window, monkeypatch):
    open_from_lessons_menu(qtbot, window, "Your first CNN")
    panel, threads = window.lessons.panel, []
    shown = panel.show_reached
    monkeypatch.setattr(  # where the panel is told: on the GUI thread, never the run's
        panel, "show_reached", lambda *args: threads.append(QThread.currentThread()) or shown(*args)
    )
    qtbot.waitUntil(window.train_button.isEnabled, timeout=60_000)  # 10,000 shapes drawn
    click(qtbot, window.train_button)
    message = window.lessons.panel.goal_message
    qtbot.waitUntil(lambda: "Goal reached" in message.text(), timeout=180_000)
    assert message.text() == ("Goal reached: Reach 80% validation accuracy. All goals reached!")
    assert window.presenter.epochs[-1].val_accuracy >= 0.8  # said when it happened, not before
    assert "&#10004; Reach 80%" in window.lessons.panel.goals.text()  # ticked
    assert threads == [QApplication.instance().thread()]
    click(qtbot, window.stop_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)


def test_a_damaged_lesson_changes_nothing_and_says_so_once(qtbot, window, tmp_path, monkeypatch):
    damaged = tmp_path / "broken.cnnlesson"
    document = json.loads(FIRST.read_text())
    document["locked"] = ["optimizer.speed"]
    damaged.write_text(json.dumps(document))
    monkeypatch.setattr(
        "cnnstudio.gui.file_dialogs.QFileDialog.getOpenFileName",
        lambda *args: (str(damaged), "lesson"),
    )
    before, title = window.spec.to_dict(), window.windowTitle()
    click_menu_item(qtbot, window, "File", window.menu_actions["open"])
    qtbot.waitUntil(lambda: bool(window.warnings))
    assert len(window.warnings) == 1
    heading, text = window.warnings[0]
    assert heading == "Cannot open the lesson"
    assert "locked[0]: 'optimizer.speed' is not a setting" in text
    assert not window.lessons.active and not window.lessons.shown
    assert window.spec.to_dict() == before and window.windowTitle() == title
    assert window.training_panel.training.editors["epochs"].isEnabled()


def test_a_lesson_open_at_1024x768_keeps_everything_on_the_screen(qtbot, window):
    assert window.screen().geometry().size().toTuple() == (1024, 768)
    open_from_lessons_menu(qtbot, window, "Your first CNN")
    QApplication.processEvents()
    assert inside_its_screen(window)
    panel = window.lessons.panel
    for widget in (panel.next_button, panel.leave_button, panel.goals, window.train_button):
        corner = widget.mapTo(window, widget.rect().bottomRight())
        assert window.rect().contains(corner), widget


def test_save_as_lesson_writes_what_the_teacher_ticked_and_typed(
    qtbot, window, tmp_path, monkeypatch
):
    target = tmp_path / "my lesson.cnnlesson"
    monkeypatch.setattr(
        "cnnstudio.gui.file_dialogs.QFileDialog.getSaveFileName",
        lambda *args: (str(target), "lesson"),
    )
    click_menu_item(qtbot, window, "File", window.menu_actions["save_lesson"])
    qtbot.waitUntil(lambda: hasattr(window.lessons, "save_dialog"))
    dialog = window.lessons.save_dialog
    qtbot.waitUntil(dialog.isVisible)
    focus_editor(qtbot, dialog.title_edit)
    type_into_focus(qtbot, "Shapes, week 3")
    click(qtbot, dialog.lock_boxes["layers"])
    click(qtbot, dialog.lock_boxes["optimizer.lr"])
    click(qtbot, dialog.hide_boxes["runs_tab"])
    focus_editor(qtbot, dialog.steps.currentWidget())
    type_into_focus(qtbot, "Press **Train**.")
    (add,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Add step"]
    click(qtbot, add)
    second = dialog.steps.currentWidget()
    assert isinstance(second, QPlainTextEdit) and dialog.steps.count() == 2
    focus_editor(qtbot, second)
    type_into_focus(qtbot, "What did the loss do?")
    choose(qtbot, dialog.goal_kind, "Reach a validation accuracy of")
    replace_text(qtbot, dialog.goal_value, "75")
    click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save))
    qtbot.waitUntil(target.exists)

    lesson = load_lesson(target)
    assert lesson.title == "Shapes, week 3"
    assert lesson.steps == ("Press **Train**.", "What did the loss do?")
    assert lesson.locked == ("layers", "optimizer.lr") and lesson.hidden == ("runs_tab",)
    assert [g.to_dict() for g in lesson.goals] == [{"kind": "val_accuracy_at_least", "value": 0.75}]
    assert lesson.spec.to_dict() == window.spec.to_dict()

    click_button(qtbot, "Discard")  # the settings were never saved as a project
    assert window.open_file(target)  # and a student opens it
    rate = window.training_panel.optimizer.editors["lr"]
    assert not rate.isEnabled() and not tab_shown(window.view_tabs, window.runs_view)


def test_save_as_lesson_replaces_a_file_only_after_asking(qtbot, window, tmp_path, monkeypatch):
    # The teacher types a name without the suffix; the file dialog could not see that the name
    # with ".cnnlesson" added is taken, so the window asks.
    kept = tmp_path / "week 4.cnnlesson"
    kept.write_text("the lesson given last year")
    monkeypatch.setattr(
        "cnnstudio.gui.file_dialogs.QFileDialog.getSaveFileName",
        lambda *args: (str(tmp_path / "week 4"), "lesson"),
    )
    click_menu_item(qtbot, window, "File", window.menu_actions["save_lesson"])
    qtbot.waitUntil(lambda: hasattr(window.lessons, "save_dialog"))
    dialog = window.lessons.save_dialog
    qtbot.waitUntil(dialog.isVisible)
    replace_text(qtbot, dialog.title_edit, "Week 4")
    focus_editor(qtbot, dialog.steps.currentWidget())
    type_into_focus(qtbot, "Press **Train**.")
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    click_button(qtbot, "Cancel")
    click(qtbot, save)
    assert kept.read_text() == "the lesson given last year" and dialog.isVisible()
    click_button(qtbot, "Replace")
    click(qtbot, save)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert load_lesson(kept).title == "Week 4"
