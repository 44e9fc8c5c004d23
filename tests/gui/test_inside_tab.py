"""The Inside tab as a person uses it, at 1024x768, on the real window and the real worker
thread: it fills at each epoch end of a run, a click on a block shows that layer's maps or
filters, hovering reads a value, the overlay's opacity and class change, occlusion is computed
on demand, the epoch slider replays, Runs > Show replays a past run from its folder, and an
image dropped on the tab is looked at."""

import re

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton

from cnnstudio.core.insight.snapshot import load_snapshots
from cnnstudio.gui.inside_presenter import BEFORE_ANY_RUN
from cnnstudio.gui.views.inside.layer_stack import INPUT
from tests.gui.panel_helpers import choose
from tests.gui.test_views import click, click_tab, set_up_run
from tests.gui.test_window_fits import inside_its_screen
from tests.gui.test_window_runs import click_run


@pytest.fixture
def small_window(window):
    """The window as it opens on the 1024x768 screen (tests/gui/conftest.py), filling most of it."""
    assert window.screen().name() == "small" and inside_its_screen(window)
    return window


def train(qtbot, window, epochs):
    set_up_run(qtbot, window, epochs=epochs, batch_size=64)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)


def click_block(qtbot, inside, name):
    """Scroll the layer's block into view and click its middle; returns the layer's index."""
    stack = inside.stack
    (index,) = [i for i in range(INPUT, len(stack.layers)) if stack.label(i)[0].startswith(name)]
    rect = stack.block_rect(index)
    inside.stack_area.ensureVisible(rect.center().x(), rect.center().y())
    qtbot.mouseClick(stack, Qt.MouseButton.LeftButton, pos=rect.center())
    return index


def slide(qtbot, slider, key):
    """Click the slider's handle area, then move it with the keyboard."""
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(2, slider.height() // 2))
    qtbot.keyClick(slider, key)


def hover(qtbot, grid, tile):
    """Move the mouse over a tile's centre; the grid's line reads the value there."""
    pos = grid.graphics.mapFromScene(grid.tile_centre(tile))
    qtbot.mouseMove(grid.graphics.viewport(), pos)
    qtbot.waitUntil(lambda: grid.hover.text().startswith(("map", "filter", "unit")))
    return grid.hover.text()


def heat_shown(picture):
    return picture.heat.image is not None and picture.heat.isVisible()


def test_the_inside_tab_fills_live_and_answers_clicks(qtbot, small_window):
    window, inside, presenter = small_window, small_window.inside, small_window.inside_presenter
    width = window.width()
    click_tab(qtbot, window.view_tabs, inside)
    assert inside.notice.text() == BEFORE_ANY_RUN
    assert len(inside.stack.layers) == len(window.model_panel.layers)  # drawn before any run

    set_up_run(qtbot, window, epochs=3, batch_size=64)
    click_tab(qtbot, window.view_tabs, inside)
    click(qtbot, window.train_button)
    qtbot.waitUntil(lambda: inside.grid.shown > 0, timeout=60_000)  # the first epoch's end
    assert inside.picture.has_image and len(inside.bars.top) == 5
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    qtbot.waitUntil(lambda: inside.epoch_label.text() == "epoch 3 of 3")
    assert [s.epoch for s in presenter.snapshots] == [1, 2, 3]

    conv2 = click_block(qtbot, inside, "conv2")
    assert inside.stack.chosen == conv2 and inside.grid.shown == 16  # its 16 channels
    assert inside.map_title.text().startswith("conv2: 16 maps of 10 x 10")
    assert "convolution" in inside.explanation.text()
    conv1 = click_block(qtbot, inside, "conv1")
    assert inside.grid.shown == 6
    reading = hover(qtbot, inside.grid, 2)
    shown = presenter.shown()
    x, y, value = re.fullmatch(r"map 2 at \((\d+), (\d+)\): (.+)", reading).groups()
    assert value == f"{float(shown.maps[conv1][2][int(y), int(x)]):.2f}"

    fc3 = click_block(qtbot, inside, "fc3")  # the class scores: a square of 10 values
    assert "scores of the 10 classes" in inside.explanation.toolTip() + inside.explanation.text()
    x, y, tile_width, tile_height = inside.grid.tile_rect(0)
    second_row = inside.grid.view.mapViewToScene(
        QPointF(x + 1.5 * tile_width / 4, y + 1.5 * tile_height / 4)
    )
    name, value = inside.grid.describe_at(second_row).split(": ")  # what hovering there reads
    unit = presenter.class_names.index(name)
    assert value == f"{float(shown.maps[fc3][unit]):.3g}"  # that class's score
    click_block(qtbot, inside, "conv1")

    click(qtbot, inside.filters_box)  # the first layer's filters, in colour
    assert inside.map_title.text().startswith("conv1: 6 filters of 3 x 5 x 5")
    assert inside.grid.shown == 6 and inside.grid.tiles[0].values.shape == (5, 5, 3)
    click(qtbot, inside.filters_box)

    assert heat_shown(inside.picture) and "Grad-CAM on conv2" in inside.overlay_label.text()
    slide(qtbot, inside.opacity, Qt.Key.Key_Home)
    assert inside.opacity.value() == 0 and inside.picture.heat.opacity() == 0
    qtbot.keyClick(inside.opacity, Qt.Key.Key_PageUp)
    assert 0 < inside.picture.heat.opacity() < 1

    unlikely = int(np.argmin(shown.probabilities))  # where would it look for that class?
    name = presenter.class_names[unlikely]
    choose(qtbot, inside.target_box, name)
    qtbot.waitUntil(lambda: f"looks for {name}" in inside.overlay_label.text(), timeout=30_000)
    cam = presenter.heats[("cam", "probe", presenter.probe, unlikely)]
    assert np.array_equal(inside.picture.heat.image, cam)
    assert not np.allclose(cam, shown.cam, atol=0.01)  # not where it looks for its prediction

    click(qtbot, inside.occlusion_button)
    qtbot.waitUntil(lambda: inside.overlay_label.text().startswith("Occlusion"), timeout=30_000)
    heat = presenter.heats[("occlusion", "probe", presenter.probe, unlikely)]
    assert heat.shape == shown.image.shape[1:] and heat.min() >= 0 and heat.max() <= 1
    assert np.array_equal(inside.picture.heat.image, heat)
    click(qtbot, inside.cam_button)
    assert "Grad-CAM" in inside.overlay_label.text()

    latest = inside.grid.tiles[0].values.copy()
    slide(qtbot, inside.epoch_slider, Qt.Key.Key_Home)  # back to the first epoch
    assert inside.epoch_label.text() == "epoch 1 of 3"
    first = presenter.snapshots[0].maps[conv1][presenter.probe][0].astype(np.float32)
    assert np.array_equal(inside.grid.tiles[0].values, first)
    assert not np.array_equal(first, latest)  # the maps changed as it learned

    qtbot.wait(50)  # let a relayout happen if anything asked for one
    assert inside_its_screen(window), (window.frameGeometry(), window.screen().availableGeometry())
    assert window.width() <= width
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=30_000)


def test_choosing_a_class_or_a_random_image_and_dropping_a_file(qtbot, small_window, tmp_path):
    window, inside, presenter = small_window, small_window.inside, small_window.inside_presenter
    train(qtbot, window, epochs=1)
    click_tab(qtbot, window.view_tabs, inside)
    qtbot.waitUntil(lambda: inside.grid.shown > 0)

    probes = list(presenter.snapshots[0].labels)
    choose(qtbot, inside.class_box, presenter.class_names[probes[1]])  # a recorded image
    assert presenter.probe == 1 and inside.bars.true_name == presenter.class_names[probes[1]]

    click(qtbot, inside.random_button)  # a validation image, looked at on a job thread
    qtbot.waitUntil(lambda: presenter.probe is None and presenter.look is not None, timeout=30_000)
    label = presenter.look.label
    assert inside.class_box.currentText() == presenter.class_names[label]
    assert inside.bars.true_name == presenter.class_names[label]
    layer = click_block(qtbot, inside, "pool2")
    assert inside.grid.shown == 16 and inside.map_title.text().endswith("the newest network")
    assert len(presenter.look.explanation.maps[layer]) == 16

    picture = tmp_path / "dropped.png"
    data = window.dataset.current().data
    Image.fromarray(data.val_images[3].numpy().transpose(1, 2, 0)).save(picture)
    drop(inside, [picture])
    qtbot.waitUntil(lambda: presenter.look.label is None, timeout=30_000)
    assert np.array_equal(presenter.look.explanation.image, data.val_images[3].numpy())
    assert inside.class_box.currentIndex() == 0  # its class is not known

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    drop(inside, [broken])
    qtbot.waitUntil(lambda: len(window.warnings) == 1, timeout=30_000)
    title, text = window.warnings[0]
    assert title == "Cannot look inside" and "broken.png" in text and "\n" not in text
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=30_000)


def drop(widget, paths):
    """Drag files over `widget` and let go, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(widget.rect().center())
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        centre.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    dropped = QDropEvent(centre, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    QApplication.sendEvent(widget, dropped)


def test_runs_show_replays_a_past_run_from_its_folder(qtbot, small_window):
    window, inside, presenter = small_window, small_window.inside, small_window.inside_presenter
    train(qtbot, window, epochs=2)
    run_dir = window.presenter.run_dir
    saved = load_snapshots(run_dir)
    assert [s.epoch for s in saved] == [1, 2]

    click_run(qtbot, window)
    show = window.runs_view.buttons["open"]
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton, pos=show.rect().center())
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Showing"), timeout=10_000)
    click_tab(qtbot, window.view_tabs, inside)
    qtbot.waitUntil(lambda: inside.notice.text().endswith("2 epoch(s) recorded."), timeout=30_000)
    assert presenter.run_dir == run_dir and inside.epoch_label.text() == "epoch 2 of 2"
    conv1 = click_block(qtbot, inside, "conv1")
    assert np.array_equal(
        inside.grid.tiles[0].values, saved[1].maps[conv1][presenter.probe][0].astype(np.float32)
    )
    slide(qtbot, inside.epoch_slider, Qt.Key.Key_Home)
    assert np.array_equal(
        inside.grid.tiles[0].values, saved[0].maps[conv1][presenter.probe][0].astype(np.float32)
    )
    assert inside_its_screen(window)
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=30_000)


def test_occlusion_left_on_is_computed_for_a_run_shown_afterwards(qtbot, small_window):
    """It said "Hiding each part of the image in turn..." for ever (the newcomer's trial)."""
    window, inside = small_window, small_window.inside
    train(qtbot, window, epochs=2)
    click_tab(qtbot, window.view_tabs, inside)
    click(qtbot, inside.occlusion_button)
    qtbot.waitUntil(lambda: inside.overlay_label.text().startswith("Occlusion"), timeout=30_000)

    click_run(qtbot, window)
    show = window.runs_view.buttons["open"]
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton, pos=show.rect().center())
    click_tab(qtbot, window.view_tabs, inside)
    qtbot.waitUntil(lambda: inside.notice.text().endswith("2 epoch(s) recorded."), timeout=30_000)
    qtbot.waitUntil(lambda: inside.overlay_label.text().startswith("Occlusion"), timeout=30_000)
    assert heat_shown(inside.picture)
    slide(qtbot, inside.epoch_slider, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: inside.overlay_label.text().startswith("Occlusion"), timeout=30_000)
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=30_000)


def test_an_extended_run_replays_its_earlier_epochs_too(qtbot, small_window):
    window, inside, presenter = small_window, small_window.inside, small_window.inside_presenter
    train(qtbot, window, epochs=1)
    run_dir = window.presenter.run_dir
    click_run(qtbot, window)
    view = window.runs_view
    view.more_epochs.setFocus()
    qtbot.keyClick(view.more_epochs, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.more_epochs, "1")
    click(qtbot, view.buttons["extend"])
    click_tab(qtbot, window.view_tabs, inside)
    # The run starts once its checkpoint is read (a job): wait for its end, not for "not yet".
    finished = "Finished after 2 epochs in "
    qtbot.waitUntil(lambda: finished in window.progress_label.text(), timeout=60_000)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    qtbot.waitUntil(lambda: inside.epoch_label.text() == "epoch 2 of 2", timeout=30_000)
    assert presenter.run_dir == run_dir and [s.epoch for s in presenter.snapshots] == [1, 2]
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=30_000)


def test_a_past_run_without_recordings_is_looked_at_with_its_last_network(qtbot, small_window):
    window, inside, presenter = small_window, small_window.inside, small_window.inside_presenter
    train(qtbot, window, epochs=1)
    run_dir = window.presenter.run_dir
    for path in (run_dir / "inside").iterdir():  # as a run trained before they were kept
        path.unlink()
    (run_dir / "inside").rmdir()

    click_run(qtbot, window)
    click(qtbot, window.runs_view.buttons["open"])
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Showing"), timeout=10_000)
    click_tab(qtbot, window.view_tabs, inside)
    qtbot.waitUntil(lambda: presenter.look is not None, timeout=30_000)
    assert "kept no pictures of its epochs" in inside.notice.text()
    assert presenter.snapshots == [] and not inside.epoch_slider.isEnabled()
    assert inside.grid.shown > 0 and inside.picture.has_image
    assert inside.image_caption.text().startswith("a validation image, a ")
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=30_000)


def test_why_under_a_mistake_opens_it_in_the_inside_tab(qtbot, small_window):
    window, inside, presenter = small_window, small_window.inside, small_window.inside_presenter
    train(qtbot, window, epochs=1)
    click_tab(qtbot, window.view_tabs, inside)
    click(qtbot, inside.map_button)  # the tab was left on its map
    click_tab(qtbot, window.view_tabs, window.mistakes)
    grid = window.mistakes.grid
    qtbot.waitUntil(lambda: grid.grid.count() > 1)
    second = grid.grid.itemAt(1).widget()
    why = next(b for b in second.findChildren(QPushButton) if b.text() == "why?")
    qtbot.waitUntil(why.isVisible)
    with qtbot.waitSignal(window.mistakes.explain_requested) as asked:
        click(qtbot, why)
    image, label = asked.args
    assert window.view_tabs.currentWidget() is inside
    assert inside.pages.currentIndex() == 0 and inside.layers_button.isChecked()  # the layers
    assert inside.class_box.currentText() == presenter.class_names[label]
    qtbot.waitUntil(lambda: presenter.look is not None, timeout=30_000)
    assert np.array_equal(presenter.look.explanation.image, image)
    assert inside.bars.true_name == presenter.class_names[label]
    assert inside.image_caption.text() == f"a validation image, a {presenter.class_names[label]}"
    predicted = presenter.class_names[int(np.argmax(presenter.look.explanation.probabilities))]
    assert predicted != presenter.class_names[label]  # a mistake: the bars show what it thought
    assert inside.bars.top[0][0] == predicted
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=30_000)


def test_the_map_of_all_images_is_drawn_and_pointing_at_a_dot_shows_its_image(qtbot, small_window):
    window, inside = small_window, small_window.inside
    width = window.width()
    click_tab(qtbot, window.view_tabs, inside)
    click(qtbot, inside.map_button)
    view = inside.map
    assert view.isVisible() and not view.draw_button.isEnabled()  # no network yet
    train(qtbot, window, epochs=2)
    click(qtbot, inside.layers_button)  # away and back: the page looks again
    click(qtbot, inside.map_button)
    qtbot.waitUntil(view.draw_button.isEnabled)
    click(qtbot, view.draw_button)
    qtbot.waitUntil(lambda: view.data is not None, timeout=30_000)
    validation = window.inside_presenter.pool[1]
    assert len(view.data.labels) == len(validation) == 100
    np.testing.assert_array_equal(view.data.labels, validation)
    assert view.summary.text().startswith("Epoch 2: 100 validation images")

    view_box = view.plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view_box.viewRange()[0][1] > view_box.viewRange()[0][0])
    row = int(view.data.points[:, 0].argmax())  # the rightmost dot: clear of the legend
    dot = view.plot.mapFromScene(view_box.mapViewToScene(QPointF(*view.data.points[row])))
    # From elsewhere first: the pointer may already rest where the dot is (no move, no event).
    qtbot.mouseMove(view.plot.viewport(), dot + QPoint(3, 3))
    qtbot.mouseMove(view.plot.viewport(), dot)
    qtbot.waitUntil(lambda: "(right)" in view.caption.text() or "predicted" in view.caption.text())
    assert not view.thumbnail.pixmap().isNull()
    assert window.width() == width and inside_its_screen(window)
