"""The folder scan lists what it cannot enter or read instead of raising, and gives up with advice
on a folder far larger than an image dataset."""

import os

import pytest

from cnnstudio.core.data.inspect import inspect_data
from cnnstudio.core.data.sources import folder_scan
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.errors import DatasetError
from tests.core.test_folder_dataset import make_folder, options

ADVICE = "choose the folder that holds one subfolder per class"


def load(root, tmp_path):
    return get_source("folder").load(options(root, stream="never"), tmp_path / "data")


def test_links_to_nothing_looping_links_and_links_back_into_the_set_are_listed(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=4)
    cat = root / "cat"
    (cat / "gone.png").symlink_to(tmp_path / "nowhere.png")
    (cat / "loop.png").symlink_to(cat / "loop.png")
    (cat / "up").symlink_to(root)  # would walk the dog and owl folders again, as cats
    (cat / "dogs").symlink_to(root / "dog")
    data = load(root, tmp_path)
    reasons = {os.path.relpath(s.path, root): s.reason for s in inspect_data(data).skipped}
    assert reasons["cat/gone.png"] == "a link to nothing (its target is missing)"
    assert reasons["cat/loop.png"] == "cannot be opened (Too many levels of symbolic links)"
    again = "a link to a folder scanned already (a loop or a copy)"
    assert reasons["cat/up"] == reasons["cat/dogs"] == again
    counts = (data.train_labels.bincount() + data.val_labels.bincount()).tolist()
    assert counts == [4, 4, 4]


def test_a_link_to_a_folder_elsewhere_is_followed(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=4)
    make_folder(tmp_path / "more", classes=("extra",), per_class=3)
    (root / "owl" / "borrowed").symlink_to(tmp_path / "more" / "extra")
    data = load(root, tmp_path)
    counts = (data.train_labels.bincount() + data.val_labels.bincount()).tolist()
    assert counts == [4, 4, 7] and data.skipped == []


def test_a_folder_it_may_not_enter_is_skipped_and_listed(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "pets", per_class=4)
    make_folder(root / "dog" / "private", classes=("x",), per_class=2)
    forbidden = str(root / "dog" / "private")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == forbidden:
            raise PermissionError(13, "Permission denied", forbidden)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    data = load(root, tmp_path)
    (skipped,) = data.skipped
    assert skipped.path == forbidden
    assert skipped.reason == "folder cannot be opened (Permission denied)"


def test_a_folder_far_too_big_is_refused_with_advice(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "pets", per_class=10)
    monkeypatch.setattr(folder_scan, "MAX_ENTRIES", 25)
    with pytest.raises(DatasetError, match=f"more than 25 files and folders.*{ADVICE}"):
        load(root, tmp_path)


def test_a_folder_of_mostly_other_files_is_refused_with_advice(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "docs", classes=("a", "b"), per_class=2)
    for i in range(30):
        (root / "a" / f"{i}.txt").write_text("notes")
    monkeypatch.setattr(folder_scan, "MAX_OTHER_FILES", 20)
    with pytest.raises(DatasetError, match=f"more than 20 files that are not images.*{ADVICE}"):
        load(root, tmp_path)


def test_the_whole_disk_is_refused_without_walking_all_of_it(tmp_path):
    with pytest.raises(DatasetError, match=ADVICE):
        load("/", tmp_path)
