"""Where the window opens: inside the screen it is on, at the size and place it last had there.

A fixed first size (1360x860) opened larger than a 1024x768 screen (issue 10, defect 5). The
first size is now a share of the screen's available area, and the size and position are
remembered per screen (by name and size), so a laptop's own screen and a projector each get theirs.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QWidget

PREFERRED = QSize(1360, 860)  # on a large screen
SHARE = 0.92  # of a smaller screen's available area


def screen_key(screen: QScreen) -> str:
    size = screen.geometry().size()
    return f"window/geometry/{screen.name() or 'screen'}-{size.width()}x{size.height()}"


def first_size(available: QSize) -> QSize:
    """The preferred size, shrunk to fit a smaller screen with a margin."""
    return QSize(
        min(PREFERRED.width(), int(available.width() * SHARE)),
        min(PREFERRED.height(), int(available.height() * SHARE)),
    )


def restore_geometry(window: QWidget, settings: QSettings) -> None:
    """Open as last time on this screen, else at a size that fits it, centred; always inside."""
    screen = window.screen()
    available = screen.availableGeometry()
    saved = settings.value(screen_key(screen))
    if saved is None or not window.restoreGeometry(saved):
        size = first_size(available.size())
        window.resize(size)
        window.move(available.center() - QRect(0, 0, size.width(), size.height()).center())
    keep_inside(window, available)


def keep_inside(window: QWidget, available: QRect) -> None:
    """Shrink and move the window so all of its frame is on `available`."""
    frame = window.frameGeometry()
    extra = frame.size() - window.size()  # title bar and borders
    width = min(window.width(), available.width() - extra.width())
    height = min(window.height(), available.height() - extra.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.left(), available.left()), available.right() - frame.width() + 1)
    y = min(max(frame.top(), available.top()), available.bottom() - frame.height() + 1)
    window.move(x, y)


def save_geometry(window: QWidget, settings: QSettings) -> None:
    settings.setValue(screen_key(window.screen()), window.saveGeometry())
