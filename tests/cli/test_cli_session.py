"""`cnnstudio train` never loses a run: used folders refused, unique default folders, one training
per folder at a time (real processes), extending a finished run, and plain words when the disk
is full or the folder cannot be written."""

import errno
import json
import math
import os
import signal
import subprocess
import sys

import pytest

from cnnstudio.cli import run
from cnnstudio.core.files import write_atomic
from cnnstudio.core.runs import folders
from cnnstudio.core.runs.checkpoint import read_checkpoint
from cnnstudio.core.runs.lock import LOCK_NAME
from tests.cli.test_cli import write_small_spec
from tests.cli.test_cli_runs import metric_rows


@pytest.fixture
def finished_run(tmp_path):
    out = tmp_path / "run"
    spec = write_small_spec(tmp_path / "spec.json", training={"epochs": 2, "batch_size": 32})
    assert run(["train", str(spec), "--out", str(out)]) == 0
    return out


def folder_contents(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_out_at_an_existing_run_is_refused_and_the_run_kept(finished_run, tmp_path, capsys):
    before = folder_contents(finished_run)
    capsys.readouterr()
    spec = tmp_path / "spec.json"
    assert run(["train", str(spec), "--out", str(finished_run), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cnnstudio: error: {finished_run} already holds a run")
    assert f"cnnstudio train --resume {finished_run}" in err and "pick a new folder" in err
    assert folder_contents(finished_run) == before
    assert len(metric_rows(finished_run)) == 2


def test_runs_started_in_the_same_second_each_get_a_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(folders, "_timestamp", lambda: "20260101-120000")
    spec = write_small_spec(tmp_path / "spec.json", training={"epochs": 1, "batch_size": 32})
    assert run(["train", str(spec), "--seed", "1"]) == 0
    assert run(["train", str(spec), "--seed", "2"]) == 0
    first, second = sorted((tmp_path / "runs").iterdir())
    assert (first.name, second.name) == ("20260101-120000-shapes", "20260101-120000-shapes-2")
    assert [json.loads((f / "spec.json").read_text())["seed"] for f in (first, second)] == [1, 2]
    assert all(len(metric_rows(f)) == 1 and not (f / LOCK_NAME).exists() for f in (first, second))


def test_one_training_per_folder_at_a_time_and_a_killed_runs_lock_is_taken_over(tmp_path, capsys):
    spec = write_small_spec(tmp_path / "spec.json", training={"epochs": 3, "batch_size": 32})
    data = json.loads(spec.read_text())
    data["dataset"]["options"].update(train_size=3000, val_size=200)
    spec.write_text(json.dumps(data))
    out = tmp_path / "run"
    train = [sys.executable, "-m", "cnnstudio", "train"]
    killed = subprocess.Popen(
        [*train, str(spec), "--out", str(out)], stderr=subprocess.PIPE, text=True
    )
    try:
        for line in killed.stderr:  # epoch 1 is saved
            if line.startswith("epoch 1/3 ") and "val loss" in line:
                break
        assert json.loads((out / LOCK_NAME).read_text())["pid"] == killed.pid
        killed.send_signal(signal.SIGKILL)
    finally:
        killed.wait()

    resumed = subprocess.Popen([*train, "--resume", str(out)], stderr=subprocess.PIPE, text=True)
    said = []
    try:
        for line in resumed.stderr:
            said.append(line)
            if line.startswith("Loading"):  # it holds the lock and loads the images
                break
        resumed.send_signal(signal.SIGSTOP)  # frozen mid-run, still holding the folder
        assert f"took over the lock of process {killed.pid}, which has ended" in "".join(said)
        assert run(["train", "--resume", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"another training is writing this run folder (process {resumed.pid}" in err
    finally:
        resumed.send_signal(signal.SIGCONT)
        resumed.communicate()
    assert resumed.returncode == 0
    assert [row["epoch"] for row in metric_rows(out)] == ["1", "2", "3"]
    assert not (out / LOCK_NAME).exists()


def test_a_finished_run_trains_more_epochs_in_its_own_folder(finished_run, capsys):
    first_environment = json.loads((finished_run / "environment.json").read_text())
    capsys.readouterr()
    assert run(["train", "--resume", str(finished_run), "--epochs", "4"]) == 0
    err = capsys.readouterr().err
    assert f"Resuming {finished_run} after epoch 2." in err
    assert "Extending the run from 2 to 4 epochs; the cosine" not in err  # default: no schedule
    assert "Extending the run from 2 to 4 epochs" in err and "epoch 4/4" in err
    assert [row["epoch"] for row in metric_rows(finished_run)] == ["1", "2", "3", "4"]
    state = read_checkpoint(finished_run / "last.pt")
    assert state.training.epochs_completed == 4 and state.spec.training["epochs"] == 4
    assert [score.epoch for score in state.training.scores] == [1, 2, 3, 4]
    assert json.loads((finished_run / "summary.json").read_text())["epochs_completed"] == 4
    environment = json.loads((finished_run / "environment.json").read_text())
    assert environment["started"] == first_environment["started"]  # the first start's, kept
    assert len(environment["resumed"]) == 1
    assert run(["train", "--resume", str(finished_run), "--epochs", "4"]) == 2
    assert "the run already trained all 4 epochs" in capsys.readouterr().err


def test_an_extended_cosine_run_goes_on_along_the_schedule_for_its_new_length(tmp_path, capsys):
    spec = write_small_spec(
        tmp_path / "spec.json",
        training={"epochs": 1, "batch_size": 32},
        schedule={"name": "cosine"},
    )
    out = tmp_path / "run"
    assert run(["train", str(spec), "--out", str(out)]) == 0
    capsys.readouterr()
    assert run(["train", "--resume", str(out), "--epochs", "2"]) == 0
    assert "the cosine learning-rate schedule is recomputed for 2 epochs" in capsys.readouterr().err
    rates = [float(row["lr"]) for row in metric_rows(out)]

    def cosine(step, steps):  # the rate of a cosine schedule from 0.001, 7 batches an epoch
        return 0.001 * (1 + math.cos(math.pi * step / steps)) / 2

    assert rates[0] == pytest.approx(cosine(6, 7), abs=1e-6)  # the 1-epoch schedule's last batch
    assert rates[1] == pytest.approx(cosine(13, 14), abs=1e-6)  # on the 2-epoch schedule
    state = read_checkpoint(out / "last.pt").training
    assert state.schedule["T_max"] == 2 * 7 and state.schedule["last_epoch"] == 2 * 7


@pytest.mark.parametrize(
    "where, words",
    [
        ("file/run", "part of the path is a file, not a folder"),
        ("/proc/cnnstudio-run", "cannot save a run there"),
    ],
)
def test_out_at_an_unwritable_place_is_said_before_loading_data(tmp_path, capsys, where, words):
    (tmp_path / "file").write_text("x")
    out = where if where.startswith("/") else str(tmp_path / where)
    spec = write_small_spec(tmp_path / "spec.json")
    assert run(["train", str(spec), "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cnnstudio: error: {out}") and words in err
    assert "Loading" not in err and err.count("\n") == 1


def test_a_full_disk_mid_run_says_which_epoch_is_kept(tmp_path, monkeypatch, capsys):
    spec = write_small_spec(tmp_path / "spec.json", training={"epochs": 3, "batch_size": 32})
    out = tmp_path / "run"
    writes = []

    def fill_up(path, data):  # the disk fills up during epoch 2's files
        writes.append(path)
        if str(path).endswith("last.pt") and any(str(p).endswith("last.pt") for p in writes[:-1]):
            raise OSError(errno.ENOSPC, "No space left on device")
        write_atomic(path, data)

    monkeypatch.setattr("cnnstudio.core.runs.run_folder.write_atomic", fill_up)
    assert run(["train", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == (
        f"cnnstudio: error: disk full, last good epoch 1 kept in {out / 'last.pt'}; free some "
        f"space, then go on with: cnnstudio train --resume {out}"
    )
    assert read_checkpoint(out / "last.pt").training.epochs_completed == 1
    assert not (out / LOCK_NAME).exists()
    monkeypatch.undo()
    assert run(["train", "--resume", str(out)]) == 0
    assert [row["epoch"] for row in metric_rows(out)] == ["1", "2", "3"]


def read_until(stream, text: bytes) -> bytes:
    """Raw output up to and including `text`, as soon as it is written (tqdm's bar ends in \\r)."""
    seen = b""
    while text not in seen:
        chunk = os.read(stream.fileno(), 4096)
        assert chunk, f"the process ended before writing {text!r}: {seen.decode()}"
        seen += chunk
    return seen


def test_a_second_ctrl_c_exits_quietly_with_the_files_intact(tmp_path):
    # One quick batch and a long validation an epoch: a stop asked for during validation waits
    # for the end of the epoch, and the second press lands while it waits.
    spec = write_small_spec(tmp_path / "spec.json", training={"epochs": 9, "batch_size": 32})
    data = json.loads(spec.read_text())
    data["dataset"]["options"].update(train_size=32, val_size=5000)
    spec.write_text(json.dumps(data))
    out = tmp_path / "run"
    command = [sys.executable, "-m", "cnnstudio", "train", str(spec), "--out", str(out)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        read_until(process.stderr, b"epoch 2/9:")  # its batch is done: validating epoch 2
        process.send_signal(signal.SIGINT)
        read_until(process.stderr, b"Stopping after this batch")
        process.send_signal(signal.SIGINT)
        rest = process.stderr.read().decode()
    finally:
        process.wait()
    assert process.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert rest.strip().splitlines()[-1].startswith("cnnstudio: aborted")
    done = read_checkpoint(out / "last.pt").training.epochs_completed
    assert len(metric_rows(out)) >= done >= 1
    assert not (out / LOCK_NAME).exists()


def test_a_projects_runs_stay_inside_its_folder_unless_given_an_absolute_path(tmp_path, capsys):
    home = tmp_path / "lessons" / "digits"
    home.mkdir(parents=True)
    project = home / "digits.cnnstudio"
    assert run(["project", str(project)]) == 0
    document = json.loads(project.read_text())
    document["spec"]["dataset"]["options"].update(train_size=100, val_size=20)
    document["spec"]["training"]["epochs"] = 1
    document["runs_folder"] = "../../escaped"
    project.write_text(json.dumps(document))
    capsys.readouterr()
    assert run(["train", str(project)]) == 2
    assert "runs_folder '../../escaped' leads outside the project's folder" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "escaped").exists()

    document["runs_folder"] = str(tmp_path / "chosen")
    project.write_text(json.dumps(document))
    assert run(["train", str(project)]) == 0
    (run_dir,) = (tmp_path / "chosen").iterdir()
    assert len(metric_rows(run_dir)) == 1


def test_project_and_report_to_unwritable_places_or_a_full_disk_are_plain_messages(
    finished_run, tmp_path, capsys, monkeypatch
):
    (tmp_path / "file").write_text("x")
    project, report = tmp_path / "file" / "p.cnnstudio", tmp_path / "file" / "r.html"
    capsys.readouterr()
    assert run(["project", str(project)]) == 2
    assert capsys.readouterr().err == (
        f"cnnstudio: error: {project}: cannot save the project (part of the path is a file, "
        "not a folder)\n"
    )
    assert run(["report", str(finished_run), "--out", str(report)]) == 2
    assert capsys.readouterr().err == (
        f"cnnstudio: error: {report}: cannot save the report (part of the path is a file, "
        "not a folder)\n"
    )

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert run(["report", str(finished_run), "--out", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err.endswith("cannot save the report (the disk is full)\n")
    assert run(["project", str(tmp_path / "p.cnnstudio")]) == 2
    assert capsys.readouterr().err.endswith("cannot save the project (the disk is full)\n")
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "p.cnnstudio").exists()
