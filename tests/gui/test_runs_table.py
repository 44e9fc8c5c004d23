"""The Runs tab as a comparison table (issue 13): sorted by a click on a column title, numbers as
numbers; renamed with F2 and notes typed in place, kept in run.json; deleted to the system trash
after a confirmation; the name and best accuracy in sight at 1024x768."""

import json
import shutil
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from cnnstudio.core.runs.labels import LABEL_FILE
from cnnstudio.core.runs.lock import RunLock
from cnnstudio.gui.views.run_table import TITLES
from tests.conftest import small_spec
from tests.gui.people import when_dialog_opens
from tests.gui.test_window_edits import press
from tests.gui.test_window_fits import inside_its_screen

# Three real run folders, trained by the core's run writer in another process (torch stays off the
# window's GUI thread): learning rates whose text order is not their numeric order, two networks.
TRAIN = """
import json, sys
from pathlib import Path
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.spec.run_spec import RunSpec
for folder, spec in json.loads(sys.stdin.read()):
    with RunSession.new(RunSpec.from_dict(spec), Path(folder)) as session:
        session.train(session.load_data())
"""
LENET = {"preset": "lenet5", "input": {"size": 28, "channels": 1}}
RUNS = {
    "20260101-100000-shapes": {"optimizer": {"lr": 0.02}},
    "20260101-110000-shapes": {"optimizer": {"lr": 1e-5}, "batch_size": 16},
    "20260101-120000-shapes": {"optimizer": {"lr": 0.003}, **LENET},
}


def spec_of(settings):
    training = {"epochs": 1, "batch_size": settings.get("batch_size", 32)}
    spec = small_spec(training=training, optimizer=settings["optimizer"]).to_dict()
    if "preset" in settings:
        from cnnstudio.core.model.presets import get_preset

        spec["layers"] = [layer.to_dict() for layer in get_preset(settings["preset"]).layers]
        spec["input"] = settings["input"]
    return spec


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    where = tmp_path_factory.mktemp("trained")
    jobs = [(str(where / name), spec_of(settings)) for name, settings in RUNS.items()]
    subprocess.run([sys.executable, "-c", TRAIN], input=json.dumps(jobs), text=True, check=True)
    return where


@pytest.fixture
def listed(qtbot, window, trained):
    """The window's Runs tab listing copies of the three runs."""
    runs_dir = window.runs.runs_dir
    for name in RUNS:
        shutil.copytree(trained / name, runs_dir / name)
    window.runs.refresh_runs()
    window.view_tabs.setCurrentWidget(window.runs_view)
    table = window.runs_view.table
    qtbot.waitUntil(lambda: table.rowCount() == len(RUNS), timeout=10_000)
    return window.runs_view


def double_click(qtbot, table, row, title):
    """Two clicks in a row on a cell, as a person double-clicks."""
    index = table.model().index(row, column(title))
    table.scrollTo(index)
    where = table.visualRect(index).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)


def column(title):
    return TITLES.index(title)


def shown(view, title):
    return [view.table.item(row, column(title)).text() for row in range(view.table.rowCount())]


def click_cell(qtbot, table, row, title, modifier=Qt.KeyboardModifier.NoModifier):
    index = table.model().index(row, column(title))
    table.scrollTo(index)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, modifier, table.visualRect(index).center()
    )


def click_header(qtbot, table, title):
    table.scrollTo(table.model().index(0, column(title)))
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column(title)) + header.sectionSize(column(title)) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def saved_label(folder):
    path = folder / LABEL_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def row_of(view, name):
    return [record.folder.name for record in view.records].index(name)


def answer(qtbot, button, seen):
    """The next question is answered with `button` ("" for Cancel); its text goes to `seen`."""

    def act(box):
        seen.append(box.text())
        wanted = box.button(QMessageBox.StandardButton.Cancel) if not button else None
        for candidate in box.buttons():
            if candidate.text() == button:
                wanted = candidate
        qtbot.mouseClick(wanted, Qt.MouseButton.LeftButton)

    when_dialog_opens(QMessageBox, act)


def test_a_click_on_a_title_sorts_numbers_as_numbers_and_keeps_the_selection(qtbot, listed):
    view, table = listed, listed.table
    assert shown(view, "name")[0] == "LeNet-5 on shapes"  # newest first, named by preset
    assert "PyTorch tutorial CNN on shapes" in shown(view, "name")
    click_cell(qtbot, table, row_of(view, "20260101-110000-shapes"), "status")
    click_header(qtbot, table, "lr")
    assert shown(view, "lr") == ["1e-05", "0.003", "0.02"]  # as text, "1e-05" would come last
    assert [r.folder.name for r in view.selected()] == ["20260101-110000-shapes"]
    click_header(qtbot, table, "lr")
    assert shown(view, "lr") == ["0.02", "0.003", "1e-05"]
    click_header(qtbot, table, "parameters")  # the largest network first
    counts = [int(text.replace(",", "")) for text in shown(view, "parameters")]
    assert counts == sorted(counts, reverse=True) and counts[0] != counts[-1]
    assert [r.folder.name for r in view.selected()] == ["20260101-110000-shapes"]

    window = view.window()
    window.runs.refresh_runs()  # listed again: same order, same run selected
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=10_000)
    counts_again = [int(text.replace(",", "")) for text in shown(view, "parameters")]
    assert counts_again == counts
    assert [r.folder.name for r in view.selected()] == ["20260101-110000-shapes"]


def test_the_first_click_on_accuracy_parameters_or_time_puts_the_largest_on_top(qtbot, listed):
    view, table = listed, listed.table
    for title, key in (
        ("best val. accuracy", lambda text: float(text.rstrip("%"))),
        ("parameters", lambda text: int(text.replace(",", ""))),
        ("time", lambda text: [int(part) for part in text.split(":")]),
        ("lr", float),  # settings go smallest first
        ("time", lambda text: [int(part) for part in text.split(":")]),
    ):
        click_header(qtbot, table, title)
        values = [key(text) for text in shown(view, title)]
        assert values == sorted(values, reverse=title != "lr"), title
    assert table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_a_column_tells_runs_apart_by_their_batch_size(qtbot, listed):
    click_header(qtbot, listed.table, "batch size")
    assert shown(listed, "batch size") == ["16", "32", "32"]
    assert listed.records[0].folder.name == "20260101-110000-shapes"


def test_f2_renames_notes_are_typed_in_place_and_both_survive_a_refresh(qtbot, listed):
    view, table = listed, listed.table
    folder = view.records[1].folder
    click_cell(qtbot, table, 1, "dataset")
    press(qtbot, view.window(), Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == table.item(1, 0).text()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "small lr")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the editor hands its text over queued
    qtbot.waitUntil(lambda: saved_label(folder) == {"name": "small lr", "notes": ""})

    double_click(qtbot, table, 1, "notes")
    assert not view.window().jobs.busy()  # a double-click on the notes types; it shows nothing
    qtbot.keyClicks(QApplication.focusWidget(), "too slow")
    gone = view.records[2].folder
    shutil.rmtree(gone)  # the list changes while the notes are typed (a run ended, say)
    view.window().runs.refresh_runs()
    qtbot.waitUntil(lambda: not view.window().jobs.busy(), timeout=10_000)
    qtbot.keyClicks(QApplication.focusWidget(), " to learn")  # nothing typed was lost
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: saved_label(folder)["notes"] == "too slow to learn")
    assert saved_label(folder)["name"] == "small lr"
    qtbot.waitUntil(lambda: table.rowCount() == 2)  # the new listing, once the typing ended
    row = row_of(view, folder.name)
    assert table.item(row, column("name")).text() == "small lr"
    assert table.item(row, column("notes")).text() == "too slow to learn"

    click_cell(qtbot, table, row, "best val. accuracy")
    qtbot.mouseClick(view.buttons["rename"], Qt.MouseButton.LeftButton)
    editor = QApplication.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # no name: the default one again
    qtbot.waitUntil(lambda: saved_label(folder)["name"] == "")
    assert table.item(row, column("name")).text() == "PyTorch tutorial CNN on shapes"

    double_click(qtbot, table, row, "best val. accuracy")
    window = view.window()
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Showing"), timeout=10_000)
    assert folder.name in window.progress_label.text()


@pytest.fixture
def trash(tmp_path, monkeypatch):
    """The system trash of a home in the test's folder (the runs live under $XDG_DATA_HOME)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return tmp_path / "data" / "Trash"


def test_delete_moves_the_chosen_runs_to_the_trash_once_confirmed(
    qtbot, listed, trash, monkeypatch
):
    view, table = listed, listed.table
    names = [record.folder.name for record in view.records[:2]]
    folders = [record.folder for record in view.records[:2]]
    click_cell(qtbot, table, 0, "name")
    click_cell(qtbot, table, 1, "status", Qt.KeyboardModifier.ControlModifier)
    assert [r.folder.name for r in view.selected()] == names
    view.window().runs.refresh_runs()  # both stay selected when listed again
    qtbot.waitUntil(lambda: not view.window().jobs.busy(), timeout=10_000)
    assert [r.folder.name for r in view.selected()] == names

    seen = []
    answer(qtbot, "", seen)  # cancelled: nothing moves
    qtbot.mouseClick(view.buttons["delete"], Qt.MouseButton.LeftButton)
    assert "LeNet-5 on shapes" in seen[0] and all(name in seen[0] for name in names)
    assert all(folder.is_dir() for folder in folders) and not trash.exists()

    answer(qtbot, "Move to trash", seen)
    table.setFocus()
    press(qtbot, view.window(), Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=10_000)
    assert len(seen) == 2
    assert not any(folder.exists() for folder in folders)
    assert sorted(p.name for p in (trash / "files").iterdir()) == sorted(names)
    assert (trash / "files" / names[0] / "metrics.csv").exists()
    assert view.notice.text() == "Moved 2 runs to the trash."

    click_cell(qtbot, table, 0, "name")  # the next action: the notice was about the last
    qtbot.mouseClick(view.buttons["rename"], Qt.MouseButton.LeftButton)
    assert view.notice.text() == ""
    press(qtbot, view.window(), Qt.Key.Key_Escape)  # not renamed after all

    monkeypatch.setattr("cnnstudio.gui.views.runs.NOTICE_MS", 200)  # a while, made short
    answer(qtbot, "Move to trash", seen)
    qtbot.mouseClick(view.buttons["delete"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.notice.text() == "Moved 1 run to the trash.", timeout=10_000)
    assert "Move 1 run to the trash?" in seen[-1]
    qtbot.waitUntil(lambda: view.notice.text() == "")  # not left standing long after


def test_a_running_run_is_not_deleted_nor_anything_when_the_trash_is_unavailable(
    qtbot, listed, trash
):
    view, table, window = listed, listed.table, listed.window()
    folder = view.records[0].folder
    with RunLock(folder):  # another training writes into this run
        click_cell(qtbot, table, 0, "name")
        qtbot.mouseClick(view.buttons["delete"], Qt.MouseButton.LeftButton)
        assert window.warnings[-1][0] == "Cannot delete a running run"
        assert "Stop it first" in window.warnings[-1][1] and folder.is_dir()

    trash.parent.mkdir(exist_ok=True)
    trash.write_text("not a folder")  # no trash can be made here
    answer(qtbot, "Move to trash", [])
    table.setFocus()
    press(qtbot, window, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(window.warnings) == 2, timeout=10_000)
    title, text = window.warnings[-1]
    assert title == "Cannot move the runs to the trash" and "Nothing was deleted" in text
    assert folder.is_dir() and table.rowCount() == len(RUNS)


def test_the_name_and_best_accuracy_show_without_scrolling_at_1024x768(qtbot, listed):
    window, table = listed.window(), listed.table
    assert window.screen().geometry().size().toTuple() == (1024, 768)
    frame = window.frameGeometry().size() - window.size()
    for size in (window.size(), window.screen().availableGeometry().size() - frame):
        window.move(0, 0)  # as opened, then as large as the screen allows
        window.resize(size)
        QApplication.processEvents()
        assert inside_its_screen(window) and window.width() >= 900
        viewport = table.viewport().rect()
        for title in ("name", "best val. accuracy", "status"):
            for row in range(table.rowCount()):
                cell = table.visualRect(table.model().index(row, column(title)))
                assert viewport.contains(cell), (title, size)


def test_a_name_that_cannot_be_saved_is_said_and_the_name_on_disk_stays(qtbot, listed):
    view, table, window = listed, listed.table, listed.window()
    folder = view.records[0].folder
    (folder / LABEL_FILE).mkdir()  # a folder where run.json goes: nothing can be written there
    click_cell(qtbot, table, 0, "name")
    press(qtbot, window, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "mine")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.warnings))
    title, text = window.warnings[-1]
    assert title == "Cannot save the run's name" and str(folder / LABEL_FILE) in text
    assert table.item(0, column("name")).text() == "LeNet-5 on shapes"
