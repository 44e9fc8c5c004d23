"""Start-up imports only what it needs: heavy libraries load where they are used (issue 10).

`import torchvision` alone took ~1.6 s (it pulls in torch._dynamo), matplotlib a quarter second;
the window and the CLI's quick commands loaded both at every start. Each check runs in a fresh
interpreter, since this test process has long imported everything.
"""

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torchvision", "matplotlib", "onnx", "onnxscript", "onnxruntime", "scipy")


def loaded_after(code: str, **env: str) -> set[str]:
    """Top-level packages in sys.modules after running `code` in a fresh interpreter."""
    probe = (
        "import contextlib, io, json, sys\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_window_module_leaves_torch_and_heavy_libraries_unloaded():
    """The window is built and shown before torch is imported, on a job thread."""
    loaded = loaded_after("import cnnstudio.gui.main_window")
    assert not loaded & {"torch", *HEAVY}


@pytest.mark.parametrize(
    "command",
    ["--version", "layers", "spec", "presets", "datasets", "glossary lr", "lessons"],
)
def test_quick_commands_leave_torch_and_heavy_libraries_unloaded(command):
    """They need no tensors: torch (~1.5 s to import) stays out too."""
    code = (
        "from cnnstudio.__main__ import main\n"
        f"try:\n    main({command.split()!r})\nexcept SystemExit:\n    pass"
    )
    assert not loaded_after(code) & {"torch", *HEAVY}


def test_pyqtgraph_binds_to_pyside6_whatever_the_import_order_or_environment():
    """A module importing pyqtgraph before PySide6 (import sorting does that), with the user's
    environment naming another binding: pyqtgraph still uses PySide6."""
    code = (
        "import os\n"
        "import cnnstudio.gui.views.curves\n"
        "import pyqtgraph.Qt\n"
        "assert pyqtgraph.Qt.QT_LIB == 'PySide6', pyqtgraph.Qt.QT_LIB\n"
        "assert os.environ['PYQTGRAPH_QT_LIB'] == 'PySide6'"
    )
    loaded = loaded_after(code, PYQTGRAPH_QT_LIB="PyQt6")
    assert "PySide6" in loaded and not loaded & {"PyQt5", "PyQt6", "PySide2"}
