"""File and folder dialogs that open where the person last chose a file, else in their home folder.

Qt's static dialogs start in the process's working directory when given a bare file name: for
someone who launched cnnstudio from its source checkout, that was the checkout. Every dialog of the
window goes through here; the last folder used is remembered across sessions.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

LAST_FOLDER_SETTING = "dialogs/last_folder"


def start_folder() -> Path:
    """The folder last chosen in a dialog, if it still exists; else the home folder."""
    last = str(QSettings().value(LAST_FOLDER_SETTING, "") or "")
    return Path(last) if last and Path(last).is_dir() else Path.home()


def _remember(folder: Path) -> None:
    QSettings().setValue(LAST_FOLDER_SETTING, str(folder))


def _start(suggested: str | Path) -> str:
    """A suggested file: kept where it is when it names a folder, else put in `start_folder`."""
    suggested = Path(suggested)
    return str(suggested if suggested.is_absolute() else start_folder() / suggested)


def save_file(parent: QWidget, title: str, suggested: str | Path, filters: str = "") -> Path | None:
    """Ask where to save; `suggested` is a file name, or a full path to start from."""
    path, _ = QFileDialog.getSaveFileName(parent, title, _start(suggested), filters)
    if not path:
        return None
    _remember(Path(path).parent)
    return Path(path)


def open_file(parent: QWidget, title: str, filters: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder()), filters)
    if not path:
        return None
    _remember(Path(path).parent)
    return Path(path)


def open_files(parent: QWidget, title: str, filters: str = "") -> list[Path]:
    paths, _ = QFileDialog.getOpenFileNames(parent, title, str(start_folder()), filters)
    if paths:
        _remember(Path(paths[0]).parent)
    return [Path(path) for path in paths]


def choose_folder(parent: QWidget, title: str) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title, str(start_folder()))
    if not path:
        return None
    _remember(Path(path).parent)  # the folder beside it is the next likely choice
    return Path(path)
