"""Small widgets the window's layout relies on to stay put."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QTextLayout
from PySide6.QtWidgets import (
    QAbstractButton,
    QLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QWidget,
)


class ElidedLabel(QWidget):
    """Text in at most `lines` lines, cut with "..." when it does not fit; the tooltip holds all.

    A QLabel asks for the width of its text, so a long run path or message widened the whole
    window (issue 10, defect 2). This one asks for no width at all and always for the height of
    `lines` lines, so neither its text nor its emptiness moves anything around it.
    """

    def __init__(self, text: str = "", lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = lines
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        self._text = text
        self.setToolTip(text)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(100, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(10, self._height())

    def _height(self) -> int:
        return QFontMetrics(self.font()).lineSpacing() * self.lines + 2

    def shown_lines(self) -> list[str]:
        """The lines as drawn at the current width (the last one elided if the text goes on)."""
        metrics = QFontMetrics(self.font())
        width = max(self.width(), 1)
        layout = QTextLayout(self._text, self.font())
        layout.beginLayout()
        shown: list[str] = []
        while len(shown) < self.lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start, length = line.textStart(), line.textLength()
            if len(shown) == self.lines - 1:  # the last line takes the rest, elided
                rest = self._text[start:].replace("\n", " ")
                shown.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
                break
            shown.append(self._text[start : start + length].rstrip("\n"))
        layout.endLayout()
        return shown

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        spacing = QFontMetrics(self.font()).lineSpacing()
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        for index, line in enumerate(self.shown_lines()):
            painter.drawText(0, 1 + index * spacing, self.width(), spacing, flags, line)
        painter.end()


class FontFollower(QObject):
    """Calls `fit` now and whenever `widget`'s font changes: heights fixed from a font's line
    spacing must follow the window's text zoom (presentation mode), or large text is cut."""

    def __init__(self, widget: QWidget, fit: Callable[[], None]) -> None:
        super().__init__(widget)
        self.fit = fit
        widget.installEventFilter(self)
        fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FontChange:
            self.fit()
        return False


def forget_sizes(layout: QLayout | None) -> None:
    """Drop the sizes `layout` and the layouts inside it keep from the old font. Qt does this
    only for what is on screen: the hidden tabs' minimum sizes would stay those of the old
    text until each tab is first shown, and the window would grow past its screen then."""
    if not isinstance(layout, QLayout):  # none (PySide may answer a spacer item here)
        return
    layout.invalidate()
    for index in range(layout.count()):
        item = layout.itemAt(index)
        forget_sizes(item.layout() if item is not None else None)


def fitted_width(layout: QLayout) -> int:
    """The smallest width `layout` can take in its widgets' current fonts."""
    forget_sizes(layout)
    return layout.minimumSize().width()


def scrolling(widget: QWidget) -> QScrollArea:
    """`widget` in a scroll area that gives it the area's width."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


def ask(parent: QWidget, title: str, text: str, choices: dict[str, QMessageBox.ButtonRole]) -> str:
    """A question with the given buttons and Cancel; the chosen button's text ("" for Cancel)."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    buttons: dict[QAbstractButton, str] = {
        box.addButton(label, role): label for label, role in choices.items()
    }
    box.setDefaultButton(cast(QPushButton, box.button(QMessageBox.StandardButton.Cancel)))
    box.exec()
    return buttons.get(box.clickedButton(), "")


def show_page(tabs: QTabWidget, page: QWidget) -> None:
    """Bring `page` to the front: the tab it is in, and its place in any stack of pages there
    (the Curves tab holds the run's curves or a race's)."""
    for index in range(tabs.count()):
        holder = tabs.widget(index)
        if holder is not None and (holder is page or holder.isAncestorOf(page)):
            widget = page
            while widget is not holder and (parent := widget.parentWidget()) is not None:
                if isinstance(parent, QStackedWidget):
                    parent.setCurrentWidget(widget)
                widget = parent
            tabs.setCurrentIndex(index)
            return
