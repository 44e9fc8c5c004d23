"""The window starts whatever its last project holds, and refuses a network too big to train."""

import pytest
from PySide6.QtCore import QSettings

from cnnstudio.core.spec.project import Project, save_project
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.app import create_application

# Each setting in range; together some 4 TB of weights, even for a batch of one image.
HUGE = [
    {"type": "conv2d", "out_channels": 4096, "padding": 1},
    {"type": "flatten"},
    {"type": "linear", "out_features": 65536},
    {"type": "linear"},
]


@pytest.fixture
def start_window(qtbot, tmp_path, monkeypatch):
    """Start the real window as after a restart: with `project` as the last-opened project."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    from cnnstudio.gui.main_window import MainWindow

    windows = []

    def start(project, spec=None):
        settings = QSettings()
        settings.setValue("project", str(project))
        if spec is not None:  # the project's spec as the window saved it when it closed
            settings.setValue("spec", spec.to_json())
        settings.sync()
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield start
    for window in windows:
        window.close()


def test_window_starts_when_the_last_project_is_nested_100k_deep(start_window, tmp_path):
    project = tmp_path / "deep.cnnstudio"
    project.write_text("[" * 100_000 + "]" * 100_000)
    window = start_window(project)  # raised RecursionError: the window could not start at all
    assert window.project is None and window.isVisible()


def test_window_refuses_a_network_too_big_for_memory_before_training(qtbot, start_window, tmp_path):
    spec = RunSpec.from_dict({"layers": HUGE})
    save_project(Project(tmp_path / "huge.cnnstudio", spec))
    window = start_window(tmp_path / "huge.cnnstudio", spec)
    qtbot.waitUntil(lambda: window.loaded is not None, timeout=30_000)
    assert window.model_panel.layers == spec.layers
    assert not window.train_button.isEnabled()
    reason = window.train_button.toolTip()
    assert reason.startswith("The layer stack: training it needs about ") and "TB" in reason
    assert "is free" in window.model_panel.problem_box.text.text()  # shown in the Model tab
