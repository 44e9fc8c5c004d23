"""Help > Glossary: a search box, the matching terms, and the chosen term's paragraph.

Typing filters the list at once (best matches first) and shows the top match; Up and Down in the
search box move through the list, so a person never has to leave the keyboard. One dialog per
window, not modal: it can stay open beside the window while training.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.glossary import Entry, lookup, search

SIZE = (700, 460)  # fits a 1024x768 screen with room for the window behind it
_MOVES = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -10, Qt.Key.Key_PageDown: 10}


class GlossaryDialog(QDialog):
    """The glossary, searchable; `show_term` opens it at one entry."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Glossary")
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search: type a word, e.g. epoch")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.installEventFilter(self)
        self.terms = QListWidget()
        self.text = QTextBrowser()
        self.count = QLabel()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.terms)
        splitter.addWidget(self.text)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, SIZE[0] - 200])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        # Enter in the search box must not close the dialog
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        column = QVBoxLayout(self)
        column.addWidget(self.search_box)
        column.addWidget(splitter, 1)
        column.addWidget(self.count)
        column.addWidget(buttons)
        self.search_box.textChanged.connect(self._on_search_changed)
        self.terms.currentItemChanged.connect(self._on_term_chosen)
        self.resize(*SIZE)
        self._fill(search(""))
        self.search_box.setFocus()

    def show_term(self, name: str) -> None:
        """Clear the search and show the entry `name` (a term or alias), if there is one."""
        self.search_box.clear()
        entry = lookup(name)
        if entry is not None:
            self._select(entry.term)
        self.search_box.setFocus()

    @property
    def shown_term(self) -> str | None:
        item = self.terms.currentItem()
        return item.text() if item is not None else None

    def _on_search_changed(self, query: str) -> None:
        self._fill(search(query))

    def _fill(self, entries: list[Entry]) -> None:
        self.terms.clear()
        for entry in entries:
            self.terms.addItem(QListWidgetItem(entry.term))
        self.count.setText(
            f"{len(entries)} terms" if entries else "Nothing found: try a shorter or other word."
        )
        if entries:
            self.terms.setCurrentRow(0)
        else:
            self.text.clear()

    def _select(self, term: str) -> None:
        found = self.terms.findItems(term, Qt.MatchFlag.MatchExactly)
        if found:
            self.terms.setCurrentItem(found[0])

    def _on_term_chosen(self, item: QListWidgetItem | None) -> None:
        entry = lookup(item.text()) if item is not None else None
        if entry is None:
            self.text.clear()
            return
        term, text, also = (
            escape(words, quote=False)
            for words in (entry.term, entry.text, ", ".join(entry.aliases))
        )
        also = f"<p><i>Also called: {also}</i></p>" if also else ""
        self.text.setHtml(f"<h3>{term}</h3><p>{text}</p>{also}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up, Down, Page Up and Page Down in the search box move through the list."""
        if watched is self.search_box and isinstance(event, QKeyEvent):
            step = _MOVES.get(Qt.Key(event.key()))
            if step is not None and event.type() == QEvent.Type.KeyPress and self.terms.count():
                row = min(max(self.terms.currentRow() + step, 0), self.terms.count() - 1)
                self.terms.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)


def open_glossary(window: QWidget, term: str | None = None) -> GlossaryDialog:
    """The window's glossary dialog (made once), shown, at `term` if given."""
    dialog = window.findChild(GlossaryDialog)
    if dialog is None:
        dialog = GlossaryDialog(window)
    if term is not None:
        dialog.show_term(term)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    dialog.search_box.setFocus()
    return dialog
