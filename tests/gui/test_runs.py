"""Runs in the window: saved folders, the runs list, showing, resuming, predicting, exporting,
and projects."""

import csv
import json

from cnnstudio.core.runs.checkpoint import read_checkpoint
from cnnstudio.gui.views.run_table import TITLES
from tests.datafiles import write_image
from tests.gui.test_main_window import set_epochs, train_and_wait


def metric_rows(folder):
    with open(folder / "metrics.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_run_is_saved_listed_shown_used_and_exported(qtbot, window, tmp_path):
    set_epochs(window, 1)
    train_and_wait(qtbot, window)
    (run_dir,) = window.runs.runs_dir.iterdir()
    assert (run_dir / "best.pt").exists() and len(metric_rows(run_dir)) == 1
    assert str(run_dir) in window.progress_label.text()
    runs = window.runs_view
    qtbot.waitUntil(lambda: runs.table.rowCount() == 1, timeout=10_000)  # listed off the GUI thread
    assert runs.table.item(0, TITLES.index("status")).text() == "completed"
    assert runs.table.item(0, TITLES.index("optimizer")).text() == "adam"
    assert runs.table.item(0, TITLES.index("lr")).text() == "0.001"
    assert runs.selected()[0].folder == run_dir  # the run just trained is selected
    assert runs.buttons["export"].isEnabled() and not runs.buttons["resume"].isEnabled()

    window.curves.clear()
    runs.buttons["open"].click()
    qtbot.waitUntil(lambda: window.curves.series["loss:val"].count == 1, timeout=10_000)
    assert window.progress_label.text() == f"Showing {run_dir.name}: 1 epoch."

    images = [write_image(tmp_path / f"photo{i}.png", (50, 40), value=40 * i) for i in (1, 2)]
    window.open_dropped(images)
    qtbot.waitUntil(lambda: hasattr(window.runs, "prediction_dialog"), timeout=10_000)
    rows = window.runs.prediction_dialog.rows
    assert len(rows) == 2 and rows[0].startswith("photo1.png: ") and rows[0].count("%") == 3

    runs.buttons["export"].click()
    dialog = window.runs.export_dialog
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("torchscript"))
    dialog.path_edit.setText(str(tmp_path / "net.pt"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=30_000)
    assert "agrees on 64/64 held-out validation images" in dialog.result_label.text()
    assert (tmp_path / "net.pt.meta.json").exists()

    window.runs.save_report(run_dir, tmp_path / "report.html")
    qtbot.waitUntil(lambda: (tmp_path / "report.html").exists(), timeout=10_000)
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=10_000)


def test_a_stopped_run_resumes_from_its_last_epoch(qtbot, window):
    set_epochs(window, 3, batch_size=16)
    window.train_button.click()
    qtbot.waitUntil(lambda: len(window.presenter.epochs) == 1, timeout=30_000)
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    (run_dir,) = window.runs.runs_dir.iterdir()
    assert read_checkpoint(run_dir / "last.pt").training.epochs_completed == 1
    runs = window.runs_view
    qtbot.waitUntil(lambda: runs.table.rowCount() == 1, timeout=10_000)
    assert (
        runs.table.item(0, TITLES.index("status")).text() == "stopped"
        and runs.buttons["resume"].isEnabled()
    )

    set_epochs(window, 7)  # the run goes on with its own settings, not these
    runs.buttons["resume"].click()
    qtbot.waitUntil(lambda: window.controller.running, timeout=10_000)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert [row["epoch"] for row in metric_rows(run_dir)] == ["1", "2", "3"]
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
    assert [e.epoch for e in window.presenter.epochs] == [1, 2, 3]  # earlier epochs shown again
    assert window.training_panel.training.editors["epochs"].value() == 3
    assert list(window.runs.runs_dir.iterdir()) == [run_dir]


def test_projects_save_open_and_refuse_damaged_files(qtbot, window, tmp_path):
    project = tmp_path / "lesson.cnnstudio"
    window.model_panel.add_layer("dropout")
    layers = list(window.model_panel.layers)
    assert window.save_project(project)
    assert window.windowTitle() == "cnnstudio - lesson.cnnstudio"
    assert window.runs.runs_dir == tmp_path / "runs"

    window.new_project()
    assert window.model_panel.layers != layers and window.project is None
    assert window.open_project(project)
    assert window.model_panel.layers == layers
    qtbot.waitUntil(lambda: window.train_button.isEnabled(), timeout=30_000)

    broken = tmp_path / "broken.cnnstudio"
    broken.write_text('{"format": "cnnstudio.project", "version": 1, "spec": {"layers": 3}}')
    assert not window.open_project(broken)
    assert window.warnings[-1][0] == "Cannot open the project"
    assert "broken.cnnstudio: spec.layers" in window.warnings[-1][1]
    assert window.project.path == project and window.model_panel.layers == layers
