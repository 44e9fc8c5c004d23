"""Driving the real window and the real worker thread, offscreen."""

import re

from cnnstudio.core.model.presets import PRESETS
from tests.gui.people import click_button


def set_epochs(window, epochs, batch_size=64):
    editors = window.training_panel.training.editors
    editors["epochs"].setValue(epochs)
    editors["batch_size"].setValue(batch_size)


def train_and_wait(qtbot, window, timeout=60_000):
    window.train_button.click()
    assert window.controller.running
    qtbot.waitUntil(lambda: not window.controller.running, timeout=timeout)


def test_first_launch_is_ready_to_train_the_builtin_dataset_with_the_tutorial_cnn(window):
    assert window.dataset_panel.source_box.currentData() == "shapes"
    assert window.model_panel.layers == list(PRESETS["tutorial"].layers)
    assert window.train_button.isEnabled() and window.reason_label.text() == ""
    assert window.dataset_panel.class_table.rowCount() == 10
    assert window.model_panel.table.item(6, 1).text() == "400"  # Flatten: 16x5x5 worked out


def test_an_impossible_layer_disables_train_with_the_reason_until_fixed(window):
    panel = window.model_panel
    panel.table.selectRow(0)
    panel.settings_form.editors["kernel_size"].setValue(40)
    assert not window.train_button.isEnabled()
    assert "Layer 1 (Conv2d): its 40x40 window is larger than the 32x32 input" in (
        window.reason_label.text()
    )
    assert panel.table.item(0, 4).background().color().red() == 255
    panel.settings_form.editors["kernel_size"].setValue(5)
    assert window.train_button.isEnabled() and window.reason_label.text() == ""


def test_editing_the_stack_recomputes_shapes(window):
    panel = window.model_panel
    panel.table.selectRow(1)
    panel.add_layer("batchnorm2d")
    assert panel.layers[2].type == "batchnorm2d"
    assert panel.table.item(2, 1).text() == "6x28x28" and panel.table.item(2, 2).text() == "12"
    panel._move(-1)
    assert panel.layers[1].type == "batchnorm2d"
    panel._remove()
    assert panel.layers == list(PRESETS["tutorial"].layers)


def test_one_epoch_fills_curves_matrix_table_and_mistakes(qtbot, window, tmp_path):
    set_epochs(window, 1)
    train_and_wait(qtbot, window)
    # Plain words for a short run: not "1 epoch(s), 0:00"
    assert re.match(r"Finished after 1 epoch in \d+ s;", window.progress_label.text())
    assert window.curves.series["loss:batch"].count == 7  # every batch, in throttled chunks
    window.curves.refresh()  # what the next redraw tick would do
    assert len(window.curves.items["loss:batch"].getData()[0]) == 7
    assert window.curves.series["loss:val"].count == 1
    assert len(window.confusion.matrices) == 1 and window.confusion.matrices[0].sum() == 100
    assert window.class_table.rowCount() == 12
    window.view_tabs.setCurrentWidget(window.mistakes)  # built when first shown
    assert window.mistakes.grid.grid.count() > 0
    assert window.train_button.isEnabled()
    window.curves.save_plots(tmp_path / "curves.png")
    window.curves.save_plots(tmp_path / "curves.svg")
    window.curves.save_csv(tmp_path / "metrics.csv")
    assert (tmp_path / "curves.png").stat().st_size > 1000
    assert (tmp_path / "curves.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "metrics.csv").read_text().splitlines()[0].startswith("epoch,train_loss")


def test_stop_ends_the_run_mid_epoch(qtbot, window):
    set_epochs(window, 5, batch_size=8)
    window.train_button.click()
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    assert window.progress_label.text().startswith("Stopped after 0 epochs in ")
    assert window.train_button.isEnabled()


def test_pause_holds_and_resume_finishes(qtbot, window):
    set_epochs(window, 1, batch_size=8)
    window.train_button.click()
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    window.pause_button.click()
    assert window.controller.paused and window.pause_button.text() == "Resume"
    window.pause_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert window.progress_label.text().startswith("Finished after 1 epoch in ")


def test_closing_during_a_run_stops_it_cleanly(qtbot, window):
    set_epochs(window, 5, batch_size=8)
    window.train_button.click()
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    click_button(qtbot, "Stop and quit")  # quitting during a run asks first
    window.close()
    assert not window.controller.running and not window.isVisible()


def test_a_failed_run_shows_a_dialog_and_keeps_the_window_usable(qtbot, window):
    set_epochs(window, 2, batch_size=16)
    optimizer = window.training_panel.optimizer.editors
    optimizer["name"].setCurrentIndex(optimizer["name"].findData("sgd"))
    optimizer["lr"].setValue(5.0)  # diverges to NaN at batch 6 (deterministic on the CPU)
    train_and_wait(qtbot, window)
    assert window.warnings and window.warnings[0][0] == "Training stopped"
    assert "The loss became" in window.warnings[0][1]
    assert window.progress_label.text().startswith("Failed")
    assert window.train_button.isEnabled()


def test_a_dropped_folder_becomes_the_dataset(qtbot, window, tmp_path):
    from tests.datafiles import write_image

    for name in ("apples", "pears"):
        for i in range(6):
            write_image(tmp_path / "fruit" / name / f"{i}.png", (20, 20), value=i * 30)
    window.dataset_panel.set_folder(str(tmp_path / "fruit"))
    qtbot.waitUntil(
        lambda: window.loaded is not None and window.loaded.data.class_names == ["apples", "pears"],
        timeout=30_000,
    )
    assert window.train_button.isEnabled()
    assert window.model_panel.num_classes == 2
