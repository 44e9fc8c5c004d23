"""Two aids shared by the panels: the "Advanced settings" switch and the help line.

The switch is one setting for the whole window (off by default, remembered in QSettings); each
panel shows its own check box, and all of them follow it. The help line explains, in one plain
sentence, whichever setting of its panel has the keyboard focus.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QSizePolicy, QWidget

from cnnstudio.gui.widgets import FontFollower

ADVANCED_KEY = "panels/advanced"
HELP_LINE = "help_line"  # a widget's one-sentence help, where its tooltip holds more


class AdvancedSwitch(QObject):
    """Whether rarely needed settings are shown; `toggled` tells every panel.

    Presentation mode and a lesson hold the switch off: the settings hide, the boxes with them,
    and the person's own choice stays saved, to come back when no one holds it any more."""

    toggled = Signal(bool)
    held_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.holders: set[str] = set()  # who holds the switch off ("presentation", "lesson")

    @property
    def held(self) -> bool:
        return bool(self.holders)

    @property
    def chosen(self) -> bool:
        """The person's choice, whatever a hold hides."""
        return cast(bool, QSettings().value(ADVANCED_KEY, False, type=bool))

    @property
    def shown(self) -> bool:
        return self.chosen and not self.held

    def set_shown(self, shown: bool) -> None:
        if shown != self.shown and not self.held:
            QSettings().setValue(ADVANCED_KEY, shown)
            self.toggled.emit(shown)

    def hold_hidden(self, held: bool, holder: str = "presentation") -> None:
        """Hide the advanced settings and the boxes while `holder` (or another) holds them;
        they show as chosen again once nobody does."""
        before, was_held = self.shown, self.held
        self.holders = self.holders | {holder} if held else self.holders - {holder}
        if self.held != was_held:
            self.held_changed.emit(self.held)
        if self.shown != before:
            self.toggled.emit(self.shown)

    def check_box(self) -> QCheckBox:
        """A "Show advanced settings" box that follows and sets the switch."""
        box = QCheckBox("Show advanced settings")
        box.setToolTip("Rarely needed settings; the usual ones are always shown.")
        box.setChecked(self.shown)
        box.setHidden(self.held)
        box.toggled.connect(self.set_shown)
        self.toggled.connect(box.setChecked)
        self.held_changed.connect(box.setHidden)
        return box


def advanced_switch() -> AdvancedSwitch:
    """The application's one switch, created on first use (it lives as long as the app)."""
    app = cast(QApplication, QApplication.instance())
    switch = app.findChild(AdvancedSwitch)
    return switch if switch is not None else AdvancedSwitch(app)


class HelpLine(QLabel):
    """Shows the help of the focused widget inside `area` (its `HELP_LINE` property, else its
    tooltip); two lines high so nothing moves."""

    def __init__(self, area: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.area = area
        self.setWordWrap(True)
        self.setStyleSheet("color: palette(placeholder-text);")
        FontFollower(self, lambda: self.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 4))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        cast(QApplication, QApplication.instance()).focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.area.isAncestorOf(new):
            self.setText(new.property(HELP_LINE) or new.toolTip())
