"""The run queue and sweeps in the window (issue 13): runs added with "Add to queue" wait for
Start queue, then train one after another as normal runs; the list reorders and clears; a sweep
adds one run per combination; a failed run lets the queue go on, a stopped one pauses it; and
nothing is dropped on quitting without asking."""

import json
import math

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from cnnstudio.core.runs.history import read_batch_rows
from cnnstudio.core.runs.labels import read_label
from cnnstudio.core.spec.run_spec import RunSpec, load_spec
from cnnstudio.gui.sweep_dialog import SweepDialog
from cnnstudio.gui.views.run_table import NAME
from cnnstudio.gui.window_geometry import keep_inside
from tests.gui.panel_helpers import choose, click, click_row, replace_text
from tests.gui.people import click_button, when_dialog_opens
from tests.gui.test_lessons import RATES
from tests.gui.test_main_window import set_epochs
from tests.gui.test_window_fits import inside_its_screen
from tests.gui.test_window_runs import click_menu_item


@pytest.fixture
def queue_window(window):
    yield window
    window.queue.model.clear()  # a test that failed midway: the window closes without asking


def type_lr(qtbot, window, text):
    window.settings_tabs.setCurrentIndex(2)  # Training
    replace_text(qtbot, window.training_panel.optimizer.editors["lr"], text)


def names(window):
    return [run.name for run in window.queue.model.waiting]


def run_folders(window):
    return [record.folder for record in window.runs_view.records]


def wait_for_the_queue(qtbot, window, runs, timeout=180_000):
    """Until the queue has nothing left to start and the Runs tab lists `runs` runs."""
    queue = window.queue
    idle = lambda: not queue.active and not window.controller.running  # noqa: E731
    qtbot.waitUntil(idle, timeout=timeout)
    qtbot.waitUntil(lambda: len(run_folders(window)) == runs, timeout=30_000)


def test_added_runs_wait_for_start_then_train_one_after_another(qtbot, queue_window):
    window = queue_window
    set_epochs(window, 1)
    type_lr(qtbot, window, "0.001")
    click(qtbot, window.queue_button)
    type_lr(qtbot, window, "0.003")
    click(qtbot, window.queue_button)
    assert names(window) == ["lr=0.001", "lr=0.003"]
    assert not window.controller.running  # added runs wait for Start queue
    assert window.queue_box.isVisible() and window.queue_box.state.text() == "Queue: 2 waiting"
    said = []
    window.statusBar().messageChanged.connect(said.append)

    click(qtbot, window.queue_box.buttons["start"])
    assert window.controller.running
    assert window.queue_box.list.model().index(0, 0).data() == "Training now: lr=0.001"
    wait_for_the_queue(qtbot, window, runs=2)

    folders = sorted(run_folders(window))  # named by their start time: first run first
    rates = [load_spec(folder / "spec.json").optimizer["lr"] for folder in folders]
    assert rates == [0.001, 0.003]
    assert all((folder / "metrics.csv").read_text().count("\n") == 2 for folder in folders)
    assert "Queue finished: 2 runs trained." in said
    table = window.runs_view.table  # each run named as the queue named it
    shown = {table.item(row, NAME).text() for row in range(table.rowCount())}
    assert shown == {"lr=0.001", "lr=0.003"}
    assert read_label(folders[1]).name == "lr=0.003"
    assert not window.queue_box.isVisible()


def test_train_while_runs_wait_trains_just_the_settings_shown(qtbot, queue_window):
    window = queue_window
    set_epochs(window, 1)
    click(qtbot, window.queue_button)
    click(qtbot, window.train_button)
    assert window.controller.running
    qtbot.waitUntil(lambda: len(run_folders(window)) == 1, timeout=120_000)
    qtbot.waitUntil(lambda: not window.controller.running)
    assert len(window.queue.model.waiting) == 1 and not window.queue.active

    click(qtbot, window.train_button)  # Start queue while it trains: the queue follows it
    click(qtbot, window.queue_box.buttons["start"])
    assert window.queue_box.state.text() == "Queue: 1 waiting, starts after this run"
    assert all_shown(window.queue_box.state)
    wait_for_the_queue(qtbot, window, runs=3)
    assert window.queue.model.waiting == []


def test_the_list_reorders_removes_and_clears_and_fits_1024x768(qtbot, queue_window):
    window = queue_window
    window.resize(1024, 768)  # as large as the 1024x768 screen takes, frame and all
    keep_inside(window, window.screen().availableGeometry())
    frame = window.frameGeometry()
    assert frame.width() >= 1020 and frame.height() >= 764
    for rate in ("0.001", "0.002", "0.003"):
        type_lr(qtbot, window, rate)
        click(qtbot, window.queue_button)
    assert names(window) == ["lr=0.001", "lr=0.002", "lr=0.003"]
    box = window.queue_box
    qtbot.wait(50)  # let a relayout happen if the box asked for one
    assert inside_its_screen(window) and window.frameGeometry() == frame
    for widget in (box.list, *box.buttons.values(), window.queue_button, window.view_tabs):
        assert widget.isVisible()
        corners = (widget.mapTo(window, widget.rect().topLeft()), widget.rect().size())
        assert window.rect().contains(corners[0]) and window.rect().contains(
            corners[0] + widget.rect().bottomRight()
        ), widget
    assert window.view_tabs.height() > 350  # the views keep most of the window

    click_row(qtbot, box.list, 2)
    click(qtbot, box.buttons["up"])
    assert names(window) == ["lr=0.001", "lr=0.003", "lr=0.002"]
    assert box.chosen_row() == 1  # the moved run stays chosen: Up again moves it again
    click(qtbot, box.buttons["up"])
    assert names(window)[0] == "lr=0.003" and not box.buttons["up"].isEnabled()
    click_row(qtbot, box.list, 1)
    click(qtbot, box.buttons["remove"])
    assert names(window) == ["lr=0.003", "lr=0.002"]

    click_button(qtbot, "Cancel")  # Clear asks when more than one run waits
    click(qtbot, box.buttons["clear"])
    assert len(names(window)) == 2
    click_button(qtbot, "Clear")
    click(qtbot, box.buttons["clear"])
    assert names(window) == [] and not box.isVisible()


def test_a_sweep_queues_each_combination_and_a_failed_run_lets_the_queue_go_on(qtbot, queue_window):
    window = queue_window
    set_epochs(window, 1, batch_size=16)
    window.settings_tabs.setCurrentIndex(2)
    choose(qtbot, window.training_panel.optimizer.editors["name"], "sgd")

    seen = []

    def sweep(dialog):
        picker = dialog.picker
        try:
            seen.append((picker.settings[0].currentText(), picker.values[0].text()))
            replace_text(qtbot, picker.values[0], "5, 0.01,")  # 5 diverges to NaN at batch 6
            seen.append((picker.count.text(), dialog.accept_button.text()))
            choose(qtbot, picker.settings[1], "lr")  # the same setting twice: said in words
            seen.append((picker.error.text(), dialog.accept_button.isEnabled()))
            choose(qtbot, picker.settings[1], "(none)")
            click(qtbot, dialog.accept_button)
        finally:  # a failure here fails the test instead of leaving the dialog open
            if dialog.isVisible():
                dialog.reject()

    when_dialog_opens(SweepDialog, sweep)
    click_menu_item(qtbot, window, "Run", window.menu_actions["sweep"])
    assert seen == [
        ("lr", "0.001"),  # the setting's value now, to type the others beside
        ("2 runs:", "Add 2 runs to queue"),
        ("each setting can be varied once", False),
    ]
    assert names(window) == ["lr=5", "lr=0.01"]
    said = []
    window.statusBar().messageChanged.connect(said.append)
    click_menu_item(qtbot, window, "Run", window.menu_actions["queue_start"])
    wait_for_the_queue(qtbot, window, runs=2)
    assert [title for title, _text in window.warnings] == ["Training stopped"]
    assert "Queued run lr=5 failed; the queue goes on with lr=0.01." in said
    assert window.progress_label.text().startswith("Finished after 1 epoch in ")


def shown_lr(window):
    return window.training_panel.optimizer.editors["lr"].text()


def test_stopping_a_queued_run_pauses_the_queue_until_start(qtbot, queue_window):
    """The panels show the queued run's settings while it trains, and the person's own again
    once the queue stops starting runs."""
    window = queue_window
    set_epochs(window, 5, batch_size=8)
    click(qtbot, window.queue_button)
    type_lr(qtbot, window, "0.002")
    click(qtbot, window.queue_button)
    type_lr(qtbot, window, "0.005")  # the person's own settings, not queued
    click(qtbot, window.queue_box.buttons["start"])
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    assert shown_lr(window) == "0.001"
    qtbot.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    qtbot.waitUntil(lambda: len(run_folders(window)) == 1, timeout=30_000)
    assert not window.controller.running  # the next did not start
    assert window.queue_box.state.text() == "Queue paused: 1 waiting"
    assert window.queue_box.buttons["start"].text() == "Start queue"
    assert shown_lr(window) == "0.005"

    click(qtbot, window.queue_box.buttons["start"])  # goes on with the run left
    assert window.controller.running and names(window) == [] and shown_lr(window) == "0.002"
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    click(qtbot, window.stop_button)
    wait_for_the_queue(qtbot, window, runs=2)
    assert shown_lr(window) == "0.005"


def test_quitting_with_waiting_runs_asks_first(qtbot, queue_window):
    window = queue_window
    click(qtbot, window.queue_button)
    click_button(qtbot, "Cancel")
    window.close()
    assert window.isVisible() and len(window.queue.model.waiting) == 1
    click_button(qtbot, "Quit")
    window.close()
    assert not window.isVisible()


def test_a_queued_run_trains_on_its_own_dataset_not_the_one_loaded_since(qtbot, queue_window):
    """The settings' dataset changed after a run was queued: the run loads its own images (it was
    handed the images loaded for the panels, and trained on 200 images where it asked for 400)."""
    window = queue_window
    set_epochs(window, 1)
    click(qtbot, window.queue_button)  # 400 training images, as loaded
    window.settings_tabs.setCurrentIndex(0)
    replace_text(qtbot, window.dataset_panel.options_form.editors["train_size"], "200")
    loaded = lambda: window.loaded is not None and window.loaded.report.train_counts.sum() == 200  # noqa: E731
    qtbot.waitUntil(loaded, timeout=30_000)
    click(qtbot, window.queue_box.buttons["start"])
    wait_for_the_queue(qtbot, window, runs=1)
    (folder,) = run_folders(window)
    rows = read_batch_rows(folder)
    assert len(rows) == math.ceil(400 / 64)  # one epoch of 400 images in batches of 64


def test_a_sweep_cannot_vary_what_an_open_lesson_locks(qtbot, queue_window):
    window = queue_window
    click_button(qtbot, "Discard")  # the settings the fixture edited
    assert window.lessons.open(RATES)  # locks the training options, the epochs among them
    qtbot.waitUntil(window.queue_button.isEnabled, timeout=30_000)  # its images loaded
    seen = []

    def sweep(dialog):
        try:
            choose(qtbot, dialog.picker.settings[0], "epochs")
            replace_text(qtbot, dialog.picker.values[0], "1, 2")
            seen.append((dialog.problem.text(), dialog.accept_button.isEnabled()))
        finally:
            dialog.reject()

    when_dialog_opens(SweepDialog, sweep)
    click_menu_item(qtbot, window, "Run", window.menu_actions["sweep"])
    refused = "The lesson locks the training options, so this change cannot be made."
    assert seen == [(refused, False)]
    assert names(window) == []


def test_quitting_while_the_queue_runs_remembers_the_persons_own_settings(qtbot, queue_window):
    """Not the queued run's settings the panels show while it trains."""
    window = queue_window
    set_epochs(window, 5, batch_size=8)
    click(qtbot, window.queue_button)
    click(qtbot, window.queue_button)
    type_lr(qtbot, window, "0.005")
    click(qtbot, window.queue_box.buttons["start"])
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    assert shown_lr(window) == "0.001"

    def quit_then_stop(question):
        click_button(qtbot, "Stop and quit")  # the next question: the run training
        (quit_button,) = [b for b in question.buttons() if b.text() == "Quit"]
        click(qtbot, quit_button)

    when_dialog_opens(QMessageBox, quit_then_stop)  # first: the run waiting in the queue
    window.close()
    assert not window.isVisible() and not window.controller.running
    # The stopped run's end arrives after the window closed, and lists the runs once more.
    qtbot.waitUntil(lambda: len(run_folders(window)) == 1 and not window.jobs.busy())
    assert RunSpec.from_dict(json.loads(QSettings().value("spec"))).optimizer["lr"] == 0.005


def all_shown(label):
    """The whole of an ElidedLabel's text is drawn, none of it cut (the queue's line, beside
    five buttons at 1024x768, read "Queue running: 3 wait...")."""
    lines = label.shown_lines()
    return "".join(lines).split() == label.text().split() and "…" not in "".join(lines)


def answer(qtbot, button, asked):
    """The next question is answered with `button`; its words go into `asked`."""

    def act(dialog):
        asked.append(dialog.text())
        buttons = dialog.findChildren(QAbstractButton)
        (chosen,) = [b for b in buttons if b.text().replace("&", "") == button]
        qtbot.mouseClick(chosen, Qt.MouseButton.LeftButton)

    when_dialog_opens(QMessageBox, act)


def test_names_stay_true_reordered_and_the_box_says_true_things_at_1024x768(qtbot, queue_window):
    """The newcomer's queue: the window's settings, lr 0.01, then batch size 32 too; moved
    first, the last was "1. batch size=32" and silently had lr=0.01 as well."""
    window = queue_window
    window.resize(1024, 768)
    keep_inside(window, window.screen().availableGeometry())
    set_epochs(window, 20)
    click(qtbot, window.queue_button)
    type_lr(qtbot, window, "0.01")
    click(qtbot, window.queue_button)
    replace_text(qtbot, window.training_panel.training.editors["batch_size"], "32")
    click(qtbot, window.queue_button)
    box = window.queue_box
    click_row(qtbot, box.list, 2)
    click(qtbot, box.buttons["up"])
    click(qtbot, box.buttons["up"])
    assert names(window) == [
        "lr=0.01, batch size=32",
        "lr=0.001, batch size=64",
        "lr=0.01, batch size=64",
    ]
    asked = []
    answer(qtbot, "Cancel", asked)
    click(qtbot, box.buttons["clear"])
    assert asked == ["Take all 3 waiting runs out of the queue?"]  # nothing trains: not said

    said = []
    window.statusBar().messageChanged.connect(said.append)
    click(qtbot, box.buttons["start"])
    assert window.controller.running and box.state.text() == "Queue running: 2 waiting"
    assert all_shown(box.state)
    for _ in range(2):
        click_row(qtbot, box.list, 1)
        click(qtbot, box.buttons["remove"])
    click(qtbot, box.buttons["start"])  # Pause queue, with no run left waiting
    assert "Queue ended: no run waits after the one training now." in said
    assert not any("0 waiting" in line for line in said) and box.state.text() != ""
    assert "0 waiting" not in box.state.text()
    click(qtbot, window.stop_button)
    wait_for_the_queue(qtbot, window, runs=1)
    assert box.buttons["start"].text() == "Start queue" and not box.isVisible()
