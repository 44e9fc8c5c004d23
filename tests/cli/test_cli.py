import csv
import json
import subprocess
import sys

import pytest
import torch

from cnnstudio.cli import run
from cnnstudio.core.runs.checkpoint import load_model, read_checkpoint
from cnnstudio.core.spec.run_spec import RunSpec


def write_small_spec(path, **changes):
    data = RunSpec().to_dict()
    data["dataset"]["options"].update(train_size=200, val_size=50)
    data["training"].update(epochs=2, batch_size=32)
    data.update(changes)
    path.write_text(json.dumps(data))
    return path


def test_train_writes_a_complete_run_folder(tmp_path, capsys):
    spec_file = write_small_spec(tmp_path / "small.json")
    out = tmp_path / "run"
    assert (
        run(
            [
                "train",
                str(spec_file),
                "--preset",
                "lenet5",
                "--epochs",
                "3",
                "--lr",
                "0.002",
                "--optimizer",
                "sgd",
                "--seed",
                "4",
                "--device",
                "cpu",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and "val loss" in err and f"Run saved in {out}" in err
    spec = json.loads((out / "spec.json").read_text())
    assert spec["training"]["epochs"] == 3 and spec["optimizer"] == {
        "name": "sgd",
        "lr": 0.002,
        "weight_decay": 0.0,
        "momentum": 0.9,
        "nesterov": False,
    }
    assert spec["seed"] == 4 and spec["layers"][1]["type"] == "tanh"
    with open(out / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    assert {
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "lr",
        "seconds",
    } <= set(rows[0])
    matrices = json.loads((out / "confusion_matrices.json").read_text())
    assert sorted(matrices["epochs"]) == ["1", "2", "3"]
    assert sum(map(sum, matrices["epochs"]["3"])) == 50
    assert json.loads((out / "summary.json").read_text())["status"] == "completed"
    saved = load_model(out / "best.pt")
    assert saved.spec.to_dict() == spec and len(saved.class_names) == 10
    assert read_checkpoint(out / "last.pt").training.epochs_completed == 3
    environment = json.loads((out / "environment.json").read_text())
    assert environment["torch"] == torch.__version__ and environment["device"] == "cpu"
    assert "Imbalance: the largest class is 1.00x" in (out / "dataset_check.txt").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--preset", "alexnet"], "unknown preset 'alexnet'; available presets: tutorial"),
        (
            ["train", "--dataset", "imagenet"],
            "unknown dataset 'imagenet'; available datasets: shapes",
        ),
        (["train", "--epochs", "0"], "training.epochs: expected an integer >= 1"),
        (["train", "--optimizer", "lbfgs"], "optimizer.name: expected one of: sgd, adam"),
        (["train", "--device", "tpu"], "device: expected auto, cpu, cuda, cuda:N or mps"),
        (["train", "missing.json"], "missing.json: no such file"),
        (["spec", "--preset", "nope"], "unknown preset 'nope'"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_status_2(
    argv, message, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cnnstudio: error: ") and message in err
    assert not (tmp_path / "runs").exists()


def test_impossible_stack_is_reported_before_loading_data(tmp_path, capsys):
    spec_file = write_small_spec(
        tmp_path / "bad.json",
        layers=[{"type": "conv2d", "kernel_size": 40}, {"type": "flatten"}, {"type": "linear"}],
    )
    assert run(["train", str(spec_file), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "cnnstudio: error: Layer 1 (Conv2d): its 40x40 window is larger than the 32x32 input; "
        "use a smaller kernel, add padding, or remove a pooling layer before it.\n"
    )
    assert not (tmp_path / "run").exists()


def test_broken_spec_file_names_file_and_position(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"layers": [}')
    assert run(["train", str(broken)]) == 2
    assert "broken.json: not valid JSON (line 1, column 13" in capsys.readouterr().err


def test_failed_run_exits_1_with_the_reason_and_keeps_the_files(tmp_path, capsys):
    spec_file = write_small_spec(
        tmp_path / "wild.json",
        optimizer={"name": "sgd", "lr": 5.0, "momentum": 0.9},
        training={"epochs": 2, "batch_size": 32},
    )
    out = tmp_path / "run"
    assert run(["train", str(spec_file), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "cnnstudio: training failed: The loss became NaN" in err
    assert json.loads((out / "summary.json").read_text())["status"] == "failed"
    assert (out / "spec.json").exists() and (out / "dataset_check.txt").exists()


def test_spec_prints_a_complete_spec_that_loads_back(capsys):
    assert run(["spec", "--preset", "resnet_small", "--dataset", "shapes"]) == 0
    printed = capsys.readouterr().out
    assert RunSpec.from_dict(json.loads(printed)) == RunSpec().with_preset("resnet_small")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("presets", ["tutorial", "lenet5", "vgg_small", "resnet_small", "parameters"]),
        ("datasets", ["shapes", "ready"]),
        ("layers", ["conv2d", "global_avg_pool", "residual", "Slides small learned filters"]),
        ("devices", ["cpu", "cores"]),
    ],
)
def test_listings(command, expected, capsys):
    assert run([command]) == 0
    out = capsys.readouterr().out
    for word in expected:
        assert word in out


def test_python_m_cnnstudio_gives_one_line_errors_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "train", "--preset", "alexnet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("cnnstudio: error: unknown preset 'alexnet'")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
