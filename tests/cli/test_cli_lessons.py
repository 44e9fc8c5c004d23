"""`cnnstudio lessons` lists the shipped lessons; `cnnstudio FILE.cnnlesson` opens the window on
one (as a file manager does on a double-click)."""

import subprocess
import sys

from cnnstudio.cli import run
from cnnstudio.core.spec.lesson import load_lesson
from cnnstudio.lessons import shipped_lesson_paths


def test_lessons_lists_name_title_and_one_line_each(capsys):
    assert run(["lessons"]) == 0
    out = capsys.readouterr().out
    for path in shipped_lesson_paths():
        lesson = load_lesson(path)
        name = path.stem.split("-", 1)[1]
        assert f"{name:<16}{lesson.title}\n" in out
        assert lesson.summary.split()[0] in out
    assert "File > Lessons" in out


def test_a_lesson_file_as_the_only_argument_opens_the_window_with_it(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("cnnstudio.gui.display.display_problem", lambda: None)
    monkeypatch.setattr("cnnstudio.gui.app.run_gui", lambda path=None: opened.append(path) or 0)
    lesson = shipped_lesson_paths()[0]
    project = tmp_path / "mine.cnnstudio"
    assert run([str(lesson)]) == 0 and run([str(project)]) == 0
    assert opened == [lesson, project]


def test_another_lone_argument_is_still_an_unknown_command():
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "notes.txt"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "invalid choice: 'notes.txt'" in result.stderr
