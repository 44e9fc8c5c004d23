"""File > Save as lesson: the teacher ticks what to lock and hide, writes the steps (one box a step,
added and removed with buttons) and a goal, and saves the window's settings as a lesson file. An
existing file is replaced only after asking."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.spec.lesson import HIDEABLE, LESSON_SUFFIX, Goal, Lesson, save_lesson
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.file_dialogs import save_file
from cnnstudio.gui.lesson_controls import describe_lock
from cnnstudio.gui.widgets import ask

# The settings a teacher is offered to lock: whole sections, and the ones lessons vary most.
LOCKABLE = (
    "dataset",
    "input",
    "augment",
    "layers",
    "optimizer",
    "optimizer.lr",
    "schedule",
    "training",
    "training.epochs",
    "seed",
    "device",
)
GOALS = {
    "none": "No goal",
    "val_accuracy_at_least": "Reach a validation accuracy of",
    "overfitting": "Make the network overfit (the coach notices it)",
    "stuck_at_chance": "Leave the network guessing (the coach notices it)",
    "loss_rising": "Make the loss shoot up (the coach notices it)",
}
KEEP_GOALS = "keep"
STEP_HINT = "What to do, what to watch, a question to think about. Markdown: **bold**, - lists."


class SaveLessonDialog(QDialog):
    saved = Signal(object)  # Path of the lesson file written

    def __init__(self, spec: RunSpec, start: Lesson | None, parent: QWidget | None = None) -> None:
        """Save `spec` as a lesson; the fields start from `start` (the open lesson) if given."""
        super().__init__(parent)
        self.setWindowTitle("Save as lesson")
        self.spec, self.start = spec, start
        self.title_edit = QLineEdit(start.title if start else "")
        self.title_edit.setPlaceholderText("e.g. Your first CNN")
        self.summary_edit = QLineEdit(start.summary if start else "")
        self.summary_edit.setPlaceholderText("One line for the list of lessons")
        locked = start.locked if start else ()
        offered = LOCKABLE + tuple(path for path in locked if path not in LOCKABLE)
        self.lock_boxes = _ticks(offered, describe_lock, locked)
        self.hide_boxes = _ticks(
            tuple(HIDEABLE), HIDEABLE.__getitem__, start.hidden if start else ()
        )
        self.steps = QTabWidget()
        for text in start.steps if start else ("",):
            self.add_step(text)
        self._build()

    def _build(self) -> None:
        about = QFormLayout()
        about.addRow("Title", self.title_edit)
        about.addRow("Summary", self.summary_edit)
        add, remove = QPushButton("Add step"), QPushButton("Remove step")
        add.clicked.connect(lambda: self.add_step(""))
        remove.clicked.connect(self.remove_step)
        step_buttons = QHBoxLayout()
        step_buttons.addWidget(add)
        step_buttons.addWidget(remove)
        step_buttons.addStretch()
        steps = QVBoxLayout()
        steps.addWidget(self.steps, 1)
        steps.addLayout(step_buttons)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(about)
        row = QHBoxLayout()
        row.addWidget(_box("Lock (students cannot change)", self.lock_boxes))
        row.addWidget(_box("Hide", self.hide_boxes))
        column.addLayout(row)
        column.addWidget(self._goal_box())
        column.addLayout(steps, 1)
        column.addWidget(buttons)
        self.resize(720, 640)

    def _goal_box(self) -> QGroupBox:
        self.goal_kind = QComboBox()
        if self.start and self.start.goals:
            self.goal_kind.addItem(f"Keep the lesson's {len(self.start.goals)} goal(s)", KEEP_GOALS)
        for kind, words in GOALS.items():
            self.goal_kind.addItem(words, kind)
        self.goal_value = QDoubleSpinBox()
        self.goal_value.setRange(1, 100)
        self.goal_value.setSuffix(" %")
        self.goal_value.setValue(80)
        self.goal_kind.currentIndexChanged.connect(self._show_goal_value)
        box = QGroupBox("Goal (checked as the students' runs train)")
        row = QHBoxLayout(box)
        row.addWidget(self.goal_kind, 1)
        row.addWidget(self.goal_value)
        self._show_goal_value()
        return box

    def _show_goal_value(self) -> None:
        self.goal_value.setVisible(self.goal_kind.currentData() == "val_accuracy_at_least")

    # -- steps --------------------------------------------------------------------------------
    def add_step(self, text: str) -> None:
        editor = QPlainTextEdit(text)
        editor.setPlaceholderText(STEP_HINT)
        self.steps.addTab(editor, "")
        self._number_steps()
        self.steps.setCurrentWidget(editor)

    def remove_step(self) -> None:
        if self.steps.count() > 1:  # a lesson has at least one step
            self.steps.removeTab(self.steps.currentIndex())
            self._number_steps()

    def _number_steps(self) -> None:
        for index in range(self.steps.count()):
            self.steps.setTabText(index, f"Step {index + 1}")

    def step_texts(self) -> list[str]:
        editors = [self.steps.widget(i) for i in range(self.steps.count())]
        return [e.toPlainText() for e in editors if isinstance(e, QPlainTextEdit)]

    # -- saving -------------------------------------------------------------------------------
    def lesson(self) -> Lesson:
        """The lesson as filled in; a missing title or an empty step is a SpecError."""
        document = {
            "format": "cnnstudio.lesson",
            "version": 1,
            "title": self.title_edit.text(),
            "summary": self.summary_edit.text(),
            "steps": self.step_texts(),
            "locked": [name for name, box in self.lock_boxes.items() if box.isChecked()],
            "hidden": [name for name, box in self.hide_boxes.items() if box.isChecked()],
            "goals": [goal.to_dict() for goal in self._goals()],
            "spec": self.spec.to_dict(),
        }
        return Lesson.from_dict(document)

    def _goals(self) -> tuple[Goal, ...]:
        kind = self.goal_kind.currentData()
        if kind == KEEP_GOALS and self.start is not None:
            return self.start.goals
        if kind == "val_accuracy_at_least":
            return (Goal(kind, value=round(self.goal_value.value() / 100, 4)),)
        return () if kind == "none" else (Goal("coach_note", rule=kind),)

    def save(self) -> None:
        try:
            lesson = self.lesson()
        except CnnstudioError as error:
            QMessageBox.warning(self, "The lesson is not complete", _plain(str(error)))
            return
        path = self._ask_path()
        if path is None:
            return
        try:
            save_lesson(lesson, path)
        except (OSError, CnnstudioError) as error:
            QMessageBox.warning(self, "Cannot save the lesson", f"{path}: {error}")
            return
        self.saved.emit(path)
        self.accept()

    def _ask_path(self) -> Path | None:
        """Where to save; a file that is there already is replaced only if the teacher says so
        (the file dialog asks for the name typed; adding the suffix may name another file)."""
        name = (self.title_edit.text().strip() or "lesson").replace("/", "-")
        chosen = save_file(self, "Save lesson", f"{name}{LESSON_SUFFIX}", _FILTER)
        if chosen is None:
            return None
        path = chosen.with_suffix(LESSON_SUFFIX)
        if path != chosen and path.exists():
            answer = ask(
                self,
                "Replace the lesson?",
                f"{path.name} already exists in {path.parent}. Replace it?",
                {"Replace": QMessageBox.ButtonRole.DestructiveRole},
            )
            if answer != "Replace":
                return None
        return path


_FILTER = f"cnnstudio lesson (*{LESSON_SUFFIX})"


def _ticks(names: tuple[str, ...], words, ticked: tuple[str, ...]) -> dict[str, QCheckBox]:
    boxes = {}
    for name in names:
        box = QCheckBox(words(name)[:1].upper() + words(name)[1:])
        box.setChecked(name in ticked)
        boxes[name] = box
    return boxes


def _box(title: str, boxes: dict[str, QCheckBox]) -> QGroupBox:
    group = QGroupBox(title)
    grid = QGridLayout(group)
    for index, box in enumerate(boxes.values()):
        grid.addWidget(box, index % 6, index // 6)
    return group


def _plain(message: str) -> str:
    """A validation message in the dialog's words ("steps[1]" is the second step box)."""
    if message.startswith("steps["):
        number = int(message[6 : message.index("]")]) + 1
        return f"Step {number} is empty: write what the students do, or remove the step."
    if message.startswith("title"):
        return "Give the lesson a title."
    return message
