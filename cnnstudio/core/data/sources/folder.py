"""Your own images: a folder with one subfolder per class, decoded once into memory.

Layouts: ROOT/CLASS/... (split into training and validation by a seeded, stratified draw), or
ROOT/train/CLASS/... with ROOT/val/CLASS/... (or test/) used as they are. Images may sit at any
depth inside a class folder. Each image is scaled so its shorter side fits the chosen size, then
centre-cropped to a square. Files that cannot be read are skipped and listed with the reason.

Decoding runs in a thread pool (Pillow releases the GIL) and the result is cached under the data
directory, keyed by every file's path, size and modification time, so loading the same folder again
skips decoding.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from cnnstudio.core.data.images import (
    WIDE_MODES,
    ImageData,
    SkippedFile,
    decode_image,
    describe_error,
)
from cnnstudio.core.data.sources.base import DatasetSource
from cnnstudio.core.data.sources.folder_scan import ImageFile, Scan, list_class_names, scan_folder
from cnnstudio.core.data.sources.locations import resolve_data_dir
from cnnstudio.core.data.sources.splits import stratified_split
from cnnstudio.core.data.streaming import StreamedImages, fits_in_memory
from cnnstudio.core.errors import DatasetError
from cnnstudio.core.files import write_atomic
from cnnstudio.core.params import AUTO, Param

if TYPE_CHECKING:
    import torch

_GRAY_MODES = {"1", "L", "LA", *WIDE_MODES}
log = logging.getLogger(__name__)
MAX_AUTO_SIZE = 64  # larger images train slowly on a CPU; a chosen size overrides this
_CACHE_VERSION = 2  # 2: 16-bit and float images scaled, no longer clipped


class FolderSource(DatasetSource):
    name = "folder"
    title = "Your own images"
    description = (
        "A folder with one subfolder of images per class (PNG, JPEG, BMP, GIF, WEBP, TIFF); "
        "train/ and val/ subfolders are used when present."
    )
    needs_path = True
    options = (
        Param("path", "str", None, "The folder holding one subfolder per class.", optional=True),
        Param(
            "image_size",
            "int",
            AUTO,
            "Square size the images are scaled and cropped to; "
            f"auto picks the images' typical size, at most {MAX_AUTO_SIZE}.",
            minimum=8,
            maximum=512,
            auto=True,
        ),
        Param(
            "channels",
            "choice",
            AUTO,
            "1 (grayscale) or 3 (colour); auto is 1 only if every image is grayscale.",
            choices=(1, 3, AUTO),
        ),
        Param(
            "val_fraction",
            "float",
            0.2,
            "Share of each class kept for validation when the folder has no val/ subfolder.",
            minimum=0.01,
            maximum=0.5,
        ),
        Param("split_seed", "int", 0, "Seed of the training/validation draw.", minimum=0),
        Param(
            "stream",
            "choice",
            AUTO,
            "Read images from disk every epoch instead of decoding "
            "them into memory once; auto streams only what would not fit in memory.",
            choices=(AUTO, "always", "never"),
        ),
    )

    def native_shape(self, options: Mapping[str, Any]) -> tuple[int, int, int]:
        scan = scan_folder(_root(options))
        size, channels = _decode_settings(scan, options)
        return (channels, size, size)

    def class_names(self, options: Mapping[str, Any]) -> list[str]:
        return list_class_names(_root(options))

    def is_available(self, data_dir: Path | None = None) -> bool:
        return True  # nothing to download: the folder is chosen in the options

    def load(
        self, options: Mapping[str, Any], data_dir: Path | None = None
    ) -> ImageData | StreamedImages:
        root = _root(options)
        listing = scan_folder(root, read_headers=False)
        cache = _cache_path(root, listing, options, data_dir)
        decoded = None if options["stream"] == "always" else _read_cache(cache)
        if decoded is None:
            scan = scan_folder(root)
            size, channels = _decode_settings(scan, options)
            too_big = not fits_in_memory(len(scan.files), channels, size)
            if options["stream"] == "always" or (options["stream"] == AUTO and too_big):
                return _streamed(scan, size, channels, options)
            decoded = _decode_all(scan, size, channels)
            _write_cache(cache, decoded)
        return _split(decoded, options)


def _root(options: Mapping[str, Any]) -> Path:
    if not options.get("path"):
        raise DatasetError("dataset.options.path: choose the folder that holds your images.")
    root = Path(options["path"]).expanduser()
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder.")
    return root


def _decode_settings(scan: Scan, options: Mapping[str, Any]) -> tuple[int, int]:
    """The (size, channels) to decode at: as chosen, or worked out from the image headers."""
    size, channels = options["image_size"], options["channels"]
    if size != AUTO and channels != AUTO:
        return size, channels
    shorter, modes = [], set()
    for file in scan.files:
        with Image.open(file.path) as image:
            shorter.append(min(image.size))
            modes.add(image.mode)
    if not shorter:
        raise DatasetError("the folder holds no readable images.")
    if size == AUTO:
        size = int(min(MAX_AUTO_SIZE, max(8, np.median(shorter))))
    if channels == AUTO:
        channels = 1 if modes <= _GRAY_MODES else 3
    return size, channels


def _decode_all(scan: Scan, size: int, channels: int) -> dict[str, Any]:
    import torch

    def decode(file: ImageFile):
        try:
            return decode_image(file.path, size, channels)
        except Exception as error:
            return describe_error(error)

    workers = min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(decode, scan.files, chunksize=16))
    kept = [
        (file, result)
        for file, result in zip(scan.files, results, strict=True)
        if isinstance(result, tuple)
    ]
    skipped = list(scan.skipped) + [
        SkippedFile(str(file.path), f"cannot be decoded ({result})")
        for file, result in zip(scan.files, results, strict=True)
        if isinstance(result, str)
    ]
    labels = torch.tensor([file.label for file, _ in kept], dtype=torch.int64)
    _check_every_class_has_images(labels, scan.class_names, skipped)
    images = torch.from_numpy(np.stack([pixels for _, (pixels, _) in kept]))
    return {
        "images": images,
        "labels": labels,
        "splits": [file.split or "" for file, _ in kept],
        "sizes": torch.tensor([original for _, (_, original) in kept], dtype=torch.int64),
        "paths": [str(file.path) for file, _ in kept],
        "class_names": scan.class_names,
        "skipped": [[s.path, s.reason] for s in skipped],
    }


def _split_rows(
    labels: torch.Tensor, splits: list[str], options: Mapping[str, Any]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Training and validation rows: the split folders if present, else a stratified draw."""
    import torch

    if "train" not in splits:
        return stratified_split(labels, options["val_fraction"], options["split_seed"])
    validation = "val" if "val" in splits else "test"
    train_rows = torch.tensor([i for i, s in enumerate(splits) if s == "train"], dtype=torch.long)
    val_rows = torch.tensor([i for i, s in enumerate(splits) if s == validation], dtype=torch.long)
    if len(val_rows) == 0:
        raise DatasetError("the val/ (or test/) folder holds no readable images.")
    return train_rows, val_rows


def _streamed(scan: Scan, size: int, channels: int, options: Mapping[str, Any]) -> StreamedImages:
    import torch

    labels = torch.tensor([file.label for file in scan.files], dtype=torch.int64)
    _check_every_class_has_images(labels, scan.class_names, scan.skipped)
    train_rows, val_rows = _split_rows(labels, [f.split or "" for f in scan.files], options)
    paths = [str(file.path) for file in scan.files]
    return StreamedImages(
        [paths[i] for i in train_rows.tolist()],
        labels[train_rows],
        [paths[i] for i in val_rows.tolist()],
        labels[val_rows],
        list(scan.class_names),
        size,
        channels,
        skipped=list(scan.skipped),
    )


def _check_every_class_has_images(
    labels: torch.Tensor, class_names: list[str], skipped: list[SkippedFile]
) -> None:
    import torch

    counts = torch.bincount(labels, minlength=len(class_names)).tolist()
    empty = [name for name, count in zip(class_names, counts, strict=True) if count == 0]
    if empty:
        raise DatasetError(
            f"class {empty[0]!r} has no readable image; add images to it or remove the folder."
            + (f" ({len(skipped)} unreadable files in all.)" if skipped else "")
        )


def _split(decoded: dict[str, Any], options: Mapping[str, Any]) -> ImageData:
    import torch

    labels = decoded["labels"]
    train_rows, val_rows = _split_rows(labels, decoded["splits"], options)
    images, sizes = decoded["images"], decoded["sizes"]
    return ImageData(
        images[train_rows],
        labels[train_rows],
        images[val_rows],
        labels[val_rows],
        list(decoded["class_names"]),
        skipped=[SkippedFile(path, reason) for path, reason in decoded["skipped"]],
        original_sizes=torch.cat([sizes[train_rows], sizes[val_rows]]).numpy(),
        paths=[decoded["paths"][i] for i in torch.cat([train_rows, val_rows]).tolist()],
    )


def _cache_path(
    root: Path, listing: Scan, options: Mapping[str, Any], data_dir: Path | None
) -> Path:
    """A file name that changes whenever any file, or a decoding option, changes."""
    digest = hashlib.sha256()
    settings = [_CACHE_VERSION, str(root.resolve()), options["image_size"], options["channels"]]
    digest.update(json.dumps(settings).encode())
    for file in listing.files:
        stat = file.path.stat()
        digest.update(f"{file.path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for skipped in listing.skipped:
        digest.update(f"{skipped.path}\n".encode())
    return resolve_data_dir(data_dir) / "cache" / "folders" / f"{digest.hexdigest()[:32]}.pt"


def _read_cache(path: Path) -> dict[str, Any] | None:
    import torch

    if not path.exists():
        return None
    try:
        return torch.load(path, weights_only=True)
    except Exception:  # a damaged cache is only a lost shortcut: decode again
        log.warning("ignoring the damaged cache %s", path, exc_info=True)
        return None


def _write_cache(path: Path, decoded: dict[str, Any]) -> None:
    import torch

    buffer = io.BytesIO()
    torch.save(decoded, buffer)
    try:
        write_atomic(path, buffer.getvalue())
    except OSError:  # a read-only or full disk costs speed next time only
        log.warning("could not cache the decoded folder in %s", path, exc_info=True)


SOURCES = (FolderSource(),)
