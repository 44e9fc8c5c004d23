"""Folders of the user's own images: layouts, formats, broken files, caching, the dataset check."""

import shutil

import pytest
import torch

from cnnstudio.cli import run
from cnnstudio.core.data.inspect import inspect_data
from cnnstudio.core.data.sources import folder as folder_module
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.errors import DatasetError
from tests.datafiles import write_image

FORMATS = [
    ("png", "PNG"),
    ("jpg", "JPEG"),
    ("bmp", "BMP"),
    ("gif", "GIF"),
    ("webp", "WEBP"),
    ("tiff", "TIFF"),
]


def options(path, **changes):
    values = {p.name: p.default for p in get_source("folder").options}
    return {**values, "path": str(path) if path else None, **changes}


def make_folder(root, classes=("cat", "dog", "owl"), per_class=6, nested=False):
    for c, name in enumerate(classes):
        for i in range(per_class):
            suffix, fmt = FORMATS[(c + i) % len(FORMATS)]
            sub = f"batch{i % 2}/" if nested else ""
            mode = "L" if i % 3 == 0 else "RGB"
            write_image(
                root / name / f"{sub}{i}.{suffix}",
                (40 + i * 4, 30 + c * 6),
                mode,
                value=40 + 60 * c + i,
                fmt=fmt,
            )
    return root


def add_broken_files(root):
    (root / "cat" / "empty.png").write_bytes(b"")
    good = (root / "dog" / "0.jpg").read_bytes()
    (root / "dog" / "cut.jpg").write_bytes(good[: len(good) // 2])
    (root / "owl" / "notes.jpg").write_text("not a picture")
    (root / "owl" / "readme.txt").write_text("class notes")
    (root / "owl" / ".DS_Store").write_bytes(b"\0\0")  # hidden: ignored, not reported


def test_every_format_grayscale_and_colour_decodes_into_one_uint8_tensor(tmp_path):
    root = make_folder(tmp_path / "pets", nested=True)
    data = get_source("folder").load(options(root, val_fraction=0.34), tmp_path / "data")
    assert data.class_names == ["cat", "dog", "owl"]
    assert data.train_images.dtype == torch.uint8
    assert data.train_images.shape[1:] == (3, 36, 36)  # auto: median shorter side, colour
    assert len(data.train_labels) + len(data.val_labels) == 18
    assert data.val_labels.bincount().tolist() == [2, 2, 2]
    assert data.skipped == [] and len(data.paths) == 18
    assert data.original_sizes.shape == (18, 2)


def test_chosen_size_and_channels_and_automatic_grayscale(tmp_path):
    root = make_folder(tmp_path / "pets")
    source = get_source("folder")
    data = source.load(options(root, image_size=16, channels=1), tmp_path / "data")
    assert data.train_images.shape[1:] == (1, 16, 16)
    gray = tmp_path / "gray"
    for name in ("a", "b"):
        for i in range(3):
            write_image(gray / name / f"{i}.png", (20, 20), "L", value=i * 50)
    assert source.native_shape(options(gray)) == (1, 20, 20)


def test_unreadable_files_are_skipped_and_listed_with_reasons(tmp_path):
    root = make_folder(tmp_path / "pets")
    add_broken_files(root)
    data = get_source("folder").load(options(root), tmp_path / "data")
    reasons = {
        path.split("/")[-1]: reason for path, reason in ((s.path, s.reason) for s in data.skipped)
    }
    assert set(reasons) == {"empty.png", "cut.jpg", "notes.jpg", "readme.txt"}
    assert reasons["empty.png"] == "empty file (0 bytes)"
    assert reasons["cut.jpg"].startswith("cannot be decoded (")
    assert reasons["notes.jpg"].startswith("not a readable image (")
    assert reasons["readme.txt"] == "not an image file (.txt)"
    assert len(data.train_labels) + len(data.val_labels) == 18


def test_train_and_val_subfolders_are_used_as_they_are(tmp_path):
    make_folder(tmp_path / "set" / "train", per_class=4)
    make_folder(tmp_path / "set" / "val", per_class=2)
    make_folder(tmp_path / "set" / "test", per_class=1)
    data = get_source("folder").load(options(tmp_path / "set"), tmp_path / "data")
    assert len(data.train_labels) == 12 and len(data.val_labels) == 6
    assert all("/val/" in path for path in data.paths[12:])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda root: make_folder(root, classes=("only",)), r"found 1 class folder\(s\)"),
        (lambda root: root.mkdir(), r"found 0 class folder"),
        (
            lambda root: (make_folder(root, classes=("a", "b")), (root / "empty").mkdir()),
            r"class 'empty' has no readable image",
        ),
        (
            lambda root: (
                make_folder(root, classes=("a", "b")),
                (root / "c").mkdir(),
                (root / "c" / "x.png").write_bytes(b""),
            ),
            r"class 'c' has no readable image",
        ),
    ],
)
def test_folders_that_cannot_train_are_clear_errors(tmp_path, build, message):
    root = tmp_path / "images"
    build(root)
    with pytest.raises(DatasetError, match=message):
        get_source("folder").load(options(root), tmp_path / "data")


def test_missing_folder_and_missing_path_are_clear_errors(tmp_path):
    with pytest.raises(DatasetError, match=r"no such folder"):
        get_source("folder").load(options(tmp_path / "absent"))
    with pytest.raises(DatasetError, match=r"choose the folder"):
        get_source("folder").load(options(None))


def test_second_load_comes_from_the_cache_until_a_file_changes(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "pets")
    source, cache = get_source("folder"), tmp_path / "data"
    first = source.load(options(root), cache)

    def no_decoding(*args):
        raise AssertionError("decoded again")

    monkeypatch.setattr(folder_module, "decode_image", no_decoding)
    second = source.load(options(root), cache)
    assert torch.equal(first.train_images, second.train_images)
    assert second.paths == first.paths
    monkeypatch.undo()
    write_image(root / "cat" / "new.png", (40, 40), value=1)
    assert len(source.load(options(root), cache).paths) == 19


def test_dataset_check_reports_balance_sizes_skipped_and_leakage(tmp_path):
    root = tmp_path / "set"
    make_folder(root / "train", classes=("cat", "dog"), per_class=6)
    for i in range(6, 12):
        write_image(root / "train" / "cat" / f"{i}.png", (50, 50), value=200 + i)
    make_folder(root / "val", classes=("cat", "dog"), per_class=2)
    shutil.copy(root / "train" / "dog" / "0.jpg", root / "val" / "dog" / "copy.jpg")
    (root / "train" / "cat" / "empty.png").write_bytes(b"")
    report = inspect_data(get_source("folder").load(options(root), tmp_path / "data"))
    assert report.train_counts.tolist() == [12, 6] and report.val_counts.tolist() == [2, 3]
    assert report.imbalance_ratio == pytest.approx(2.0)
    text = "\n".join(report.describe())
    assert "empty.png: empty file (0 bytes)" in text
    assert "imbalanced" in text and "from 40x30 to" in text
    assert report.duplicates and "leakage" in text
    assert "train/dog/0.jpg = " in text and "val/dog/copy.jpg" in text


def test_dataset_check_of_a_clean_builtin_dataset():
    data = get_source("shapes").load({"train_size": 100, "val_size": 20, "seed": 0})
    report = inspect_data(data)
    text = "\n".join(report.describe())
    assert report.imbalance_ratio == 1.0 and report.duplicates == []
    assert "Unreadable files: none." in text and "both training and validation: none" in text


def test_dataset_check_names_a_class_with_no_validation_images(tmp_path, capsys):
    root = tmp_path / "set"
    make_folder(root / "train", classes=("cat", "dog", "owl"), per_class=3)
    make_folder(root / "val", classes=("cat", "dog"), per_class=2)
    data = get_source("folder").load(options(root), tmp_path / "data")
    lines = inspect_data(data).describe()
    (line,) = [x for x in lines if x.startswith("Classes with no validation images")]
    assert "(never validated): owl; add validation images" in line
    assert not any(x.startswith("Classes with no training images") for x in lines)
    assert run(["inspect", "folder", "--data-dir", str(root)]) == 0
    assert line in capsys.readouterr().out.splitlines()
