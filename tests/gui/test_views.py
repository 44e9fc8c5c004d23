"""The live views as a person uses them, at 1024x768: curves, the confusion matrix (clicking its
cells) and the mistakes, on the real window and the real worker thread."""

import itertools
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel, QPushButton

from cnnstudio.gui.images import WHY_HEIGHT, to_pixmap
from cnnstudio.gui.views.curves import LR_HEIGHT


@pytest.fixture
def small_window(window):
    window.resize(1024, 768)
    window.move(window.screen().availableGeometry().topLeft())
    return window


def type_into(qtbot, editor, text):
    """Click into a spin box, select what it holds and type, as a person does."""
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton, pos=QPoint(8, editor.height() // 2))
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)


def set_up_run(qtbot, window, epochs, batch_size):
    window.settings_tabs.setCurrentWidget(window.settings_tabs.widget(2))  # Training
    editors = window.training_panel.training.editors
    type_into(qtbot, editors["epochs"], str(epochs))
    type_into(qtbot, editors["batch_size"], str(batch_size))
    assert (editors["epochs"].value(), editors["batch_size"].value()) == (epochs, batch_size)


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def click_tab(qtbot, tabs, page):
    """Click the tab that holds `page` (the Curves tab holds the run's curves or a race's)."""
    bar = tabs.tabBar()
    (index,) = [
        i
        for i in range(tabs.count())
        if tabs.widget(i) is page or tabs.widget(i).isAncestorOf(page)
    ]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert page.isVisibleTo(tabs)


def click_plot(qtbot, graphics, view_box, x, y):
    """A left click on a pyqtgraph widget at data coordinates (x, y) of `view_box`, once it is
    on screen (a view box fits its range to new data when it next paints)."""

    def on_screen():
        pos = graphics.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))
        return graphics.viewport().rect().contains(pos)

    qtbot.waitUntil(on_screen)
    pos = graphics.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def shown_captions(grid):
    return [label.text() for label in grid.findChildren(QLabel) if label.pixmap().isNull()]


def thumbnails(widget):
    return [label for label in widget.findChildren(QLabel) if not label.pixmap().isNull()]


def test_clicking_a_matrix_cell_shows_its_images_during_and_after_training(qtbot, small_window):
    window, view = small_window, small_window.confusion
    set_up_run(qtbot, window, epochs=3, batch_size=16)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: len(view.matrices) == 1, timeout=30_000)
    click(qtbot, window.pause_button)  # during training: the run holds within a batch
    click_tab(qtbot, window.view_tabs, view)
    qtbot.waitUntil(lambda: not view.dirty)  # drawn by the redraw timer

    def click_cell_and_check(true, predicted):
        """The cell's images appear beside the matrix, most confident first."""
        click_plot(qtbot, view.graphics, view.plot.vb, predicted, true)
        count = int(view.matrices[view.shown_epoch - 1][true, predicted])
        names = view.class_names
        titles = [label.text() for label in view.findChildren(QLabel)]
        assert any(f"true {names[true]}, predicted {names[predicted]}" in t for t in titles)
        assert len(thumbnails(view)) == count
        confidences = [float(text.rstrip("%")) for text in shown_captions(view.cell_grid)]
        assert len(confidences) == count and confidences == sorted(confidences, reverse=True)

    wrong = view.matrices[0].copy()
    np.fill_diagonal(wrong, 0)
    click_cell_and_check(*np.unravel_index(wrong.argmax(), wrong.shape))  # a busy mistake
    click_cell_and_check(0, 0)
    assert window.controller.running and window.controller.paused

    click(qtbot, window.pause_button)  # Resume
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    qtbot.waitUntil(lambda: not view.dirty)
    assert view.shown_epoch == 3
    click_cell_and_check(1, 1)
    counts = view.matrices[2]
    click_cell_and_check(*np.unravel_index(counts.argmax(), counts.shape))
    # Back to epoch 1 with the keyboard: the panel shows the same cell as it was then.
    view.slider.setFocus()
    qtbot.keyClick(view.slider, Qt.Key.Key_Home)
    true, predicted = view.chosen_cell
    assert view.cell_title.text().startswith("Epoch 1:")
    assert len(thumbnails(view)) == view.matrices[0][true, predicted]


def test_curves_keep_legend_off_the_data_fit_the_loss_and_keep_the_learning_rate_small(
    qtbot, small_window
):
    window, curves = small_window, small_window.curves
    set_up_run(qtbot, window, epochs=2, batch_size=32)
    click_tab(qtbot, window.view_tabs, curves)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    qtbot.waitUntil(lambda: curves.drawn.get("loss:val") == 2)  # the redraw timer's work

    scene = curves.layout_widget.scene()
    legends = [item for item in scene.items() if isinstance(item, pg.LegendItem)]
    for legend, plot in itertools.product(legends, curves.plots.values()):
        assert not legend.sceneBoundingRect().intersects(plot.vb.sceneBoundingRect())
    names = [label.text for legend in legends for _, label in legend.items]
    assert "best epoch" in names and "validation" in names

    loss = np.concatenate([curves.series[f"loss:{kind}"].data()[1] for kind in ("batch", "val")])
    low, high = curves.plots["loss"].vb.viewRange()[1]
    assert low <= loss.min() and loss.max() <= high
    assert high - low <= 2 * (loss.max() - loss.min())  # fitted, not 0 to a round number

    height = curves.layout_widget.height()
    assert curves.plots["lr"].scene() is None  # a flat learning rate takes no room unasked
    assert curves.plots["loss"].height() > 0.35 * height
    click(qtbot, curves.show_lr)
    qtbot.waitUntil(lambda: curves.plots["lr"].isVisible() and curves.plots["lr"].height() > 0)
    assert curves.plots["lr"].height() <= min(LR_HEIGHT, 0.25 * height)
    qtbot.waitUntil(lambda: curves.drawn.get("lr:lr") == curves.series["lr:lr"].count)


def mistakes_after_one_epoch(qtbot, window, at_least):
    """Train one epoch, open the Mistakes tab and wait for `at_least` thumbnails: its grid."""
    set_up_run(qtbot, window, epochs=1, batch_size=64)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    click_tab(qtbot, window.view_tabs, window.mistakes)
    grid = window.mistakes.grid
    qtbot.waitUntil(lambda: len(thumbnails(grid)) >= at_least)
    return grid


def test_mistake_captions_stay_under_their_images(qtbot, small_window):
    grid = mistakes_after_one_epoch(qtbot, small_window, at_least=1)
    cells = [grid.grid.itemAt(i).widget().findChildren(QLabel) for i in range(grid.grid.count())]
    laid_out = lambda: all(caption.y() > picture.y() for picture, caption in cells)  # noqa: E731
    qtbot.waitUntil(laid_out)
    for picture, caption in cells:
        assert picture.height() - picture.pixmap().height() <= 4  # the label hugs its image
        gap = caption.geometry().top() - picture.geometry().bottom()
        assert 0 <= gap <= 6, f"caption {caption.text()!r} is {gap} px below its image"
    first, last = grid.grid.itemAt(0).widget(), grid.grid.itemAt(grid.grid.count() - 1).widget()
    rows = grid.grid.rowCount()
    height = grid.thumb_size + 60 + WHY_HEIGHT  # image, caption, "why?"
    assert last.geometry().bottom() - first.geometry().top() <= rows * height


def answer_file_dialog(typed):
    """Once a file dialog is up: note the folder it opened in, then choose `typed` in it."""
    seen = []

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(Path(dialog.directory().absolutePath()))
        # Typing into the name box pops up a completer that offscreen Qt cannot dismiss.
        dialog.selectFile(typed)
        dialog.accept()

    QTimer.singleShot(0, answer)
    return seen


def test_file_dialogs_open_in_the_home_folder_then_where_the_last_file_went(
    qtbot, small_window, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    (home / "plots").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    window, curves = small_window, small_window.curves
    set_up_run(qtbot, window, epochs=1, batch_size=64)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    click_tab(qtbot, window.view_tabs, curves)
    buttons = {button.text(): button for button in curves.findChildren(QPushButton)}

    seen = answer_file_dialog(str(home / "plots" / "curves.png"))
    click(qtbot, buttons["Save plots..."])
    assert seen == [home]  # not the folder cnnstudio was started from
    assert (home / "plots" / "curves.png").stat().st_size > 1000
    seen = answer_file_dialog("metrics.csv")
    click(qtbot, buttons["Save data (CSV)..."])
    assert seen == [home / "plots"]
    assert (home / "plots" / "metrics.csv").read_text().startswith("epoch,")


def close_button(dialog):
    (box,) = dialog.findChildren(QDialogButtonBox)
    return box.button(QDialogButtonBox.StandardButton.Close)


def test_predict_and_export_dialogs_close_with_a_button(qtbot, small_window, tmp_path):
    from tests.datafiles import write_image

    window = small_window
    set_up_run(qtbot, window, epochs=1, batch_size=64)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    click_tab(qtbot, window.view_tabs, window.runs_view)
    export = window.runs_view.buttons["export"]
    qtbot.waitUntil(lambda: export.isEnabled() and export.isVisible())
    click(qtbot, export)
    dialog = window.runs.export_dialog
    qtbot.waitUntil(dialog.isVisible)
    click(qtbot, close_button(dialog))
    assert not dialog.isVisible()

    window.open_dropped([write_image(tmp_path / "photo.png", (40, 30), value=90)])
    qtbot.waitUntil(
        lambda: getattr(window.runs, "prediction_dialog", None) is not None, timeout=20_000
    )
    dialog = window.runs.prediction_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.rows[0].startswith("photo.png: ")
    click(qtbot, close_button(dialog))
    assert not dialog.isVisible()


def test_why_under_a_mistake_asks_to_explain_that_image(qtbot, small_window):
    window = small_window
    grid = mistakes_after_one_epoch(qtbot, window, at_least=2)
    second = grid.grid.itemAt(1).widget()
    why = next(b for b in second.findChildren(QPushButton) if b.text() == "why?")
    qtbot.waitUntil(why.isVisible)
    with qtbot.waitSignal(window.mistakes.explain_requested) as asked:
        click(qtbot, why)
    image, label = asked.args
    shown = second.findChildren(QLabel)[0].pixmap().toImage()
    expected = to_pixmap(image, grid.thumb_size).toImage()
    assert shown == expected  # the image under the button, not another one
    caption = second.findChildren(QLabel)[1].text()
    assert caption.startswith(f"{window.presenter.class_names[label]} ->")
