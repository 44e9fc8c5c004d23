"""The window is shown before torch is imported, and Train waits until the data is there.

`import torch` takes ~1.5 s on a 2-core machine; done by the GUI thread it held the window back
(issue 10: 7-15 s to the window). It must happen on a job thread, after the window is built.
Run in a fresh interpreter: this test process imported torch long ago.
"""

import json
import os
import subprocess
import sys

STARTUP = """
import json, sys, tempfile, threading
from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest

first_importer = []


class WatchTorch:  # sees the first `import torch`, whoever asks
    def find_spec(self, name, path=None, target=None):
        if name == "torch" and not first_importer:
            first_importer.append(threading.current_thread().name)
        return None


sys.meta_path.insert(0, WatchTorch())
from cnnstudio.gui.app import create_application

app = create_application([])
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
from cnnstudio.gui.main_window import MainWindow

window = MainWindow()
window.show()
train_enabled_while_loading, lines_while_loading = [], set()
for _ in range(6000):  # up to 2 minutes
    if window.loaded is not None and window.train_button.isEnabled():
        break
    train_enabled_while_loading.append(window.loaded is None and window.train_button.isEnabled())
    lines_while_loading.add(window.progress_label.text())
    QTest.qWait(20)
print(json.dumps({
    "first_importer": first_importer,
    "gui_thread": threading.main_thread().name,
    "ready": window.train_button.isEnabled(),
    "train_enabled_while_loading": any(train_enabled_while_loading),
    "devices": window.training_panel.device.count(),
    "lines_while_loading": sorted(lines_while_loading),
    "line_when_ready": window.progress_label.text(),
}))
window.close()
"""


def test_torch_is_imported_off_the_gui_thread_and_train_waits_for_the_data(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", STARTUP], capture_output=True, text=True, env=env, timeout=180
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["first_importer"] and report["first_importer"][0] != report["gui_thread"]
    assert report["ready"] and not report["train_enabled_while_loading"]
    assert report["devices"] >= 2  # "Automatic" and the CPU, at least
    # The line under the buttons says what is happening, not "Ready." before it is.
    assert report["lines_while_loading"] == ["Loading the dataset..."]
    assert report["line_when_ready"] == "Ready."
