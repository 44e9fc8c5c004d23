"""Starting up: the self-test, the display check before Qt, logging without a console."""

import os
import subprocess
import sys

from cnnstudio.gui import display


def test_selftest_checks_window_training_checkpoint_and_prediction(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "selftest"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["ok"] * 7
    assert "trained one epoch on the worker thread" in result.stdout
    assert "in 2 DataLoader worker processes" in result.stdout
    assert lines[-1].startswith("selftest passed")


def test_no_display_is_explained_instead_of_a_qt_abort(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    assert "No display found" in display.display_problem()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display.display_problem() is None


def test_a_missing_xcb_library_is_named_with_its_package(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")

    def loader(path):
        raise OSError("libxcb-cursor.so.0: cannot open shared object file: No such file")

    monkeypatch.setattr(display.ctypes, "CDLL", loader)
    message = display.display_problem()
    assert "the system library libxcb-cursor.so.0 (package libxcb-cursor0) is missing" in message
    assert "sudo apt install libxcb-cursor0" in message


def test_without_a_console_output_goes_to_the_log_folder(tmp_path):
    code = (
        "import sys; sys.stdout = sys.stderr = None\n"
        "from cnnstudio.logs import setup_logging\n"
        "setup_logging(); print('printed'); sys.stderr.write('warned')\n"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    folder = tmp_path / "cnnstudio" / "log"
    assert (folder / "output.log").read_text() == "printed\nwarned"
    assert "cnnstudio 0." in (folder / "cnnstudio.log").read_text()


def test_garbage_is_collected_on_the_gui_thread_only(qtbot):
    """Cycles holding Qt widgets are never freed on a job thread (it deadlocks with Qt locks)."""
    import gc

    from cnnstudio.gui.app import create_application

    app = create_application([])
    assert not gc.isenabled()  # no collection wherever memory happens to be allocated
    timer = app.garbage_collector.timer
    assert timer.isActive() and timer.thread() is app.thread()
