"""Past runs in the window: Show draws them from their folder, saving a project keeps the runs
just trained in sight, Report and Open folder say what they did, and Predict images classifies every
readable file (issue 10, defects 6, 8, 9, 16)."""

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from tests.gui.people import click_button
from tests.gui.test_main_window import set_epochs


def train(qtbot, window, epochs):
    set_epochs(window, epochs)
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=120_000)
    run_dir = window.presenter.run_dir
    # The Runs tab lists it once a job has read the folder; File > Predict images asks that list
    # for the newest network, and found none (a modal "Train a network first") on a busy machine.
    listed = lambda: run_dir in [record.folder for record in window.runs_view.records]  # noqa: E731
    qtbot.waitUntil(listed, timeout=30_000)
    return run_dir


def click_run(qtbot, window, row=0):
    """Open the Runs tab and click the run's first cell."""
    window.view_tabs.setCurrentWidget(window.runs_view)
    table = window.runs_view.table
    qtbot.waitUntil(lambda: table.rowCount() > row, timeout=10_000)
    cell = table.visualRect(table.model().index(row, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)


def test_show_draws_every_curve_from_the_folder_and_clears_mistakes(qtbot, window, tmp_path):
    run_dir = train(qtbot, window, 2)
    series = window.curves.series
    live = {key: series[key].data() for key in series}
    window.view_tabs.setCurrentWidget(window.mistakes)
    assert window.mistakes.grid.grid.count() > 0  # the live run's mistakes
    click_run(qtbot, window)
    qtbot.mouseClick(window.runs_view.buttons["open"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Showing"), timeout=10_000)
    assert window.curves.isVisibleTo(window.view_tabs)
    # Drawn as the live run was: each batch (batches.csv), smoothed, the rate, validation.
    assert series["loss:batch"].count == 2 * 7 and series["loss:val"].count == 2
    for key, (x, y) in live.items():
        assert np.allclose(series[key].data(), (x, y)), key
    qtbot.waitUntil(lambda: window.curves.plots["loss"].viewRange()[0][1] >= 2)  # x to epoch 2
    assert len(window.confusion.matrices) == 2
    assert window.mistakes.grid.grid.count() == 0  # not the previous run's images
    assert "past run" in window.mistakes.summary.text()

    report = tmp_path / "lesson report.html"
    click_run(qtbot, window)
    window.runs.save_report(run_dir, report)  # what Report... does once a file is chosen
    qtbot.waitUntil(lambda: "Report saved" in window.runs_view.notice.text(), timeout=20_000)
    assert report.exists() and str(report) in window.runs_view.notice.toolTip()

    qtbot.mouseClick(window.runs_view.buttons["folder"], Qt.MouseButton.LeftButton)
    assert str(run_dir) in window.runs_view.notice.toolTip()  # opened, or where it is
    assert str(run_dir) in window.statusBar().currentMessage()

    (run_dir / "batches.csv").unlink()  # as a run from before batches were kept: its epochs
    click_run(qtbot, window)
    qtbot.mouseClick(window.runs_view.buttons["open"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: series["loss:batch"].count == 0, timeout=10_000)
    assert series["loss:smoothed"].count == 2 and series["lr:lr"].count == 2
    assert series["loss:val"].count == 2


def test_saving_a_project_offers_to_move_the_runs_just_trained(qtbot, window, tmp_path):
    run_dir = train(qtbot, window, 1)
    project = tmp_path / "lesson" / "lesson.cnnstudio"
    project.parent.mkdir()
    click_button(qtbot, "Move into the project")  # the question after saving
    assert window.save_project(project)
    moved = tmp_path / "lesson" / "runs" / run_dir.name
    qtbot.waitUntil(lambda: moved.is_dir() and not run_dir.exists(), timeout=20_000)
    qtbot.waitUntil(lambda: [r.folder for r in window.runs_view.records] == [moved])
    click_run(qtbot, window)
    assert window.runs_view.selected()[0].folder == moved


def test_runs_kept_where_they_are_stay_listed_after_saving(qtbot, window, tmp_path):
    run_dir = train(qtbot, window, 1)
    click_button(qtbot, "Keep them where they are")
    assert window.save_project(tmp_path / "lesson.cnnstudio")
    qtbot.waitUntil(lambda: window.project is not None, timeout=10_000)
    qtbot.waitUntil(lambda: window.runs_view.runs_dir == tmp_path / "runs", timeout=10_000)
    assert [r.folder for r in window.runs_view.records] == [run_dir] and run_dir.exists()


def test_train_n_more_epochs_continues_the_same_run_folder(qtbot, window):
    run_dir = train(qtbot, window, 1)
    view = window.runs_view
    qtbot.waitUntil(lambda: [r.folder for r in view.records] == [run_dir], timeout=10_000)
    click_run(qtbot, window)
    assert view.buttons["extend"].isEnabled()
    view.more_epochs.setFocus()
    qtbot.keyClick(view.more_epochs, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.more_epochs, "1")
    assert view.buttons["extend"].text() == "Train 1 more epoch"
    said = []
    window.statusBar().messageChanged.connect(said.append)
    qtbot.mouseClick(view.buttons["extend"], Qt.MouseButton.LeftButton)
    finished = "Finished after 2 epochs in "
    qtbot.waitUntil(lambda: finished in window.progress_label.text(), timeout=120_000)
    qtbot.waitUntil(lambda: not window.controller.running)
    assert any(line.startswith("Extending the run from 1 to 2 epochs") for line in said)
    rows = (run_dir / "metrics.csv").read_text().splitlines()[1:]
    assert len(rows) == 2
    assert list(run_dir.parent.iterdir()) == [run_dir]  # the same folder, no new run
    qtbot.waitUntil(lambda: len(view.records) == 1 and len(view.records[0].epochs) == 2)


def click_menu_item(qtbot, window, menu_title, action):
    """Open a menu of the menu bar with the mouse and click one of its items."""
    bar = window.menuBar()
    (top,) = [a for a in bar.actions() if a.text().replace("&", "") == menu_title]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(top).center())
    menu = top.menu()
    qtbot.waitUntil(menu.isVisible)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def write_sample_pngs(window, folder, count):
    """The first training images of the built-in dataset, saved as PNG files with Pillow."""
    folder.mkdir()
    paths = []
    for index, (_name, images) in enumerate(window.loaded.samples[:count]):
        image = images[0].transpose(1, 2, 0)  # CHW as the network sees it -> HWC
        path = folder / f"good {index}.png"
        Image.fromarray(image.squeeze(2) if image.shape[2] == 1 else image).save(path)
        paths.append(path)
    return paths


def test_predict_classifies_every_readable_file_and_lists_the_others_with_why(
    qtbot, window, tmp_path, monkeypatch
):
    train(qtbot, window, 1)
    good = write_sample_pngs(window, tmp_path / "photos", 3)
    broken = tmp_path / "photos" / "broken.png"
    broken.write_bytes(np.random.default_rng(0).bytes(300))
    missing = tmp_path / "photos" / "gone.png"
    chosen = [good[0], broken, good[1], missing, good[2]]  # the bad ones before good ones
    monkeypatch.setattr(  # the file chooser answers as a person choosing these files would
        "cnnstudio.gui.file_dialogs.QFileDialog.getOpenFileNames",
        lambda *args: ([str(p) for p in chosen], "Images"),
    )
    click_menu_item(qtbot, window, "File", window.menu_actions["predict"])
    qtbot.waitUntil(
        lambda: hasattr(window.runs, "prediction_dialog") or bool(window.warnings), timeout=30_000
    )
    assert window.warnings == []  # not "Cannot classify the images" for the whole lot
    dialog = window.runs.prediction_dialog
    qtbot.waitUntil(dialog.isVisible)
    classes = set(window.loaded.data.class_names)
    assert [row.split(": ")[0] for row in dialog.rows] == [p.name for p in good]
    for row in dialog.rows:  # each good file with its likeliest classes
        assert row.split(": ", 1)[1].split(" ")[0] in classes
    assert dialog.skipped_rows[0].startswith("broken.png: not an image")
    assert dialog.skipped_rows[1] == "gone.png: no such file"
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Classified 3 of 5 files" in shown and "Not classified (2)" in shown
    assert "broken.png: not an image" in shown and "gone.png: no such file" in shown

    (box,) = dialog.findChildren(QDialogButtonBox)
    close = box.button(QDialogButtonBox.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton, pos=close.rect().center())
    assert not dialog.isVisible()
