"""The real window, with settings isolated per test, on a small built-in dataset.

Offscreen, the window lives on two screens side by side: a 1024x768 one at (0, 0), where windows
open, and a 1600x1000 one to its right (tests/gui/screens.json).
"""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from cnnstudio.gui.app import create_application
from cnnstudio.gui.panels.guidance import advanced_switch
from tests.gui.modal_watch import ModalWatch

if os.environ.get("QT_QPA_PLATFORM") == "offscreen":  # before the QApplication exists
    SCREENS = Path(__file__).with_name("screens.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS}"


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """The application, with its settings and data folders in the test's folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # runs go here, not in ~
    app = create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    # The switch lives as long as the application: a window closed in a lesson or in
    # presentation mode would otherwise keep the next test's advanced settings hidden.
    switch = advanced_switch()
    for holder in set(switch.holders):
        switch.hold_hidden(False, holder)
    return app


@pytest.fixture
def window(qtbot, isolated, monkeypatch):
    from cnnstudio.gui.main_window import MainWindow

    warnings = []
    monkeypatch.setattr(
        "cnnstudio.gui.main_window.QMessageBox.warning",
        lambda parent, title, text: warnings.append((title, text)),
    )
    watch = ModalWatch()
    main = MainWindow()
    main.warnings = warnings
    # Not qtbot.addWidget: pytest-qt would close the window before this fixture's teardown, and
    # closing during a run asks a modal question nobody answers once a test has failed mid-run.
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
    main.deleteLater()
    watch.stop()
    assert not watch.closed, f"a modal dialog nobody answered: {watch.closed}"
    assert not left_running, "training thread left running"
    assert not main.jobs.busy(), "background job left running"
