"""Comparing runs in the Runs tab as a person does: click a run, Ctrl+click others, read what
differs, overlay their per-batch curves, and point at dots of a setting-against-accuracy scatter."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.runs.labels import write_label
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.gui.views.run_compare import shown_names
from tests.conftest import small_spec
from tests.core.test_compare import ChangeLr
from tests.gui.test_views import click_tab
from tests.gui.test_window_edits import press
from tests.gui.test_window_fits import inside_its_screen

BATCHES = 7  # 200 training images in batches of 32


RUNS = {"a": ("adam", 0.01, 2), "b": ("adam", 0.001, 2), "c": ("sgd", 0.05, 1)}


@pytest.fixture
def runs(qtbot, window, small_data):
    """Three real runs in the window's runs folder: a and b differ only in lr, c also in its
    optimizer and length, and its lr went from 0.05 to 0.02 at its third batch. Listed in the
    Runs tab, which is opened."""
    folders = {}
    for key, (optimizer, lr, epochs) in RUNS.items():
        spec = small_spec(optimizer={"name": optimizer, "lr": lr}, training={"epochs": epochs})
        control = TrainingControl()
        with RunSession.new(spec, runs_dir=window.runs.runs_dir) as session:
            session.train(small_data, control, [ChangeLr(control, 0.02)] if key == "c" else [])
        folders[key] = session.folder
    for key in "ab":  # renamed as a person does; c keeps its default name
        write_label(folders[key], name=f"run {key}")
    assert window.screen().name() == "small"  # the window opens on the 1024x768 screen
    click_tab(qtbot, window.view_tabs, window.runs_view)
    window.runs.refresh_runs()
    table = window.runs_view.table
    qtbot.waitUntil(lambda: table.rowCount() == 3, timeout=10_000)
    return folders


def click_run(qtbot, view, folder, modifier=Qt.KeyboardModifier.NoModifier):
    row = [record.folder for record in view.records].index(folder)
    cell = view.table.visualRect(view.table.model().index(row, 0)).center()
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, modifier, cell)


def test_two_runs_show_what_differs_and_their_batches_overlaid(qtbot, window, runs):
    view, comparison = window.runs_view, window.runs_view.comparison
    assert comparison.pages.currentWidget() is comparison.hint
    assert comparison.hint.text().startswith("Select runs above to compare them")

    click_run(qtbot, view, runs["a"])
    assert [c.xData.size for c in comparison.smooth_curves] == [2 * BATCHES] * 2  # loss, accuracy
    assert not comparison.differences.isVisible()

    click_run(qtbot, view, runs["b"], Qt.KeyboardModifier.ControlModifier)
    table = comparison.differences
    assert table.isVisible() and table.rowCount() == 1
    cells = [table.item(0, column).text() for column in range(3)]
    headers = [table.horizontalHeaderItem(column).text() for column in (1, 2)]
    assert cells[0] == "lr"
    assert dict(zip(headers, cells[1:], strict=True)) == {"run a": "0.01", "run b": "0.001"}
    assert len(comparison.smooth_curves) == 4  # each run's loss and accuracy
    loss_plot = comparison.plots["loss"]
    assert sum(item.xData.size == 2 * BATCHES for item in loss_plot.listDataItems()) == 4
    assert "run a" in comparison.key.text() and "run b" in comparison.key.text()
    assert comparison.graphics.height() >= 150 and inside_its_screen(window)


def test_many_runs_scatter_a_chosen_setting_and_name_the_run_pointed_at(qtbot, window, runs):
    view, scatter = window.runs_view, window.runs_view.comparison.scatter
    for key in "abc":
        click_run(qtbot, view, runs[key], Qt.KeyboardModifier.ControlModifier)
    assert window.runs_view.comparison.pages.currentWidget() is scatter
    assert len(scatter.dots.points()) == 3
    choices = [scatter.setting.itemText(i) for i in range(scatter.setting.count())]
    assert choices == ["lr", "optimizer", "epochs", "parameters", "epochs trained"]
    assert scatter.setting.currentText() == "lr"
    ticks = scatter.plot.getAxis("bottom")._tickLevels[0]
    assert [label for _place, label in ticks] == ["0.001", "0.01", "0.02"]  # a log axis

    scatter.setting.setFocus()
    qtbot.keyClick(scatter.setting, Qt.Key.Key_Down)
    assert scatter.setting.currentText() == "optimizer"
    ticks = scatter.plot.getAxis("bottom")._tickLevels[0]
    assert [label for _place, label in ticks] == ["adam", "sgd"]

    sgd = next(p for p in scatter.dots.points() if p.data().value == "sgd")
    graphics = scatter.graphics
    qtbot.waitUntil(lambda: graphics.viewport().rect().contains(dot_position(scatter, sgd)))
    qtbot.mouseMove(graphics.viewport(), dot_position(scatter, sgd) + QPoint(25, -25))
    steps = iter(range(1000))

    def pointed_at() -> bool:
        # pyqtgraph drops moves that come within 10 ms of the last: the hand moves on a
        # pixel while it waits, as a hand does, staying on the dot.
        jitter = QPoint(next(steps) % 2, 0)
        qtbot.mouseMove(graphics.viewport(), dot_position(scatter, sgd) + jitter)
        return scatter.pointed.text().startswith("PyTorch tutorial CNN on shapes: sgd, best ")

    qtbot.waitUntil(pointed_at)
    assert scatter.plot.vb.toolTip().startswith("PyTorch tutorial CNN on shapes\n")
    assert inside_its_screen(window)


def test_one_run_marks_its_changes_and_one_from_before_batches_has_validation_points(
    qtbot, window, runs
):
    comparison = window.runs_view.comparison
    click_run(qtbot, window.runs_view, runs["c"])
    assert [c.xData.size for c in comparison.smooth_curves] == [BATCHES] * 2
    assert not comparison.note.isVisible()
    marker, _accuracy_marker = comparison.markers
    assert marker.value() == pytest.approx(3 / BATCHES)  # the first batch at the new rate
    assert marker.label.format == "lr 0.05 -> 0.02"

    (runs["c"] / "batches.csv").unlink()
    click_run(qtbot, window.runs_view, runs["b"])
    click_run(qtbot, window.runs_view, runs["c"])
    assert comparison.pages.currentIndex() == 1 and comparison.smooth_curves == []
    assert comparison.note.isVisible()
    assert comparison.note.text().startswith("No per-batch curve for PyTorch tutorial CNN on")
    validation = comparison.plots["accuracy"].listDataItems()
    assert [item.yData.size for item in validation] == [1]
    assert comparison.markers[0].value() == 0  # without batches: its epoch's start


def test_a_run_renamed_with_f2_is_compared_under_its_new_name(qtbot, window, runs):
    view, comparison = window.runs_view, window.runs_view.comparison
    click_run(qtbot, view, runs["a"])
    click_run(qtbot, view, runs["b"], Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "fast one")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "fast one" in comparison.key.text())
    headers = [comparison.differences.horizontalHeaderItem(c).toolTip() for c in (1, 2)]
    assert "fast one" in headers and "run a" in headers  # the current run was renamed
    assert "run b" not in comparison.key.text()
    assert len(view.selected()) == 2  # both still compared


def dot_position(scatter, point) -> QPoint:
    scene = scatter.plot.vb.mapViewToScene(point.pos())
    return scatter.graphics.mapFromScene(scene)


def test_runs_of_one_name_are_told_apart_by_their_folders(tmp_path):
    spec = small_spec()
    records = [RunRecord(tmp_path / name, spec, [], []) for name in ("first", "second", "third")]
    write_label(tmp_path / "third", name="mine")
    assert shown_names(records) == [
        "PyTorch tutorial CNN on shapes (first)",
        "PyTorch tutorial CNN on shapes (second)",
        "mine",
    ]
