"""The Coach tab: the training coach's notes on the run shown, newest last, each with what it
means, what to try and, where there is one, a button that makes the change (issue 12).

Words of a note that the glossary explains are links: pointing at one shows its paragraph, a
click opens Help > Glossary there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.insight.coach_notes import CoachNote
from cnnstudio.glossary import entries, lookup
from cnnstudio.gui.glossary_links import mark, term_tip

SEVERITY_COLOURS = {"problem": "#b00020", "warning": "#c06000", "info": "#2060b0"}
SEVERITY_WORDS = {"problem": "Problem", "warning": "Warning", "info": "Hint"}
# The glossary word each rule is about: the card's tooltip holds its paragraph, F1 opens it.
RULE_TERMS = {
    "first_batch_loss": "loss",
    "loss_rising": "learning rate",
    "stuck_at_chance": "learning rate",
    "non_finite_loss": "learning rate",
    "overfitting": "overfitting",
    "underfitting": "underfitting",
    "plateau": "learning-rate schedule",
    "train_longer": "epoch",
    "class_imbalance": "class",
    "leakage": "validation",
    "too_few_images": "parameters",
}


@cache
def _term_pattern() -> re.Pattern[str]:
    """Every glossary name as a whole word, longest first ("learning rate" before "rate")."""
    names = sorted({name for entry in entries() for name in entry.names}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def link_terms(text: str, linked: set[str]) -> str:
    """`text` as HTML with the first use of each glossary term (not yet in `linked`, which
    gathers them) made a link to it."""
    parts, start = [], 0
    for match in _term_pattern().finditer(text):
        entry = lookup(match.group(0))
        if entry is None or entry.term in linked:
            continue
        linked.add(entry.term)
        parts += [escape(text[start : match.start()]), f'<a href="{escape(entry.term)}">']
        parts += [escape(match.group(0)), "</a>"]
        start = match.end()
    return "".join(parts) + escape(text[start:])


class NoteCard(QFrame):
    """One note: where and what, what it means, "Try ...", and its fix's button."""

    def __init__(self, note: CoachNote, on_term: Callable[[str], None]) -> None:
        super().__init__()
        self.note = note
        colour = SEVERITY_COLOURS.get(note.severity, "#606060")
        self.setObjectName("note")
        self.setStyleSheet(f"QFrame#note {{ border-left: 4px solid {colour}; }}")
        linked: set[str] = set()
        word = SEVERITY_WORDS.get(note.severity, note.severity)
        self.title = self._label(
            f"<span style='color:{colour}'><b>{word}</b></span> &middot; {note.where}: "
            f"<b>{link_terms(note.title, linked)}</b>",
            on_term,
        )
        self.meaning = self._label(link_terms(note.meaning, linked), on_term)
        self.advice = self._label(f"<i>Try</i> {link_terms(note.advice, linked)}", on_term)
        term = RULE_TERMS.get(note.rule)
        if term is not None and lookup(term) is not None:
            mark(self, term)
            self.title.setToolTip(term_tip(term))
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 4, 4, 4)
        for label in (self.title, self.meaning, self.advice):
            column.addWidget(label)
        self.button: QPushButton | None = None
        if note.fix is not None:
            self.button = QPushButton(note.fix.label)
            column.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)

    @staticmethod
    def _label(html: str, on_term: Callable[[str], None]) -> QLabel:
        label = QLabel(html)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.linkHovered.connect(_show_term_tip)
        label.linkActivated.connect(on_term)
        return label


def _show_term_tip(term: str) -> None:
    if term:
        QToolTip.showText(QCursor.pos(), term_tip(term))


class CoachView(QWidget):
    """A summary line above the notes of the run shown; the presenter fills it."""

    fix_requested = Signal(object)  # the CoachNote whose fix button was clicked
    term_requested = Signal(str)  # a glossary term clicked in a note

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.cards: list[NoteCard] = []
        self.notes_box = QWidget()
        self.notes_column = QVBoxLayout(self.notes_box)
        self.notes_column.addStretch()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.notes_box)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        column.addWidget(self.scroll_area, 1)

    def clear(self, summary: str) -> None:
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        self.summary.setText(summary)

    def add_note(self, note: CoachNote) -> NoteCard:
        card = NoteCard(note, self.term_requested.emit)
        if card.button is not None:
            card.button.clicked.connect(lambda: self.fix_requested.emit(note))
        self.notes_column.insertWidget(len(self.cards), card)
        self.cards.append(card)
        return card

    def show_summary(self, text: str) -> None:
        self.summary.setText(text)
