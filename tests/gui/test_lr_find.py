"""The learning-rate range test in the window: Find beside the learning rate, the dialog with
the curve and the suggestion, Use this, undo (issue 13)."""

import math
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar

from cnnstudio.core.training.lr_find import RateTest
from cnnstudio.gui.lr_find_dialog import RateTestDialog
from cnnstudio.gui.panels.number_box import format_number
from tests.core.test_lr_find import spiky_test
from tests.gui.panel_helpers import click, replace_text
from tests.gui.test_window_edits import CTRL, press


def training_tab(window):
    window.settings_tabs.setCurrentWidget(window.training_panel.parentWidget().parentWidget())
    return window.training_panel


def fits_the_screen(widget):
    return widget.screen().availableGeometry().contains(widget.frameGeometry())


def test_find_suggests_a_rate_use_this_puts_it_in_the_field_and_undo_takes_it_back(qtbot, window):
    window.resize(1024, 768)
    panel = training_tab(window)
    lr = panel.optimizer.editors["lr"]
    assert lr.text() == "0.001" and panel.find_button.isEnabled()
    click(qtbot, panel.find_button)
    finder = window.lr_finder
    assert panel.find_button.text() == "Finding..." and not panel.find_button.isEnabled()
    qtbot.waitUntil(lambda: finder.dialog is not None and finder.dialog.isVisible(), timeout=90_000)
    dialog = finder.dialog
    assert fits_the_screen(dialog) and dialog.screen().geometry().size().toTuple() == (1024, 768)
    assert panel.find_button.text() == "Find" and panel.find_button.isEnabled()
    rate = dialog.rate
    assert rate is not None, dialog.words.text()
    shown = format_number(rate)
    assert f"fell fastest at a rate of {shown}" in dialog.words.text()
    marked = 10 ** dialog.mark.value()  # the line's place on the log axis
    assert float(f"{marked:.2g}") == rate and 1e-7 < marked < 10
    assert dialog.mark.label.toPlainText() == f"suggested {shown}"
    assert dialog.use_button.isEnabled()

    click(qtbot, dialog.use_button)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert lr.text() == shown and window.spec.optimizer["lr"] == rate
    assert window.menu_actions["undo"].text() == "&Undo Learning rate"
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert lr.text() == "0.001" and window.spec.optimizer["lr"] == 0.001


def test_find_waits_for_the_data_and_for_a_run_to_end_saying_why(qtbot, window):
    panel = training_tab(window)
    button = panel.find_button
    options = window.dataset_panel.options_form.editors
    window.settings_tabs.setCurrentIndex(0)
    replace_text(qtbot, options["train_size"], "300")
    qtbot.waitUntil(lambda: not button.isEnabled())
    assert button.toolTip() == "Cannot find a rate now: the dataset is still loading."
    qtbot.waitUntil(button.isEnabled, timeout=30_000)
    assert button.toolTip().startswith("Find a good learning rate")

    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: window.controller.running)
    assert not button.isEnabled() and "a run is training" in button.toolTip()
    click(qtbot, window.stop_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    qtbot.waitUntil(button.isEnabled)


def test_cancel_ends_the_test_with_no_dialog(qtbot, window):
    panel = training_tab(window)
    click(qtbot, panel.find_button)
    finder = window.lr_finder
    qtbot.waitUntil(lambda: finder.progress is not None and finder.progress.value() > 0)
    bar = finder.progress.findChild(QProgressBar)  # it shows the batches tried, as README says
    assert re.fullmatch(r"\d+ of 800 batches tried", bar.text()), bar.text()
    click(qtbot, finder.progress.findChild(type(panel.find_button)))  # its Cancel button
    qtbot.waitUntil(lambda: panel.find_button.text() == "Find", timeout=30_000)
    assert finder.dialog is None and "cancelled" in window.statusBar().currentMessage()


def test_with_no_suggestion_the_dialog_says_why_and_offers_nothing_to_use(qtbot, isolated):
    note = "Tried 20 rates from 1e-12 to 1e-10. No suggestion: the loss did not fall."
    rates = [1e-12 * 10 ** (2 * i / 19) for i in range(20)]
    test = RateTest(rates, [2.3] * 20, [2.3] * 20, None, note)
    dialog = RateTestDialog(test, 1.0)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.use_button.isEnabled() and dialog.mark is None
    assert dialog.words.text().startswith(note)
    assert dialog.retry_button is None  # nothing to try again with: not offered


def test_with_no_suggestion_try_again_asks_for_more_batches(qtbot, isolated):
    test = spiky_test()
    dialog = RateTestDialog(test, 1.0, retry=3200)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.retry_button.text() == "Try again with 3200 batches"
    with qtbot.waitSignal(dialog.retried) as tried:
        click(qtbot, dialog.retry_button)
    assert tried.args == [3200] and not dialog.isVisible()


def test_the_plot_shows_the_rates_tried_and_the_losses_that_tell(qtbot, isolated):
    """Batch size 8 in the window: the rate axis said "(x0.001)" with ticks 1000 times the
    rates, and one batch's loss of 130 flattened the curve."""
    test = spiky_test()
    dialog = RateTestDialog(test, 1.0)
    qtbot.addWidget(dialog)
    dialog.resize(640, 460)
    dialog.show()
    plot = dialog.plot.getPlotItem()
    axis = plot.getAxis("bottom")
    assert axis.labelText == "learning rate" and "x0.001" not in axis.labelString()
    assert axis.autoSIPrefixScale == 1.0
    (left, right), (bottom, top) = plot.viewRange()
    assert math.log10(1e-7) - 0.2 < left < -7 and math.log10(0.11) < right < math.log10(0.2)
    assert axis.tickStrings([-6.0, -2.0], axis.autoSIPrefixScale, 1.0) == ["10⁻⁶", "0.01"]
    assert 1.9 < bottom < 2.3 and 9.2 < top < 10  # 4x the lowest smoothed loss, not 130


def test_no_suggestion_at_batch_size_8_then_try_again_runs_four_times_longer(qtbot, window):
    """Eight images a batch: 800 images per tenfold rise of the rate, too few for the loss to
    fall. The dialog says so and "Try again" runs 3200 batches (cancelled here)."""
    window.resize(1024, 768)
    panel = training_tab(window)
    replace_text(qtbot, panel.training.editors["batch_size"], "8")
    click(qtbot, panel.find_button)
    finder = window.lr_finder
    qtbot.waitUntil(
        lambda: finder.dialog is not None and finder.dialog.isVisible(), timeout=120_000
    )
    dialog = finder.dialog
    assert dialog.rate is None, dialog.words.text()
    assert "(100 batches of 8)" in dialog.words.text()
    assert "try a bigger batch size or more batches" in dialog.words.text()
    click(qtbot, dialog.retry_button)
    qtbot.waitUntil(lambda: finder.progress is not None and finder.progress.value() > 0)
    bar = finder.progress.findChild(QProgressBar)
    assert bar.text().endswith(" of 3200 batches tried") and not dialog.isVisible()
    click(qtbot, finder.progress.findChild(type(panel.find_button)))  # Cancel
    qtbot.waitUntil(lambda: panel.find_button.text() == "Find", timeout=30_000)
