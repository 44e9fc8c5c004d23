"""Small datasets written in each format's real on-disk layout, for tests that load them through
the same code a user's files go through."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import struct
from pathlib import Path

import numpy as np
from PIL import Image
from torchvision import datasets as tv

MNIST_NAMES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def pattern_images(labels: np.ndarray, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Noise whose brightness follows the label, so a network has something to learn."""
    rng = np.random.default_rng(seed)
    base = (labels.astype(np.float64) * 20 + 30).reshape(-1, *([1] * len(shape)))
    return np.clip(base + rng.normal(0, 15, (len(labels), *shape)), 0, 255).astype(np.uint8)


def write_mnist(root: Path, folder: str = "MNIST", sizes=(60, 20), packed: bool = True) -> dict:
    """idx3/idx1 files as published (gzipped unless `packed` is False) in root/folder/raw."""
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    written = {}
    for split, count in zip(("train", "test"), sizes, strict=True):
        labels = np.arange(count) % 10
        images = pattern_images(labels, (28, 28), seed=count)
        files = {
            "images": struct.pack(">IIII", 0x803, count, 28, 28) + images.tobytes(),
            "labels": struct.pack(">II", 0x801, count) + labels.astype(np.uint8).tobytes(),
        }
        for kind, payload in files.items():
            name = MNIST_NAMES[(split, kind)]
            if packed:
                (raw / f"{name}.gz").write_bytes(gzip.compress(payload))
            else:
                (raw / name).write_bytes(payload)
        written[split] = (images, labels)
    return written


def write_cifar(root: Path, classes: int = 10, per_batch: int = 20) -> dict:
    """Pickled batches as in cifar-10-python.tar.gz (or cifar-100-python for 100 classes).

    Returns the md5 of every file, to stand in for torchvision's table of the real files' sums.
    """
    cifar100 = classes == 100
    folder = root / ("cifar-100-python" if cifar100 else "cifar-10-batches-py")
    folder.mkdir(parents=True, exist_ok=True)
    key = "fine_labels" if cifar100 else "labels"
    batches = (
        ["train", "test"] if cifar100 else [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]
    )
    for index, name in enumerate(batches):
        labels = np.arange(per_batch) % classes
        images = pattern_images(labels, (3, 32, 32), seed=index)
        # Published as Python 2 pickles whose str keys read back as str with latin1 decoding.
        entry = {"data": images.reshape(per_batch, 3072), key: labels.tolist()}
        with open(folder / name, "wb") as handle:
            pickle.dump(entry, handle)
    meta_name = "meta" if cifar100 else "batches.meta"
    meta_key = "fine_label_names" if cifar100 else "label_names"
    with open(folder / meta_name, "wb") as handle:
        pickle.dump({meta_key: [f"c{i}" for i in range(classes)]}, handle)
    return {path.name: md5(path) for path in folder.iterdir()}


def patch_cifar_checksums(monkeypatch, cls, sums: dict) -> None:
    """Point torchvision's checksum table at the test files (the check itself still runs)."""
    for table in ("train_list", "test_list"):
        monkeypatch.setattr(cls, table, [[name, sums[name]] for name, _ in getattr(cls, table)])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": sums[cls.meta["filename"]]})


def patch_svhn_checksums(monkeypatch, sums: dict) -> None:
    """Point torchvision's SVHN checksum table at the test files (the check itself still runs)."""
    split_list = {
        split: [url, name, sums[split]]
        for split, (url, name, _) in tv.SVHN.split_list.items()
        if split in sums
    }
    monkeypatch.setattr(tv.SVHN, "split_list", split_list)


def write_svhn(folder: Path, sizes=(30, 10)) -> dict:
    """train_32x32.mat / test_32x32.mat as published: X is (32, 32, 3, N), y holds 10 for '0'."""
    from scipy.io import savemat

    folder.mkdir(parents=True, exist_ok=True)
    sums, written = {}, {}
    for split, count in zip(("train", "test"), sizes, strict=True):
        digits = np.arange(count) % 10
        images = pattern_images(digits, (3, 32, 32), seed=count)
        y = np.where(digits == 0, 10, digits).reshape(-1, 1).astype(np.uint8)
        path = folder / f"{split}_32x32.mat"
        savemat(path, {"X": images.transpose(2, 3, 1, 0), "y": y})
        sums[split] = md5(path)
        written[split] = (images, digits)
    return sums, written


def write_image(path: Path, size=(40, 30), mode="RGB", value=128, fmt=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(value)
    channels = 3 if mode == "RGB" else 1
    pixels = np.clip(rng.normal(value, 20, (size[1], size[0], channels)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels[..., 0] if channels == 1 else pixels, mode)
    image.save(path, format=fmt)
    return path
