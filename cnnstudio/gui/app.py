"""Starting the window."""

from __future__ import annotations

import sys
from importlib.resources import files

import pyqtgraph as pg
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
    return app


def run_gui() -> int:
    app = create_application()
    from cnnstudio.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()
