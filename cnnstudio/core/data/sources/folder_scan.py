"""Listing a folder of class subfolders: which files are images of which class, and which entries
were skipped and why.

The walk never stops on one bad entry: a folder it may not enter, a link to nothing, a link that
loops or leads back into the dataset is listed as skipped with the reason. Links to folders
elsewhere are followed. It gives up, with a plain message, on a folder far larger than an image
dataset (a whole disk chosen by mistake) before walking all of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from cnnstudio.core.data.images import WIDE_MODES, SkippedFile, describe_error, to_8_bit
from cnnstudio.core.errors import DatasetError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
MAX_ENTRIES = 2_000_000  # files and folders looked at before the walk gives up
MAX_OTHER_FILES = 10_000  # files that are not images, once they outnumber the images
_IGNORED = {"thumbs.db", "desktop.ini"}
_SPLIT_NAMES = {"train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"}
_ADVICE = "choose the folder that holds one subfolder per class"


@dataclass(frozen=True)
class ImageFile:
    path: Path
    label: int
    split: str | None  # "train", "val", "test", or None when the folder has no split folders


@dataclass
class Scan:
    class_names: list[str]
    files: list[ImageFile]
    skipped: list[SkippedFile]


def scan_folder(root: Path, read_headers: bool = True) -> Scan:
    """Class folders and their image files; with `read_headers`, unreadable images are skipped."""
    walker = _Walker(root)
    parts, class_names = _layout(root, walker)
    label_of = {name: index for index, name in enumerate(class_names)}
    class_folders = [(s, c) for s, folder in parts for c in walker.subfolders(folder)]
    walker.reserve([root, *(folder for _, folder in parts), *(c for _, c in class_folders)])
    files = [
        ImageFile(path, label_of[class_folder.name], split)
        for split, class_folder in class_folders
        for path in walker.image_files(class_folder)
    ]
    scan = Scan(class_names, files, walker.skipped)
    return _read_headers(scan) if read_headers else scan


def list_class_names(root: Path) -> list[str]:
    """The class folders' names, in label order, without walking into them."""
    return _layout(root, _Walker(root))[1]


def _layout(root: Path, walker: _Walker) -> tuple[list[tuple[str | None, Path]], list[str]]:
    """The (split, folder) parts holding class folders, and the class names across them."""
    subfolders = walker.subfolders(root, required=True)
    splits = {_SPLIT_NAMES[p.name.lower()]: p for p in subfolders if p.name.lower() in _SPLIT_NAMES}
    parts: list[tuple[str | None, Path]] = list(splits.items()) if "train" in splits else []
    parts = parts or [(None, root)]
    names = sorted({p.name for _, folder in parts for p in walker.subfolders(folder)})
    if len(names) < 2:
        raise DatasetError(
            f"{root}: found {len(names)} class folder(s); a classifier needs at least two. "
            "Put each class's images in its own subfolder (for example cats/ and dogs/)."
        )
    return parts, names


class _Walker:
    """Walks folders once each, counting what it sees and listing what it skips."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.skipped: list[SkippedFile] = []
        self.entries = self.images = self.others = 0
        self.reserved: set[tuple[int, int]] = set()  # folders the scan walks from the top
        self.visited: set[tuple[int, int]] = set()

    def reserve(self, folders: list[Path]) -> None:
        """Folders a link must not lead into: the scan reaches them by their own path."""
        for folder in folders:
            info = folder.stat()
            self.reserved.add((info.st_dev, info.st_ino))

    def subfolders(self, folder: Path, required: bool = False) -> list[Path]:
        """The visible folders in `folder`, sorted; with `required`, one it cannot open is an
        error rather than a skipped entry."""
        try:
            with os.scandir(folder) as listing:
                entries = [e for e in listing if not e.name.startswith(".")]
        except OSError as error:
            if required:
                raise DatasetError(f"{folder}: cannot be opened ({_reason(error)}).") from None
            self._skip(folder, f"folder cannot be opened ({_reason(error)})")
            return []
        return sorted(Path(e.path) for e in entries if self._kind(e) == "folder")

    def image_files(self, folder: Path) -> list[Path]:
        """Image files at any depth in `folder`, sorted; other files are listed as skipped."""
        found: list[Path] = []
        pending = [(folder, True)]
        while pending:
            current, first = pending.pop()
            for entry in self._entries(current, first):
                kind = self._kind(entry)
                if kind == "folder":
                    pending.append((Path(entry.path), False))
                elif kind == "file":
                    self._count_file(Path(entry.path), found)
        return sorted(found)

    def _entries(self, folder: Path, first: bool) -> list[os.DirEntry]:
        try:
            info = folder.stat()
            identity = (info.st_dev, info.st_ino)
            if identity in self.visited or (identity in self.reserved and not first):
                self._skip(folder, "a link to a folder scanned already (a loop or a copy)")
                return []
            self.visited.add(identity)
            with os.scandir(folder) as listing:
                entries = [e for e in listing if not _hidden(e.name)]
        except OSError as error:
            self._skip(folder, f"folder cannot be opened ({_reason(error)})")
            return []
        self.entries += len(entries)
        if self.entries > MAX_ENTRIES:
            raise DatasetError(
                f"{self.root}: holds more than {MAX_ENTRIES:,} files and folders, far more than "
                f"an image dataset; {_ADVICE}."
            )
        return entries

    def _kind(self, entry: os.DirEntry) -> str | None:
        """ "folder", "file", or None for anything else (a device, a link to nothing: skipped)."""
        try:
            if entry.is_dir():
                return "folder"
            if entry.is_file():
                return "file"
            if entry.is_symlink():
                self._skip(Path(entry.path), "a link to nothing (its target is missing)")
        except OSError as error:
            self._skip(Path(entry.path), f"cannot be opened ({_reason(error)})")
        return None

    def _count_file(self, path: Path, found: list[Path]) -> None:
        if path.suffix.lower() in IMAGE_SUFFIXES:
            self.images += 1
            found.append(path)
            return
        self.others += 1
        self._skip(path, f"not an image file ({path.suffix})")
        if self.others > MAX_OTHER_FILES and self.others > self.images:
            raise DatasetError(
                f"{self.root}: holds more than {MAX_OTHER_FILES:,} files that are not images "
                f"(and {self.images:,} images so far); {_ADVICE}."
            )

    def _skip(self, path: Path, reason: str) -> None:
        self.skipped.append(SkippedFile(str(path), reason))


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in _IGNORED


def _reason(error: OSError) -> str:
    return error.strerror or describe_error(error)


def _read_headers(scan: Scan) -> Scan:
    readable, skipped = [], list(scan.skipped)
    for file in scan.files:
        problem = _header_problem(file.path)
        if problem:
            skipped.append(SkippedFile(str(file.path), problem))
        else:
            readable.append(file)
    return Scan(scan.class_names, readable, skipped)


def _header_problem(path: Path) -> str | None:
    try:
        if path.stat().st_size == 0:
            return "empty file (0 bytes)"
        with Image.open(path) as image:  # the header only; damage further in shows when decoding
            if image.mode in WIDE_MODES:
                to_8_bit(image)  # a pixel range that cannot be scaled shows before training
    except Exception as error:
        return f"not a readable image ({describe_error(error)})"
    return None
