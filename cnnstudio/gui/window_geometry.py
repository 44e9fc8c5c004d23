"""Where the window opens: inside the screen it is on, at the size and place it last had there.

A fixed first size (1360x860) opened larger than a 1024x768 screen (issue 10, defect 5). The
first size is now a share of the screen's available area, and the size and position are
remembered per screen (by name and size), so a laptop's own screen and a projector each get theirs.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

PREFERRED = QSize(1360, 860)  # on a large screen
SHARE = 0.92  # of a smaller screen's available area
LAST_SCREEN = "window/screen"


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
    """Open on the screen used last, as last time there, else at a size that fits it, centred;
    always all inside the screen's available area."""
    screens = {screen_key(screen): screen for screen in QGuiApplication.screens()}
    screen = screens.get(str(settings.value(LAST_SCREEN, ""))) or window.screen()
    window.setScreen(screen)
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
    dx = max(available.left() - frame.left(), 0) or min(available.right() - frame.right(), 0)
    dy = max(available.top() - frame.top(), 0) or min(available.bottom() - frame.bottom(), 0)
    if dx or dy:  # moved only when it sticks out: a restored place stays exactly as it was
        window.move(window.pos() + QPoint(dx, dy))


def save_geometry(window: QWidget, settings: QSettings) -> None:
    key = screen_key(window.screen())
    settings.setValue(key, window.saveGeometry())
    settings.setValue(LAST_SCREEN, key)
