"""The lessons that ship with cnnstudio (``*.cnnlesson`` files beside this module), listed by
`cnnstudio lessons` and File > Lessons. Each is a lesson file like one a teacher saves."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from cnnstudio.core.spec.lesson import LESSON_SUFFIX, Lesson, load_lesson


def shipped_lesson_paths() -> list[Path]:
    """The shipped lesson files, in teaching order (their names start with a number)."""
    folder = files(__name__)
    with as_file(folder) as path:  # a real folder for an installed or source package
        return sorted(Path(path).glob(f"*{LESSON_SUFFIX}"))


def shipped_lessons() -> list[Lesson]:
    return [load_lesson(path) for path in shipped_lesson_paths()]


def lesson_name(path: Path) -> str:
    """The short name a lesson is listed by: its file name without the number and suffix."""
    return path.stem.split("-", 1)[-1]
