"""Each dataset kind trains end to end from the command line on format-faithful files."""

import json

import pytest
from torchvision import datasets as tv

from cnnstudio.cli import run
from tests.datafiles import (
    patch_cifar_checksums,
    patch_svhn_checksums,
    write_cifar,
    write_image,
    write_mnist,
    write_svhn,
)

ONE_EPOCH = ["--epochs", "1", "--batch-size", "16", "--device", "cpu"]


@pytest.mark.parametrize(
    ("name", "folder"),
    [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST"), ("kmnist", "KMNIST")],
)
def test_train_on_mnist_family_files(tmp_path, capsys, name, folder):
    write_mnist(tmp_path / "data", folder)
    out = tmp_path / "run"
    argv = ["train", "--dataset", name, "--data-dir", str(tmp_path / "data"), "--out", str(out)]
    assert run([*argv, *ONE_EPOCH]) == 0
    assert "60 training and 20 validation images (1x28x28)" in capsys.readouterr().err
    assert json.loads((out / "spec.json").read_text())["dataset"]["name"] == name


def test_train_on_cifar10_files_resized_to_grayscale(tmp_path, capsys, monkeypatch):
    patch_cifar_checksums(monkeypatch, tv.CIFAR10, write_cifar(tmp_path))
    argv = [
        "train",
        "--dataset",
        "cifar10",
        "--data-dir",
        str(tmp_path),
        "--image-size",
        "28",
        "--channels",
        "1",
        "--val-fraction",
        "0.2",
        "--out",
        str(tmp_path / "run"),
    ]
    assert run([*argv, *ONE_EPOCH]) == 0
    assert "80 training and 20 validation images (1x28x28)" in capsys.readouterr().err


def test_train_on_a_folder_with_broken_files_reports_them(tmp_path, capsys):
    for c, name in enumerate(("red", "green")):
        for i in range(8):
            write_image(tmp_path / "img" / name / f"{i}.png", (24, 24), value=60 + 100 * c + i)
    (tmp_path / "img" / "red" / "broken.png").write_bytes(b"\x89PNG not really")
    argv = [
        "train",
        "--dataset",
        "folder",
        "--data-dir",
        str(tmp_path / "img"),
        "--image-size",
        "16",
        "--out",
        str(tmp_path / "run"),
    ]
    assert run([*argv, *ONE_EPOCH]) == 0
    err = capsys.readouterr().err
    assert "Skipped 1 unreadable file(s)" in err and "(3x16x16)" in err
    assert run(["inspect", "folder", "--data-dir", str(tmp_path / "img")]) == 0
    out = capsys.readouterr().out
    assert "broken.png: not a readable image" in out and "red" in out


def test_inspect_builtin_and_missing_dataset(tmp_path, capsys):
    assert run(["inspect", "shapes"]) == 0
    assert "10,000 training and 2,000 validation images, 3x32x32" in capsys.readouterr().out
    assert run(["inspect", "svhn", "--data-dir", str(tmp_path)]) == 2
    assert "`cnnstudio download svhn`" in capsys.readouterr().err


def test_download_offline_exits_2_and_leaves_the_directory_alone(tmp_path, capsys, monkeypatch):
    import urllib.request

    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.setattr(urllib.request, "_opener", None)
    assert run(["download", "kmnist", "--data-dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "Could not download Kuzushiji-MNIST into" in err and "Nothing was written" in err
    assert not (tmp_path / "d").exists()


def test_datasets_lists_what_is_here(tmp_path, capsys):
    write_mnist(tmp_path)
    assert run(["datasets", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Data directory: {tmp_path}" in out
    assert "MNIST  (1x28x28, 10 classes, ready)" in out
    assert "not here: cnnstudio download cifar10" in out
    # Each dataset's options, for --data-option
    assert "Options (--data-option KEY=VALUE; the defaults): train_size=10000," in out


def test_option_that_a_dataset_does_not_have_is_named(capsys):
    assert run(["train", "--val-fraction", "0.3"]) == 2
    assert "dataset.options: unknown field 'val_fraction'" in capsys.readouterr().err


def test_train_on_cifar100_files(tmp_path, capsys, monkeypatch):
    patch_cifar_checksums(monkeypatch, tv.CIFAR100, write_cifar(tmp_path, classes=100))
    argv = [
        "train",
        "--dataset",
        "cifar100",
        "--data-dir",
        str(tmp_path),
        "--out",
        str(tmp_path / "run"),
    ]
    assert run([*argv, *ONE_EPOCH]) == 0
    assert "20 training and 20 validation images (3x32x32), 100 classes" in capsys.readouterr().err


def test_train_on_svhn_files(tmp_path, capsys, monkeypatch):
    sums, _ = write_svhn(tmp_path / "SVHN")
    patch_svhn_checksums(monkeypatch, sums)
    argv = ["train", "--dataset", "svhn", "--data-dir", str(tmp_path), "--out", str(tmp_path / "r")]
    assert run([*argv, *ONE_EPOCH]) == 0
    assert "30 training and 10 validation images (3x32x32)" in capsys.readouterr().err
