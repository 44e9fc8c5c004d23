"""Runs that survive: kill and resume, refusing a changed spec, forks, prediction, projects."""

import csv
import json
import signal
import subprocess
import sys

import pytest

from cnnstudio.cli import run
from cnnstudio.core.runs.checkpoint import read_checkpoint
from tests.cli.test_cli import write_small_spec
from tests.datafiles import write_image


def metric_rows(folder):
    with open(folder / "metrics.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def kill_after_the_first_epoch(tmp_path, **changes):
    """Train a 3-epoch run of 3,000 shapes in another process, killed once epoch 1 is saved;
    `changes` are spec sections. Returns the run folder."""
    spec = tmp_path / "spec.json"
    write_small_spec(spec, training={"epochs": 3, "batch_size": 32}, **changes)
    data = json.loads(spec.read_text())
    data["dataset"]["options"].update(train_size=3000, val_size=200)
    spec.write_text(json.dumps(data))
    out = tmp_path / "run"
    command = [sys.executable, "-m", "cnnstudio", "train", str(spec), "--out", str(out)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stderr:  # the first epoch's summary line: last.pt is on disk
            if line.startswith("epoch 1/3 ") and "val loss" in line:
                break
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    return out


def test_a_killed_run_loses_at_most_its_current_epoch_and_resumes(tmp_path, capsys):
    out = kill_after_the_first_epoch(tmp_path)
    done = read_checkpoint(out / "last.pt").training.epochs_completed
    assert 1 <= done < 3
    assert len(metric_rows(out)) == done  # files agree with the checkpoint
    assert not (out / "summary.json").exists()

    assert run(["train", "--resume", str(out)]) == 0
    assert f"Resuming {out} after epoch {done}." in capsys.readouterr().err
    assert [row["epoch"] for row in metric_rows(out)] == ["1", "2", "3"]
    assert json.loads((out / "summary.json").read_text())["status"] == "completed"


@pytest.fixture
def finished_run(tmp_path):
    out = tmp_path / "run"
    spec = write_small_spec(tmp_path / "spec.json", training={"epochs": 1, "batch_size": 32})
    assert run(["train", str(spec), "--out", str(out)]) == 0
    return out


def test_resume_refuses_a_changed_spec_and_offers_a_fork(finished_run, capsys):
    capsys.readouterr()
    assert run(["train", "--resume", str(finished_run), "--lr", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "was trained with other settings (optimizer.lr: 0.001 -> 0.1)" in err
    assert "--init-from" in err
    assert run(["train", "--resume", str(finished_run)]) == 2
    assert "the run already trained all 1 epochs" in capsys.readouterr().err


def test_a_new_run_can_start_from_a_checkpoints_weights(finished_run, tmp_path, capsys):
    fork = tmp_path / "fork"
    argv = ["train", "--init-from", str(finished_run), "--out", str(fork), "--epochs", "1"]
    spec = str(finished_run / "spec.json")
    assert run([*argv, spec]) == 0
    assert read_checkpoint(fork / "last.pt").training.epochs_completed == 1
    argv[argv.index(str(fork))] = str(tmp_path / "fork2")
    assert run([*argv, spec, "--preset", "lenet5"]) == 2
    assert "its weights do not fit this layer stack" in capsys.readouterr().err


def test_predict_prints_the_top_classes_of_each_image(finished_run, tmp_path, capsys):
    image = write_image(tmp_path / "photo.jpg", size=(80, 60))
    capsys.readouterr()
    assert run(["predict", str(finished_run), str(image), "--top", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{image}: ") and line.count("%") == 2
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    assert run(["predict", str(finished_run / "best.pt"), str(tmp_path / "broken.png")]) == 2
    assert "broken.png: not an image this program can read" in capsys.readouterr().err


def test_a_project_keeps_the_spec_and_its_runs_beside_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project = tmp_path / "digits.cnnstudio"
    assert run(["project", str(project), "--preset", "lenet5"]) == 0
    assert run(["project", str(project), "--dataset", "shapes"]) == 0
    document = json.loads(project.read_text())
    assert document["format"] == "cnnstudio.project" and document["spec"]["layers"][0]
    data = document["spec"]
    data["dataset"]["options"].update(train_size=100, val_size=20)
    data["training"]["epochs"] = 1
    project.write_text(json.dumps(document))
    assert run(["train", str(project)]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert json.loads((run_dir / "spec.json").read_text())["layers"] == data["layers"]

    project.write_text('{"format": "cnnstudio.project", "version": 1, "spec": {"seed": -1}}')
    assert run(["train", str(project)]) == 2
    assert "digits.cnnstudio: spec.seed" in capsys.readouterr().err
    project.write_text("[1, 2]")
    assert run(["train", str(project)]) == 2
    assert "digits.cnnstudio: not a cnnstudio project" in capsys.readouterr().err
