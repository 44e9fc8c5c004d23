"""Comparing runs in the Runs tab as a person does: click a run, Ctrl+click others, read what
differs, overlay their per-batch curves, and point at dots of a setting-against-accuracy scatter."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.runs.labels import write_label
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.gui.views.run_compare import RunComparison, shown_names
from cnnstudio.gui.views.run_scatter import SettingScatter
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
    qtbot.waitUntil(lambda: comparison.graphics.height() >= 150)  # laid out anew
    assert inside_its_screen(window)


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
    assert [label for _place, label in ticks] == ["0.001", "0.01", "0.05"]  # c's start, log axis

    scatter.setting.setFocus()
    qtbot.keyClick(scatter.setting, Qt.Key.Key_Down)
    assert scatter.setting.currentText() == "optimizer"
    ticks = scatter.plot.getAxis("bottom")._tickLevels[0]
    assert [label for _place, label in ticks] == ["adam", "sgd"]
    adam = sorted(p.pos().x() for p in scatter.dots.points() if p.data().value == "adam")
    assert len(adam) == 2 and -0.3 < adam[0] < adam[1] < 0.3  # side by side, not on each other

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


def test_two_runs_of_one_name_are_told_apart_in_whole_headers_given_most_of_the_height(
    qtbot, window, runs
):
    view, comparison = window.runs_view, window.runs_view.comparison
    write_label(runs["b"], name="run a")  # two runs of one name, as a queue's once were
    window.runs.refresh_runs()
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=10_000)
    click_run(qtbot, view, runs["a"])
    one_run_height = comparison.height()
    click_run(qtbot, view, runs["b"], Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: comparison.graphics.height() >= 200)  # most of the height
    table = comparison.differences
    metrics = table.horizontalHeader().fontMetrics()
    tips = []
    for column in (1, 2):
        header = table.horizontalHeaderItem(column)
        text, tip = header.text(), header.toolTip()
        assert tip.startswith("run a (") and tip.endswith(")")  # the folder tells them apart
        assert metrics.horizontalAdvance(text) <= table.horizontalHeader().sectionSize(column)
        assert text == tip or (text[:4] == tip[:4] and text[-8:] == tip[-8:])  # cut in the middle
        tips.append(tip)
    assert tips[0] != tips[1]
    key = comparison.key
    assert key.height() >= key.heightForWidth(key.width())  # the legend wraps, nothing cut
    assert comparison.height() > one_run_height and comparison.height() > 0.55 * view.height()
    assert inside_its_screen(window)
    click_run(qtbot, view, runs["a"])  # one run again: the table gets its room back
    assert comparison.height() == one_run_height


def test_compare_in_a_window_shows_the_selected_runs_large(qtbot, window, runs):
    view = window.runs_view
    click_run(qtbot, view, runs["a"])
    click_run(qtbot, view, runs["c"], Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(view.buttons["compare"], Qt.MouseButton.LeftButton)
    dialog = view.comparison_window
    qtbot.waitExposed(dialog)
    comparison = dialog.findChild(RunComparison)
    settings = [comparison.differences.item(row, 0).text() for row in range(3)]
    assert settings == ["lr", "optimizer", "epochs"]
    assert comparison.differences.item(0, 1).text() == "0.01"
    assert comparison.graphics.height() >= 400 and dialog.width() >= 900
    assert dialog.screen().availableGeometry().contains(dialog.frameGeometry())
    assert dialog.windowTitle() == "run a and PyTorch tutorial CNN on shapes"

    press(qtbot, window, Qt.Key.Key_F2)  # renamed in the table: the window follows
    editor = QApplication.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "sgd run")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "sgd run" in comparison.key.text())
    assert dialog.windowTitle() == "run a and sgd run"

    qtbot.mouseClick(view.buttons["compare"], Qt.MouseButton.LeftButton)  # opened anew
    assert view.comparison_window is not dialog
    qtbot.waitUntil(lambda: view.comparison_window is not None)
    view.comparison_window.close()
    qtbot.waitUntil(lambda: view.comparison_window is None)


def test_dots_of_equal_value_are_counted(qtbot, tmp_path):
    scatter = SettingScatter()
    qtbot.addWidget(scatter)
    records = [
        RunRecord(tmp_path / str(i), small_spec(optimizer={"lr": lr}), epochs, ["a", "b"])
        for i, (lr, epochs) in enumerate(
            [(0.01, [{"epoch": 1, "val_accuracy": 0.1}])] * 3
            + [(0.001, [{"epoch": 1, "val_accuracy": 0.1}])]
        )
    ]
    scatter.show_runs(records, ["one", "two", "three", "four"])
    assert [label.textItem.toPlainText() for label in scatter.counts] == ["x3"]
    assert scatter.counts[0].pos().x() == pytest.approx(-2)  # beside lr 0.01, on a log axis


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
