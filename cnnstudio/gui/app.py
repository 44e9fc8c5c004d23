"""Starting the window."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from cnnstudio import __version__


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(argv if argv is not None else sys.argv)
    )
    app.setApplicationName("cnnstudio")
    app.setOrganizationName("cnnstudio")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(files("cnnstudio.resources") / "cnnstudio.svg")))
    pg.setConfigOptions(antialias=True)
    if not hasattr(app, "garbage_collector"):
        # Python's cycle collector runs on whichever thread allocates: on a job thread it destroyed
        # a closed window's widgets there, and Qt's locks and the GIL deadlocked (seen in the GUI
        # tests). Collect on the GUI thread only, from a timer.
        app.garbage_collector = GarbageCollector(interval=1.0)  # type: ignore[attr-defined]
    return app


def run_gui(path: Path | None = None) -> int:
    """Show the window; open `path` (a project or a lesson) in it once it is shown."""
    app = create_application()
    from cnnstudio.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if path is not None:
        window.open_file(path)
    return app.exec()
