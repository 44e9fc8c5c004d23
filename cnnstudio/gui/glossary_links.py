"""Where the window's words lead to the glossary: tooltips that hold a term's paragraph, and F1.

A widget showing a technical word is marked with its glossary term (`mark`); its tooltip gets the
term's paragraph (`term_tip`). F1 pressed in a marked widget, or in a widget inside one, opens
Help > Glossary at that term; elsewhere F1 keeps its meaning (the guide).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QTableWidget, QWidget

from cnnstudio.glossary import lookup
from cnnstudio.gui.panels.guidance import HELP_LINE

TERM_PROPERTY = "glossary_term"
FIELD_HINT = "F1 or Help > Glossary: more words explained."
VIEW_HINT = "Help > Glossary: more words explained."


def term_tip(term: str, lead: str = "", hint: str = VIEW_HINT) -> str:
    """A rich-text tooltip: `lead`, then the term's glossary paragraph and `hint`.

    Rich text, so Qt wraps it to a readable width instead of one endless line.
    """
    entry = lookup(term)
    if entry is None:
        return lead
    parts = [f"<p>{escape(lead, quote=False)}</p>"] if lead else []
    parts.append(
        f"<p><b>{escape(entry.term, quote=False)}</b>: {escape(entry.text, quote=False)}</p>"
    )
    parts.append(f"<p><i>{escape(hint, quote=False)}</i></p>")
    return "".join(parts)


def mark(widget: QWidget, term: str) -> None:
    """Record that `widget` shows glossary `term` (F1 there opens the glossary at it)."""
    widget.setProperty(TERM_PROPERTY, term)


def explain(widgets: Iterable[QWidget], text: str, term: str, hint: str = FIELD_HINT) -> None:
    """Give a setting's label and editor their help: `text` for the help line, and a tooltip
    with `text` and the glossary's paragraph on `term`; F1 there opens the glossary at it."""
    tip = term_tip(term, text, hint) or text
    for widget in widgets:
        widget.setToolTip(tip)
        widget.setProperty(HELP_LINE, text)
        mark(widget, term)


def explain_headers(table: QTableWidget, terms: dict[str, str]) -> None:
    """Give the column titles named in `terms` their term's paragraph as tooltip."""
    for column in range(table.columnCount()):
        header = table.horizontalHeaderItem(column)
        if header is not None and header.text() in terms:
            header.setToolTip(term_tip(terms[header.text()]))


def term_at(widget: QWidget | None) -> str | None:
    """The glossary term of `widget` or of the nearest marked widget it sits in."""
    while widget is not None:
        term = widget.property(TERM_PROPERTY)
        if term and lookup(term) is not None:
            return str(term)
        widget = widget.parentWidget()
    return None


class GlossaryKey(QObject):
    """Installed on a window: F1 in a marked widget calls `open_at(term)` instead of the window's
    F1 shortcut, by taking the key before shortcuts see it (ShortcutOverride)."""

    def __init__(self, window: QWidget, open_at: Callable[[str], object]) -> None:
        super().__init__(window)
        self.open_at = open_at
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or not _is_f1(event):
            return False
        term = term_at(QApplication.focusWidget())
        if term is None:
            return False
        event.accept()
        if kind == QEvent.Type.KeyPress:
            self.open_at(term)
        return True


def _is_f1(event: QEvent) -> bool:
    return (
        isinstance(event, QKeyEvent)
        and event.key() == Qt.Key.Key_F1
        and event.modifiers() == Qt.KeyboardModifier.NoModifier
    )
