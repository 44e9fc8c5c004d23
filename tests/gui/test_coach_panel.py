"""The training coach in the window (issue 12), driven as a person does on the real worker thread
at 1024x768: a note appears in the Coach tab while the run trains and is marked on the curves, its
fix waits for the run to end, then changes the setting in the form, and Ctrl+Z takes it back; a
run with nothing to remark on says so; Runs > Show of a past run lists its notes."""

import pytest
from PySide6.QtCore import Qt

from cnnstudio.core.insight.coach_notes import load_notes
from cnnstudio.glossary import lookup
from cnnstudio.gui.coach_presenter import NOT_COACHED, QUIET, QUIET_PAST, WHILE_RUNNING
from cnnstudio.gui.glossary_dialog import GlossaryDialog
from tests.gui.panel_helpers import replace_text
from tests.gui.test_views import click, click_tab, set_up_run
from tests.gui.test_window_edits import press
from tests.gui.test_window_fits import inside_its_screen
from tests.gui.test_window_runs import click_run


@pytest.fixture
def small_window(window):
    """The window as it opens on the 1024x768 screen (tests/gui/conftest.py)."""
    assert window.screen().name() == "small" and inside_its_screen(window)
    return window


def learning_rate(window):
    window.settings_tabs.setCurrentIndex(2)
    return window.training_panel.optimizer.editors["lr"]


def shown_cards(view):
    return [card for card in view.cards if card.isVisible()]


def show_run(qtbot, window, run_dir):
    """Runs tab: click the run's row, then Show."""
    row = [r.folder for r in window.runs_view.records].index(run_dir)
    click_run(qtbot, window, row)
    qtbot.mouseClick(window.runs_view.buttons["open"], Qt.MouseButton.LeftButton)


def test_a_note_shows_while_training_and_its_fix_is_undoable(qtbot, small_window):
    window, coach = small_window, small_window.coach
    set_up_run(qtbot, window, epochs=30, batch_size=64)
    replace_text(qtbot, learning_rate(window), "0.1")  # Adam at 0.1: the loss shoots up
    click_tab(qtbot, window.view_tabs, coach)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: len(shown_cards(coach)) == 1, timeout=60_000)
    assert window.controller.running  # found at batch 2 of 30 epochs' 210
    (card,) = coach.cards
    assert card.note.rule == "loss_rising"
    assert "shooting up" in card.title.text() and card.advice.text().startswith("<i>Try</i> ")
    assert card.button.text() == "Use a learning rate of 0.01"
    assert not card.button.isEnabled() and card.button.toolTip() == WHILE_RUNNING
    assert WHILE_RUNNING in coach.summary.text()
    assert window.view_tabs.tabText(window.view_tabs.indexOf(coach)) == "Coach (1)"
    said = window.statusBar().currentMessage()
    assert said == "Coach, epoch 1: The loss is shooting up. More on the Coach tab."
    assert inside_its_screen(window) and not card.button.visibleRegion().isEmpty()

    marks = window.curves.coach_marks.shown
    assert marks == [(pytest.approx(2 / 7), "loss rising")]  # batch 2 of 7 in epoch 1
    click(qtbot, window.stop_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert load_notes(window.presenter.run_dir) == [card.note]

    qtbot.waitUntil(card.button.isEnabled)
    lr = learning_rate(window)
    click(qtbot, card.button)
    assert lr.text() == "0.01" and window.spec.optimizer["lr"] == 0.01
    assert window.windowTitle().endswith("*")
    assert not card.button.isEnabled()  # the settings have it now
    window.train_button.setFocus()  # not an editor: Ctrl+Z is the window's undo
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lr.text() == "0.1" and window.spec.optimizer["lr"] == 0.1
    assert card.button.isEnabled()


def test_a_run_with_nothing_to_remark_on_says_so(qtbot, small_window):
    window, coach = small_window, small_window.coach
    set_up_run(qtbot, window, epochs=2, batch_size=64)  # the tutorial network, default rate
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    click_tab(qtbot, window.view_tabs, coach)
    assert coach.summary.text() == QUIET and coach.cards == []
    assert window.view_tabs.tabText(window.view_tabs.indexOf(coach)) == "Coach"
    assert window.curves.coach_marks.shown == []
    assert load_notes(window.presenter.run_dir) == []  # watched, and quiet


def test_runs_show_lists_a_past_runs_notes_and_marks(qtbot, small_window):
    window, coach = small_window, small_window.coach
    set_up_run(qtbot, window, epochs=2, batch_size=64)
    replace_text(qtbot, learning_rate(window), "0.1")
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    run_dir = window.presenter.run_dir
    (saved,) = load_notes(run_dir)

    replace_text(qtbot, learning_rate(window), "0.001")
    set_up_run(qtbot, window, epochs=1, batch_size=64)  # a quiet run: the coach tab empties
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert coach.cards == []

    quiet_dir = window.presenter.run_dir
    window.runs.refresh_runs()
    qtbot.waitUntil(lambda: len(window.runs_view.records) == 2, timeout=10_000)
    show_run(qtbot, window, quiet_dir)
    qtbot.waitUntil(lambda: coach.summary.text() == QUIET_PAST.format(name=quiet_dir.name))
    (quiet_dir / "coach.json").unlink()  # as a run from before the coach
    show_run(qtbot, window, quiet_dir)
    qtbot.waitUntil(lambda: coach.summary.text() == NOT_COACHED.format(name=quiet_dir.name))

    show_run(qtbot, window, run_dir)
    qtbot.waitUntil(lambda: len(coach.cards) == 1, timeout=10_000)
    assert coach.cards[0].note == saved
    assert window.curves.coach_marks.shown == [(1.0, "loss rising")]  # at its epoch's end
    click_tab(qtbot, window.view_tabs, coach)
    assert shown_cards(coach) and inside_its_screen(window)

    card = coach.cards[0]  # the glossary's words are links, and F1 opens the note's word
    assert '<a href="Learning rate">learning rate</a>' in card.meaning.text()
    assert lookup("learning rate").text in card.title.toolTip()
    card.button.setFocus()
    press(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.findChild(GlossaryDialog) is not None)
    dialog = window.findChild(GlossaryDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.shown_term == "Learning rate"
    dialog.close()


def test_still_improving_trains_the_run_more_with_one_click(qtbot, small_window):
    window, coach = small_window, small_window.coach
    options = window.dataset_panel.options_form.editors
    replace_text(qtbot, options["train_size"], "1000")
    replace_text(qtbot, options["val_size"], "200")
    qtbot.waitUntil(
        lambda: window.loaded is not None and window.loaded.report.train_counts.sum() == 1000,
        timeout=30_000,
    )
    set_up_run(qtbot, window, epochs=3, batch_size=32)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    run_dir = window.presenter.run_dir
    (card,) = coach.cards
    assert card.note.rule == "train_longer" and card.button.text() == "Train 3 more epochs"
    click_tab(qtbot, window.view_tabs, coach)
    click(qtbot, card.button)
    finished = "Finished after 6 epochs in "
    qtbot.waitUntil(lambda: finished in window.progress_label.text(), timeout=120_000)
    qtbot.waitUntil(lambda: not window.controller.running)
    assert len((run_dir / "metrics.csv").read_text().splitlines()) == 1 + 6
    assert list(run_dir.parent.iterdir()) == [run_dir]  # the same run, no new one
    assert coach.cards[0].note == card.note  # the earlier note stays listed
    assert [c.note for c in coach.cards] == load_notes(run_dir)
