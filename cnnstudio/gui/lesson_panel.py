"""The lesson's panel, the settings column's first tab: the step's text with Back and Next, the
goals with a tick for each one reached, what the lesson locks, and "Leave lesson". It shows; the
lesson presenter decides."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.spec.lesson import Goal, Lesson
from cnnstudio.gui.lesson_controls import describe_lock

REACHED_STYLE = "color: #0b6e1f; font-weight: bold;"


class LessonPanel(QWidget):
    back_clicked = Signal()
    next_clicked = Signal()
    leave_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = _wrapped(QLabel())
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.step_label = QLabel()
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.back_button = QPushButton("< Back")
        self.next_button = QPushButton("Next >")
        self.back_button.setToolTip("The previous step (Alt+Left)")
        self.next_button.setToolTip("The next step (Alt+Right)")
        self.back_button.setShortcut("Alt+Left")
        self.next_button.setShortcut("Alt+Right")
        self.goals = _wrapped(QLabel(), Qt.TextFormat.RichText)
        self.goal_message = _wrapped(QLabel())
        self.goal_message.setStyleSheet(REACHED_STYLE)
        self.locks = _wrapped(QLabel())
        self.locks.setStyleSheet("color: palette(placeholder-text);")
        self.leave_button = QPushButton("Leave lesson")
        self.leave_button.setToolTip("Back to the full window, every setting and control")
        self._lay_out()
        self.back_button.clicked.connect(self.back_clicked)
        self.next_button.clicked.connect(self.next_clicked)
        self.leave_button.clicked.connect(self.leave_clicked)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    def _lay_out(self) -> None:
        steps = QHBoxLayout()
        steps.addWidget(self.back_button)
        steps.addWidget(self.step_label, 1, Qt.AlignmentFlag.AlignCenter)
        steps.addWidget(self.next_button)
        column = QVBoxLayout(self)
        column.addWidget(self.title)
        column.addWidget(self.text, 1)
        column.addLayout(steps)
        column.addWidget(self.goals)
        column.addWidget(self.goal_message)
        column.addWidget(self.locks)
        column.addWidget(self.leave_button)

    def show_lesson(self, lesson: Lesson) -> None:
        self.title.setText(lesson.title)
        self.title.setToolTip(lesson.summary)
        locked = ", ".join(describe_lock(path) for path in lesson.locked)
        self.locks.setText(f"Locked by the lesson: {locked}." if locked else "")
        self.locks.setVisible(bool(locked))
        self.goal_message.clear()

    def show_step(self, lesson: Lesson, index: int) -> None:
        self.text.setMarkdown(lesson.steps[index])
        self.step_label.setText(f"Step {index + 1} of {len(lesson.steps)}")
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(lesson.steps) - 1)

    def show_goals(self, goals: tuple[Goal, ...], reached: int) -> None:
        """Each goal with a tick once reached; the one to work on now in bold."""
        rows = []
        for index, goal in enumerate(goals):
            words = escape(goal.describe())
            if index < reached:
                rows.append(f"&#10004; {words}")
            elif index == reached:
                rows.append(f"&#9675; <b>{words}</b>")
            else:
                rows.append(f"&#9675; {words}")
        self.goals.setText("<b>Goals</b><br>" + "<br>".join(rows) if rows else "")
        self.goals.setVisible(bool(rows))

    def show_reached(self, goal: Goal, following: Goal | None) -> None:
        after = f" Next: {following.describe()}." if following else " All goals reached!"
        self.goal_message.setText(f"Goal reached: {goal.describe()}.{after}")


def _wrapped(label: QLabel, text_format: Qt.TextFormat = Qt.TextFormat.PlainText) -> QLabel:
    label.setWordWrap(True)
    label.setTextFormat(text_format)
    return label
