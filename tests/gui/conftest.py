"""The real window, with settings isolated per test, on a small built-in dataset."""

import pytest
from PySide6.QtCore import QSettings

from cnnstudio.gui.app import create_application


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # runs go here, not in ~
    create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    from cnnstudio.gui.main_window import MainWindow

    warnings = []
    monkeypatch.setattr(
        "cnnstudio.gui.main_window.QMessageBox.warning",
        lambda parent, title, text: warnings.append((title, text)),
    )
    main = MainWindow()
    main.warnings = warnings
    qtbot.addWidget(main)
    main.show()
    options = main.dataset_panel.options_form.editors
    options["train_size"].setValue(400)
    options["val_size"].setValue(100)
    qtbot.waitUntil(
        lambda: main.loaded is not None and main.loaded.report.train_counts.sum() == 400,
        timeout=30_000,
    )
    yield main
    # A test fails if it leaves a thread running (stopped first: closing during a run asks).
    left_running = main.controller.running
    main.controller.shutdown()
    main.close()
    assert not left_running, "training thread left running"
    assert not main.jobs.busy(), "background job left running"
