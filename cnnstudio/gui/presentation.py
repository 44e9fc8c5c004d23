"""Presentation mode and the text zoom: the window readable from the back of a classroom on a
1024x768 projector (issue 12).

The zoom (View > Larger text, Ctrl+=; Smaller, Ctrl+-; Normal, Ctrl+0) scales the window's
font in both modes and is remembered. Presentation mode (View > Presentation mode, F11) makes
all text PRESENTING times larger again, draws the curves thicker, hides the advanced settings
(the person's choice comes back when it ends) and shows one big line saying what is happening.

Widgets follow the window's font by themselves; plots do not (pyqtgraph sizes its text apart
from Qt's widget fonts), so every view that draws text in a plot has `set_text_scale(scale)`,
and views that draw curves have `set_thick_lines(thick)`. This module finds them in the window
and calls them; a new view only needs the method.

The text never grows past what the screen can hold: a step that would make the window's
smallest size larger than its screen is refused (a teacher's projector is often 1024x768).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast, runtime_checkable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from cnnstudio.gui.panels.guidance import advanced_switch
from cnnstudio.gui.widgets import forget_sizes
from cnnstudio.gui.window_geometry import keep_inside

ZOOM_KEY = "view/text_zoom"
ZOOMS = (0.8, 0.9, 0.95, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0)  # Ctrl+= and Ctrl+- steps
PRESENTING = 1.5  # presentation mode's text, times the zoom: 9 pt becomes 13.5 pt
# F11 is the usual "full screen / presentation" key (browsers, LibreOffice, VS Code); no other
# action of the window uses it.
SHORTCUT = "F11"


@runtime_checkable
class ScalesText(Protocol):
    def set_text_scale(self, scale: float) -> None: ...


@runtime_checkable
class DrawsCurves(Protocol):
    def set_thick_lines(self, thick: bool) -> None: ...


class Presentation(QObject):
    """The window's text zoom and presentation mode. `window` is laid out already;
    `status_line`, its big plain-words line, takes the place of the `replaced` widgets (the
    progress and "Cannot train yet" lines, which it says again in plain words) in
    presentation mode."""

    def __init__(
        self, window: QMainWindow, status_line: QWidget, replaced: Sequence[QWidget]
    ) -> None:
        super().__init__(window)
        self.window, self.status_line, self.replaced = window, status_line, replaced
        self.base_font = QFont(window.font())
        saved = float(cast(float, QSettings().value(ZOOM_KEY, 1.0, type=float)))
        self.zoom = min(ZOOMS, key=lambda step: abs(step - saved))  # a damaged value: nearest
        self.presenting = False
        self.shown_scale = 1.0  # less than `scale` where the screen holds no more
        self.actions: dict[str, QAction] = {}

    @property
    def scale(self) -> float:
        """The window's text size, times the application's."""
        return self.zoom * (PRESENTING if self.presenting else 1.0)

    def add_actions(self, menu: QMenu) -> dict[str, QAction]:
        """Presentation mode and the three zoom actions, with their shortcuts, in `menu`."""
        mode = menu.addAction("&Presentation mode")
        mode.setCheckable(True)
        mode.setShortcut(QKeySequence(SHORTCUT))
        mode.setToolTip("Large text, thick curves, no advanced settings: for a projector")
        mode.toggled.connect(self.set_presenting)
        self.actions["presentation"] = mode
        for key, text, shortcuts, slot in (
            ("zoom_in", "&Larger text", ("Ctrl+=", QKeySequence.StandardKey.ZoomIn), 1),
            ("zoom_out", "S&maller text", ("Ctrl+-", QKeySequence.StandardKey.ZoomOut), -1),
            ("zoom_reset", "&Normal text size", ("Ctrl+0",), 0),
        ):
            action = menu.addAction(text)
            keys = {QKeySequence(s).toString(): QKeySequence(s) for s in shortcuts}  # once each
            action.setShortcuts(list(keys.values()))
            action.triggered.connect(lambda _checked=False, step=slot: self.step_zoom(step))
            self.actions[key] = action
        return self.actions

    def start(self) -> None:
        """Show the remembered zoom (once the window is built)."""
        self._apply()

    def set_presenting(self, presenting: bool) -> None:
        if presenting == self.presenting:
            return
        self.presenting = presenting
        self.actions["presentation"].setChecked(presenting)
        advanced_switch().hold_hidden(presenting)
        self.status_line.setVisible(presenting)
        for widget in self.replaced:
            widget.setVisible(not presenting)
        self._apply()

    def step_zoom(self, step: int) -> None:
        """One zoom step larger (1) or smaller (-1), or back to normal (0); remembered. A step
        larger than the screen holds is refused."""
        before = self.zoom
        index = ZOOMS.index(self.zoom) + step if step else ZOOMS.index(1.0)
        self.zoom = ZOOMS[max(0, min(index, len(ZOOMS) - 1))]
        if self._apply() < self.scale and self.zoom > before:
            self.zoom = before
            self._apply()
        QSettings().setValue(ZOOM_KEY, self.zoom)

    def _apply(self) -> float:
        """Show the text at `scale`, or at the largest zoom step below it that fits the
        screen; the scale shown."""
        mode = PRESENTING if self.presenting else 1.0
        for zoom in [z for z in reversed(ZOOMS) if z <= self.zoom]:
            if self._show_at(zoom * mode):
                break
        self.shown_scale = zoom * mode
        return self.shown_scale

    def _show_at(self, scale: float) -> bool:
        """Scale every text and line of the window; whether it still fits its screen."""
        font = QFont(self.base_font)
        font.setPointSizeF(self.base_font.pointSizeF() * scale)
        self.window.setFont(font)
        for widget in self.window.findChildren(QWidget):
            forget_sizes(widget.layout())
            if isinstance(widget, ScalesText):
                widget.set_text_scale(scale)
            if isinstance(widget, DrawsCurves):
                widget.set_thick_lines(self.presenting)
        available = self.window.screen().availableGeometry()
        frame = self.window.frameGeometry().size() - self.window.size()
        smallest = self.window.minimumSizeHint() + frame
        fits = smallest.width() <= available.width() and smallest.height() <= available.height()
        if fits:
            keep_inside(self.window, available)
        return fits
