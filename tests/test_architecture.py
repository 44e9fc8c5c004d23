"""The core and the CLI never import Qt: they must run headless and stay testable without it."""

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import cnnstudio.core, cnnstudio.cli, cnnstudio.progress
for info in pkgutil.walk_packages(cnnstudio.core.__path__, "cnnstudio.core."):
    importlib.import_module(info.name)
import cnnstudio.__main__
print(len([name for name in sys.modules if name.startswith("cnnstudio.core.")]))
bad = sorted(n for n in sys.modules if n.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")
             or n.startswith("cnnstudio.gui"))
print(bad)
"""


def test_core_and_cli_import_no_qt():
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    )
    count, bad = result.stdout.splitlines()
    assert int(count) >= 15  # the walk really imported the core's modules
    assert bad == "[]"
