"""`cnnstudio explain` on real checkpoints of every preset and of a folder dataset: every promised
file is there and readable, explain.json says what the pictures show, and the top class is the one
`cnnstudio predict` names."""

import errno
import json
import os

import numpy as np
import pytest
from PIL import Image

from cnnstudio.cli import run
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.runs.checkpoint import load_model
from tests.datafiles import write_image

TINY_RUN = ["--epochs", "1", "--batch-size", "32", "--device", "cpu", "--seed", "1"]


def write_tiny_spec(path):
    """The built-in shapes, 64 training and 16 validation images: a run takes about a second."""
    spec = {"dataset": {"name": "shapes", "options": {"train_size": 64, "val_size": 16}}}
    path.write_text(json.dumps(spec))
    return path


@pytest.fixture(scope="module")
def shape_files(tmp_path_factory):
    """Three shapes as PNG files; two share a name in different folders."""
    folder = tmp_path_factory.mktemp("shapes")
    data = get_source("shapes").load({"train_size": 20, "val_size": 10, "seed": 3})
    paths = [folder / "a" / "disc.png", folder / "b" / "disc.png", folder / "square.png"]
    for path, image in zip(paths, data.val_images, strict=False):
        path.parent.mkdir(exist_ok=True)
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(path)
    return paths


@pytest.fixture(scope="module")
def preset_runs(tmp_path_factory):
    """A one-epoch run of each preset (lenet5 on grey input, the others in colour)."""
    root = tmp_path_factory.mktemp("runs")
    spec = write_tiny_spec(root / "tiny.json")
    runs = {}
    for name in PRESETS:
        grey = ["--channels", "1"] if name == "lenet5" else []
        out = root / name
        assert run(["train", str(spec), "--preset", name, *grey, *TINY_RUN, "--out", str(out)]) == 0
        runs[name] = out
    return runs


def predicted(capsys, checkpoint, images) -> list[str]:
    """`cnnstudio predict`'s top class for each image."""
    capsys.readouterr()
    assert run(["predict", str(checkpoint), *map(str, images), "--top", "1"]) == 0
    return [line.split(": ")[1].rsplit(" ", 1)[0] for line in capsys.readouterr().out.splitlines()]


def png_size(path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        image.load()  # decodes every pixel: a truncated file fails here
        return image.size


def check_folder(folder, saved, top_class):
    """Every file `explain` promises for one image, each readable and of the right shape."""
    summary = json.loads((folder / "explain.json").read_text())
    layers = summary["layers"]
    assert [layer["number"] for layer in layers] == list(range(1, len(saved.spec.layers) + 1))
    maps = sorted(path.name for path in folder.glob("maps-*.png"))
    assert maps == sorted(layer["picture"] for layer in layers)
    assert maps[0].startswith("maps-01-") and all(png_size(folder / name) for name in maps)
    for layer in layers:
        assert layer["receptive_field"] >= 1 and layer["params"] >= 0 and layer["macs"] >= 0
        assert layer["explanation"] and layer["shape"] and layer["name"] in layer["picture"]
    assert layers[-1]["shape"] == [len(saved.class_names)]
    top = summary["top"]
    assert len(top) == min(5, len(saved.class_names)) and top[0]["class"] == top_class
    assert [t["probability"] for t in top] == sorted((t["probability"] for t in top), reverse=True)
    assert summary["target"] == {
        "class": top_class,
        "number": saved.class_names.index(top_class),
    }
    cam_layer = summary["gradcam_layer"]
    assert layers[cam_layer["number"] - 1]["name"] == cam_layer["name"]
    assert len(layers[cam_layer["number"] - 1]["shape"]) == 3  # a layer with maps
    cam = np.load(folder / "gradcam.npy", allow_pickle=False)
    assert cam.dtype == np.float32 and cam.shape == saved.input_shape[1:]
    assert cam.min() >= 0 and cam.max() <= 1
    height, width = saved.input_shape[1:]
    for name in ("gradcam.png", "occlusion.png"):
        size = png_size(folder / name)
        assert size[0] % width == 0 and size[0] // width == size[1] // height >= 2
    assert png_size(folder / "filters.png")
    assert 0 <= summary["occlusion_largest_drop"] <= 1
    return summary


@pytest.mark.parametrize("preset", list(PRESETS))
def test_explain_writes_every_picture_for_each_preset(
    preset, preset_runs, shape_files, tmp_path, capsys
):
    checkpoint = preset_runs[preset] / "best.pt"
    saved = load_model(checkpoint)
    tops = predicted(capsys, checkpoint, shape_files)
    out = tmp_path / "explained"
    assert run(["explain", str(checkpoint), *map(str, shape_files), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    folders = [out / "disc", out / "disc-2", out / "square"]  # one folder per image, never shared
    assert sorted(out.iterdir()) == folders
    for line, path, folder, top in zip(lines, shape_files, folders, tops, strict=True):
        assert line.startswith(f"{path}: {top} ") and line.endswith(f"pictures in {folder}")
        summary = check_folder(folder, saved, top)
        assert summary["image"] == str(path)


def test_explain_on_a_folder_dataset_of_png_files(tmp_path, capsys):
    for label, name in enumerate(("dark", "light")):
        for i in range(12):
            write_image(tmp_path / "img" / name / f"{i}.png", (30, 30), value=60 + 120 * label + i)
    asked = [
        write_image(tmp_path / "new dark.png", (50, 40), value=65),
        write_image(tmp_path / "new light.jpg", (36, 36), value=185, fmt="JPEG"),
    ]
    out_run = tmp_path / "run"
    data = ["--dataset", "folder", "--data-dir", str(tmp_path / "img"), "--image-size", "28"]
    assert run(["train", *data, "--preset", "tutorial", *TINY_RUN, "--out", str(out_run)]) == 0
    saved = load_model(out_run / "best.pt")
    assert saved.class_names == ["dark", "light"] and saved.input_shape == (3, 28, 28)
    tops = predicted(capsys, out_run, asked)
    out = tmp_path / "why"
    assert run(["explain", str(out_run), *map(str, asked), "--out", str(out)]) == 0
    for folder, top in zip((out / "new dark", out / "new light"), tops, strict=True):
        summary = check_folder(folder, saved, top)
        assert [t["class"] for t in summary["top"]] == [top, ({"dark", "light"} - {top}).pop()]


def test_layer_and_target_choose_what_grad_cam_explains(preset_runs, shape_files, tmp_path):
    checkpoint = preset_runs["tutorial"] / "best.pt"
    image = str(shape_files[2])
    assert run(["explain", str(checkpoint), image, "--out", str(tmp_path / "a"),
                "--layer", "conv1", "--target", "STAR"]) == 0  # fmt: skip
    summary = json.loads((tmp_path / "a" / "square" / "explain.json").read_text())
    assert summary["gradcam_layer"] == {"name": "conv1", "number": 1}
    assert summary["target"] == {"class": "star", "number": 5}
    assert run(["explain", str(checkpoint), image, "--out", str(tmp_path / "b"),
                "--layer", "3", "--target", "7"]) == 0  # fmt: skip
    summary = json.loads((tmp_path / "b" / "square" / "explain.json").read_text())
    assert summary["gradcam_layer"] == {"name": "pool1", "number": 3}
    assert summary["target"] == {"class": "stripes", "number": 7}
    first = np.load(tmp_path / "a" / "square" / "gradcam.npy")
    assert not np.array_equal(first, np.load(tmp_path / "b" / "square" / "gradcam.npy"))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--layer", "conv9"],
            "no layer 'conv9' in this network; its layers are: 1 conv1, 2 relu1",
        ),
        (["--layer", "13"], "its layers are: 1 conv1"),
        (["--layer", "fc1"], "8 fc1 has a flat output; Grad-CAM needs a layer with feature maps"),
        (["--target", "hexagon"], "no class 'hexagon' in this network; its classes are: 0 disc"),
        (["--target", "10"], "its classes are: 0 disc, 1 ring, 2 square"),
    ],
)
def test_a_wrong_layer_or_class_is_one_line_naming_the_choices(
    flags, message, preset_runs, shape_files, tmp_path, capsys
):
    out = tmp_path / "out"
    argv = ["explain", str(preset_runs["tutorial"]), str(shape_files[0]), "--out", str(out)]
    assert run([*argv, *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cnnstudio: error: ") and err.count("\n") == 1 and message in err
    assert not out.exists()


def test_a_used_out_folder_is_refused_and_left_alone(preset_runs, shape_files, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert (
        run(["explain", str(preset_runs["tutorial"]), str(shape_files[0]), "--out", str(out)]) == 2
    )
    err = capsys.readouterr().err
    assert err == (
        f"cnnstudio: error: {out} is not empty; the explanations never go over other files. Pick "
        "a new or empty folder with --out.\n"
    )
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_unreadable_images_are_listed_and_skipped(preset_runs, shape_files, tmp_path, capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    missing = tmp_path / "missing.png"
    out = tmp_path / "out"
    checkpoint = str(preset_runs["tutorial"])
    assert run(["explain", checkpoint, str(broken), str(missing), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cnnstudio: error: no image could be read: {broken}: not an image")
    assert err.endswith("(and 1 more)\n") and err.count("\n") == 1
    assert not out.exists()
    assert run(["explain", checkpoint, str(broken), str(shape_files[2]), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"Skipped {broken}: ") and captured.err.count("\n") == 1
    assert len(captured.out.splitlines()) == 1 and [p.name for p in out.iterdir()] == ["square"]


def test_an_unwritable_out_or_a_full_disk_is_one_plain_line(
    preset_runs, shape_files, tmp_path, capsys, monkeypatch
):
    (tmp_path / "file").write_text("x")
    argv = ["explain", str(preset_runs["tutorial"]), str(shape_files[2]), "--out"]
    assert run([*argv, str(tmp_path / "file" / "out")]) == 2
    assert capsys.readouterr().err == (
        f"cnnstudio: error: {tmp_path / 'file' / 'out'}: cannot save the explanations there "
        "(part of the path is a file, not a folder); pick another folder\n"
    )

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert run([*argv, str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"cnnstudio: error: {tmp_path / 'out'}: cannot save the explanations (the disk is full)\n"
    )
    assert not list((tmp_path / "out").rglob("*.png"))  # no half-written picture


def test_a_network_without_maps_gets_no_grad_cam_and_explain_json_says_so(
    shape_files, tmp_path, capsys
):
    spec = write_tiny_spec(tmp_path / "flat.json")
    document = json.loads(spec.read_text())
    document["layers"] = [{"type": "flatten"}, {"type": "linear", "out_features": 16},
                          {"type": "relu"}, {"type": "linear"}]  # fmt: skip
    spec.write_text(json.dumps(document))
    assert run(["train", str(spec), *TINY_RUN, "--out", str(tmp_path / "run")]) == 0
    out = tmp_path / "out"
    checkpoint = str(tmp_path / "run")
    assert run(["explain", checkpoint, str(shape_files[2]), "--out", str(out)]) == 0
    summary = json.loads((out / "square" / "explain.json").read_text())
    assert summary["gradcam_layer"] is None and summary["gradcam"] is None
    assert summary["filters"] is None and summary["occlusion"] == "occlusion.png"
    assert sorted(p.name for p in (out / "square").iterdir()) == [
        "explain.json",
        *("maps-01-flatten1.png", "maps-02-fc1.png", "maps-03-relu1.png", "maps-04-fc2.png"),
        "occlusion.png",
    ]
    capsys.readouterr()
    assert run(["explain", checkpoint, str(shape_files[2]), "--out", str(tmp_path / "o2"),
                "--layer", "flatten1"]) == 2  # fmt: skip
    assert "1 flatten1 has a flat output; Grad-CAM needs a layer with feature maps" in (
        capsys.readouterr().err
    )
