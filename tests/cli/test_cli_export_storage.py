"""Exports to places that cannot be written: one plain line, exit 2, nothing half-written."""

import subprocess

import pytest

from cnnstudio.cli import run
from tests.cli.test_cli import write_small_spec

FORMATS = [("torchscript", "m.pt"), ("onnx", "m.onnx"), ("script", "train.py")]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    spec = write_small_spec(folder / "spec.json", training={"epochs": 1, "batch_size": 32})
    assert run(["train", str(spec), "--out", str(folder / "run")]) == 0
    return folder / "run"


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 4 KB tmpfs: the first file of any size fills it."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def export(trained, model_format, out):
    return run(["export", str(trained), "--format", model_format, "--out", str(out)])


@pytest.mark.parametrize(("model_format", "name"), FORMATS)
def test_export_to_a_place_that_cannot_exist_says_why(
    trained, tmp_path, capsys, model_format, name
):
    capsys.readouterr()
    assert export(trained, model_format, f"/proc/cnnstudio-x/{name}") == 2
    err = capsys.readouterr().err
    assert err == (
        f"cnnstudio: error: /proc/cnnstudio-x/{name}: the folder /proc/cnnstudio-x cannot be "
        "created there; pick another place\n"
    )
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    assert export(trained, model_format, a_file / name) == 2
    err = capsys.readouterr().err
    assert err.endswith(f"{a_file} is a file, not a folder; pick another place\n")
    assert err.count("\n") == 1 and a_file.read_text() == "mine"


@pytest.mark.parametrize(("model_format", "name"), FORMATS)
def test_export_onto_a_full_disk_says_so_and_leaves_nothing(
    trained, full_disk, capsys, model_format, name
):
    capsys.readouterr()
    assert export(trained, model_format, full_disk / name) == 2
    err = capsys.readouterr().err
    assert err == (
        f"cnnstudio: error: {full_disk / name}: the disk is full; free some space or write "
        "somewhere else\n"
    )
    assert list(full_disk.iterdir()) == []
