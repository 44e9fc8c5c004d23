"""The dataset check shown before training: balance, unreadable files, sizes, train/val leakage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnnstudio.core.data.images import ImageData, SkippedFile
from cnnstudio.core.data.streaming import StreamedImages

# A largest class this many times the smallest is called imbalanced (here and by the coach):
# 60 images against 40 already tilts what the network learns towards the big class.
IMBALANCED_AT = 1.5


@dataclass(frozen=True)
class DatasetReport:
    class_names: list[str]
    train_counts: np.ndarray
    val_counts: np.ndarray
    image_shape: tuple[int, ...]
    skipped: list[SkippedFile]
    original_sizes: np.ndarray | None  # (N, 2) width, height
    # (train row, val row) pairs; None when not checked (a streamed folder, on a run's start)
    duplicates: list[tuple[int, int]] | None = field(default_factory=list)
    paths: list[str] | None = None

    @property
    def imbalance_ratio(self) -> float:
        """Largest training class over smallest (1.0 is perfectly balanced)."""
        smallest = self.train_counts.min()
        return float(self.train_counts.max() / smallest) if smallest else float("inf")

    def describe(self, limit: int = 10) -> list[str]:
        """The report as lines of plain text, listing at most `limit` files per problem."""
        shape = "x".join(map(str, self.image_shape))
        lines = [
            f"{int(self.train_counts.sum()):,} training and {int(self.val_counts.sum()):,} "
            f"validation images, {shape}, {len(self.class_names)} classes.",
            "Images per class (training / validation):",
        ]
        width = max(len(name) for name in self.class_names)
        for name, train, val in zip(
            self.class_names, self.train_counts, self.val_counts, strict=True
        ):
            lines.append(f"  {name:<{width}}  {train:>7,} / {val:,}")
        lines += self._empty_class_lines()
        ratio = self.imbalance_ratio
        verdict = "balanced" if ratio < IMBALANCED_AT else "imbalanced: accuracy alone can mislead"
        lines.append(f"Imbalance: the largest class is {ratio:.2f}x the smallest ({verdict}).")
        lines += self._skipped_lines(limit)
        lines.append(self._sizes_line())
        lines += self._duplicate_lines(limit)
        return lines

    def _empty_class_lines(self) -> list[str]:
        """Classes one split lacks: never learned, or never validated, and nothing else says so."""
        lines = []
        for counts, split, effect, advice in (
            (self.train_counts, "training", "never learned", "add training images of them"),
            (
                self.val_counts,
                "validation",
                "never validated",
                "add validation images of them (in val/CLASS; without a val/ folder, a class "
                "needs two images or more to keep one for validation)",
            ),
        ):
            empty = [
                name for name, count in zip(self.class_names, counts, strict=True) if not count
            ]
            if empty:
                lines.append(
                    f"Classes with no {split} images ({effect}): {', '.join(empty)}; {advice}."
                )
        return lines

    def _skipped_lines(self, limit: int) -> list[str]:
        if not self.skipped:
            return ["Unreadable files: none."]
        lines = [f"Unreadable files, skipped: {len(self.skipped)}"]
        lines += [f"  {s.path}: {s.reason}" for s in self.skipped[:limit]]
        if len(self.skipped) > limit:
            lines.append(f"  ... and {len(self.skipped) - limit} more")
        return lines

    def _sizes_line(self) -> str:
        if self.original_sizes is None or len(self.original_sizes) == 0:
            return "Original image sizes: all the same (the dataset's fixed size)."
        sizes = self.original_sizes
        areas = sizes[:, 0] * sizes[:, 1]
        small, big = sizes[areas.argmin()], sizes[areas.argmax()]
        median = np.median(sizes, axis=0).astype(int)
        if (small == big).all():
            return f"Original image sizes: all {small[0]}x{small[1]}."
        return (
            f"Original image sizes: from {small[0]}x{small[1]} to {big[0]}x{big[1]} "
            f"(median {median[0]}x{median[1]})."
        )

    def _duplicate_lines(self, limit: int) -> list[str]:
        if self.duplicates is None:
            return ["Images in both training and validation: not checked (`cnnstudio inspect`)."]
        if not self.duplicates:
            return ["Images in both training and validation: none."]
        lines = [
            f"Images in both training and validation: {len(self.duplicates)} (leakage: "
            "validation accuracy will look better than it is; remove the copies)."
        ]
        if self.paths is not None:
            train_count = int(self.train_counts.sum())
            for train_row, val_row in self.duplicates[:limit]:
                lines.append(f"  {self.paths[train_row]} = {self.paths[train_count + val_row]}")
        return lines


def inspect_data(data: ImageData | StreamedImages, read_files: bool = True) -> DatasetReport:
    """The check; `read_files=False` skips reading every file of a streamed folder again."""
    classes = data.num_classes
    return DatasetReport(
        class_names=list(data.class_names),
        train_counts=np.bincount(data.train_labels.numpy(), minlength=classes),
        val_counts=np.bincount(data.val_labels.numpy(), minlength=classes),
        image_shape=tuple(data.input_shape),
        skipped=list(data.skipped),
        original_sizes=None if isinstance(data, StreamedImages) else data.original_sizes,
        duplicates=(find_shared_files(data) if read_files else None)
        if isinstance(data, StreamedImages)
        else find_shared_images(data),
        paths=data.paths,
    )


def find_shared_files(data: StreamedImages) -> list[tuple[int, int]]:
    """(training row, validation row) pairs whose files hold the same bytes."""
    first_seen: dict[bytes, int] = {}
    for row, path in enumerate(data.train_paths):
        first_seen.setdefault(_digest(Path(path).read_bytes()), row)
    return [
        (first_seen[key], row)
        for row, path in enumerate(data.val_paths)
        if (key := _digest(Path(path).read_bytes())) in first_seen
    ]


def find_shared_images(data: ImageData) -> list[tuple[int, int]]:
    """(training row, validation row) pairs holding exactly the same pixels."""
    first_seen: dict[bytes, int] = {}
    for row, image in enumerate(data.train_images.numpy()):
        first_seen.setdefault(_digest(image), row)
    return [
        (first_seen[key], row)
        for row, image in enumerate(data.val_images.numpy())
        if (key := _digest(image)) in first_seen
    ]


def _digest(content: np.ndarray | bytes) -> bytes:
    raw = content.tobytes() if isinstance(content, np.ndarray) else content
    return hashlib.blake2b(raw, digest_size=16).digest()
