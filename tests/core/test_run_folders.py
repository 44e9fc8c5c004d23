"""Run folders are never shared or overwritten: unique names, refused used folders, locks."""

import json
import logging
import os
import socket
import subprocess
import sys

import pytest

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs import folders
from cnnstudio.core.runs.folders import claim_folder, new_run_folder
from cnnstudio.core.runs.history import list_runs, read_run
from cnnstudio.core.runs.lock import LOCK_NAME, RunLock, is_locked


@pytest.fixture
def same_second(monkeypatch):
    """Every run starts in the same second."""
    monkeypatch.setattr(folders, "_timestamp", lambda: "20260101-120000")


def test_runs_started_in_the_same_second_get_folders_of_their_own(tmp_path, same_second):
    made = [new_run_folder(tmp_path / "runs", "shapes") for _ in range(3)]
    assert [p.name for p in made] == [
        "20260101-120000-shapes",
        "20260101-120000-shapes-2",
        "20260101-120000-shapes-3",
    ]
    assert all(p.is_dir() and not any(p.iterdir()) for p in made)


def test_a_named_folder_must_be_new_or_empty(tmp_path):
    assert claim_folder(tmp_path / "new").is_dir()
    (tmp_path / "empty").mkdir()
    assert claim_folder(tmp_path / "empty") == tmp_path / "empty"
    run = tmp_path / "run"
    run.mkdir()
    (run / "spec.json").write_text("{}")
    with pytest.raises(CnnstudioError, match=r"already holds a run; .*--resume .*run"):
        claim_folder(run)
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("mine")
    with pytest.raises(CnnstudioError, match=r"theirs is not empty; a run never writes over"):
        claim_folder(tmp_path / "theirs")
    assert (tmp_path / "theirs" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "where, reason",
    [
        ("file/run", "part of the path is a file"),
        ("file", "is a file, not a folder"),
        ("readonly/run", "no permission to write there"),
    ],
)
def test_an_unwritable_folder_is_said_in_plain_words(tmp_path, where, reason):
    (tmp_path / "file").write_text("x")
    (tmp_path / "readonly").mkdir(mode=0o500)
    if os.geteuid() == 0 and where.startswith("readonly"):
        pytest.skip("root writes into read-only folders")
    with pytest.raises(CnnstudioError, match=reason):
        claim_folder(tmp_path / where)


def test_a_lock_is_exclusive_and_a_dead_owners_lock_is_taken_over(tmp_path):
    with RunLock(tmp_path) as lock:
        assert is_locked(tmp_path)
        owner = json.loads((tmp_path / LOCK_NAME).read_text())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        with pytest.raises(CnnstudioError, match=f"another training is writing .*{os.getpid()}"):
            RunLock(tmp_path).acquire()
        assert lock.describe_takeover() is None
    assert not (tmp_path / LOCK_NAME).exists()

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(dead.stdout)
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": socket.gethostname()}))
    assert not is_locked(tmp_path)
    with RunLock(tmp_path) as lock:
        assert f"took over the lock of process {pid}, which has ended" in lock.describe_takeover()
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    owner = {"pid": 1, "host": "elsewhere.example", "started": "2026-01-01T12:00:00"}
    (tmp_path / LOCK_NAME).write_text(json.dumps(owner))
    with pytest.raises(CnnstudioError, match=r"process 1 on elsewhere\.example"):
        RunLock(tmp_path).acquire()
    assert json.loads((tmp_path / LOCK_NAME).read_text()) == owner


def test_a_run_folder_being_trained_shows_as_running(tmp_path):
    (tmp_path / "spec.json").write_text("{}")
    with RunLock(tmp_path):
        assert read_run(tmp_path).status == "running"
    assert read_run(tmp_path).status == "interrupted"


def test_a_damaged_run_folder_is_left_out_of_the_list_and_logged(tmp_path, caplog):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "spec.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="cnnstudio.core.runs.history"):
        assert list_runs(tmp_path) == []
    assert "skipped a damaged run folder" in caplog.text
    assert "bad: the run's files are damaged" in caplog.text
