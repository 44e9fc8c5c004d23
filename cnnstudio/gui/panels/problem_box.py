"""A problem in plain words with buttons that fix it, in a box of fixed height.

The box keeps its height whether it shows nothing, one line or three lines with buttons, so the
controls around it never move when a message comes or goes. Long text is cut at the box's last
line; the whole of it is in the tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from cnnstudio.gui.widgets import FontFollower

TEXT_LINES = 3
MAX_FIXES = 3


class ProblemBox(QWidget):
    """Red text and up to `MAX_FIXES` buttons; `show_problem("")` clears it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.buttons = [QPushButton() for _ in range(MAX_FIXES)]
        # Shadows QWidget.actions(), which nothing calls on this box.
        self.actions: list[Callable[[], None]] = []  # type: ignore[assignment]
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for index, button in enumerate(self.buttons):
            button.clicked.connect(lambda _=False, i=index: self.actions[i]())
            row.addWidget(button)
        row.addStretch()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.text)
        column.addLayout(row)
        column.addStretch()
        FontFollower(self, self._fit_height)
        self.show_problem("")

    def _fit_height(self) -> None:
        """Three lines of text and the row of buttons, which keeps its place when hidden."""
        self.text.setFixedHeight(TEXT_LINES * self.text.fontMetrics().lineSpacing() + 2)
        self.setFixedHeight(self.text.height() + self.buttons[0].sizeHint().height() + 6)

    def show_problem(
        self,
        text: str,
        fixes: Sequence[tuple[str, Callable[[], None]]] = (),
        problem: bool = True,
    ) -> None:
        """Show `text` (red if a `problem`) and one button per (label, action) in `fixes`."""
        self.text.setStyleSheet("color: #b00020;" if problem else "")
        self.text.setText(text)
        self.text.setToolTip(text)
        self.actions = [action for _, action in fixes[:MAX_FIXES]]
        for index, button in enumerate(self.buttons):
            button.setVisible(index < len(self.actions))
            if index < len(self.actions):
                button.setText(fixes[index][0])

    def fix_labels(self) -> list[str]:
        """The labels of the buttons shown now."""
        return [b.text() for b in self.buttons[: len(self.actions)]]
