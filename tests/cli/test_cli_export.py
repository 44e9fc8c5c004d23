"""Exports: TorchScript/ONNX with parity checks, the standalone training script, run reports."""

import json
import subprocess
import sys

import pytest

from cnnstudio.cli import run
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.export import models as export
from cnnstudio.core.runs.checkpoint import load_model
from tests.cli.test_cli import write_small_spec
from tests.datafiles import write_mnist

ONE_EPOCH = ["--epochs", "1", "--batch-size", "16", "--device", "cpu"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A one-epoch run on 200 shapes, with augmentation, a schedule and dropout."""
    folder = tmp_path_factory.mktemp("trained")
    spec = write_small_spec(
        folder / "spec.json",
        augment={"crop_padding": 2, "hflip": True, "cutout": 4, "brightness": 0.1},
        schedule={"name": "cosine"},
        training={"epochs": 1, "batch_size": 32, "label_smoothing": 0.1},
    )
    assert run(["train", str(spec), "--preset", "vgg_small", "--out", str(folder / "run")]) == 0
    return folder / "run"


@pytest.mark.parametrize(("model_format", "name"), [("torchscript", "m.pt"), ("onnx", "m.onnx")])
def test_exported_models_agree_with_the_trained_one(trained, tmp_path, capsys, model_format, name):
    out = tmp_path / name
    assert run(["export", str(trained), "--format", model_format, "--out", str(out)]) == 0
    assert "Parity check: the exported model agrees on 50/50 held-out" in capsys.readouterr().err
    metadata = json.loads((tmp_path / f"{name}.meta.json").read_text())
    saved = load_model(trained / "best.pt")
    assert metadata["class_names"] == saved.class_names
    assert metadata["preprocessing"]["mean"] == saved.mean
    assert metadata["input"]["shape"] == ["batch", 3, 32, 32]
    assert metadata["parity"]["agreeing"] == metadata["parity"]["images"] == 50


def test_an_export_that_disagrees_fails_and_keeps_nothing(trained, tmp_path, monkeypatch):
    writer, _ = export._FORMATS["torchscript"]
    wrong = lambda path: lambda batch: -batch.reshape(len(batch), -1)[:, :10]  # noqa: E731
    monkeypatch.setitem(export._FORMATS, "torchscript", (writer, wrong))
    out = tmp_path / "m.pt"
    with pytest.raises(
        CnnstudioError, match=r"disagrees with the trained one; it agrees on \d+/50"
    ):
        export.export_model(load_model(trained / "best.pt"), "torchscript", out)
    assert list(tmp_path.iterdir()) == []


def run_script(script, *launcher, cwd):
    command = [sys.executable, *launcher, str(script), "--workers", "0"]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_the_exported_script_trains_alone_and_under_torchrun(trained, tmp_path):
    script = tmp_path / "train.py"
    assert run(["export", str(trained), "--format", "script", "--out", str(script)]) == 0
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--line-length", "100", str(script)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    text = script.read_text()
    assert "class Net(nn.Module):" in text and "T.RandomCrop((32, 32), padding=2" in text

    alone = run_script(script, cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    assert "in 1 process(es): 200 training images" in alone.stdout
    assert "Accuracy on the 50 validation images" in alone.stdout
    assert (tmp_path / "trained_net.pth").exists()

    launcher = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    distributed = run_script(script, *launcher, cwd=tmp_path)
    assert distributed.returncode == 0, distributed.stderr
    assert "Training on cpu in 2 process(es)" in distributed.stdout
    assert distributed.stdout.count("epoch 1/1") == 1  # one report, from the first process


def test_the_script_reads_a_benchmark_dataset_through_torchvision(tmp_path):
    write_mnist(tmp_path / "data")
    out = tmp_path / "run"
    argv = ["train", "--dataset", "mnist", "--data-dir", str(tmp_path / "data"), "--out", str(out)]
    assert run([*argv, "--image-size", "32", "--channels", "3", *ONE_EPOCH]) == 0
    script = tmp_path / "train.py"
    assert run(["export", str(out), "--format", "script", "--out", str(script)]) == 0
    assert "torchvision.datasets.MNIST(data_dir, train=True" in script.read_text()
    assert "T.RGB()" in script.read_text() and "T.Resize((32, 32))" in script.read_text()
    result = run_script(script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Accuracy on the 20 validation images" in result.stdout


def test_report_writes_html_plots_and_csv(trained, tmp_path, capsys):
    for name in ("report.html", "curves.png", "curves.svg", "metrics.csv"):
        assert run(["report", str(trained), "--out", str(tmp_path / name)]) == 0
    page = (tmp_path / "report.html").read_text()
    assert "<svg" in page and "Confusion matrix (epoch 1, the best)" in page
    assert "macro average" in page and "&quot;format&quot;: &quot;cnnstudio.run&quot;" in page
    assert (tmp_path / "curves.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "curves.svg").read_text()
    assert (tmp_path / "metrics.csv").read_text().startswith("epoch,train_loss")
    assert run(["report", str(trained), "--out", str(tmp_path / "r.txt")]) == 2
    assert "expected a file ending in .html" in capsys.readouterr().err


def test_an_exporter_that_breaks_is_reported_in_plain_words(trained, tmp_path, monkeypatch):
    def broken(saved, images):
        raise RuntimeError("Decorator script does not work on dynamically compiled function")

    _, runner = export._FORMATS["onnx"]
    monkeypatch.setitem(export._FORMATS, "onnx", (broken, runner))
    with pytest.raises(CnnstudioError, match=r"^onnx export failed: Decorator script does not"):
        export.export_model(load_model(trained / "best.pt"), "onnx", tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []
