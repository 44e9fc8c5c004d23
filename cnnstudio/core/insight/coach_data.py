"""The coach's rules on the dataset, checked before the first batch from the dataset check
(core/data/inspect.py) and the model's size. The imbalance threshold is inspect.py's."""

from __future__ import annotations

import math

from cnnstudio.core.data.inspect import IMBALANCED_AT, DatasetReport
from cnnstudio.core.insight.coach_notes import CoachNote
from cnnstudio.core.insight.coach_watch import RunWatch, variety_fix

# Too few images: each class needs 20 training images, and more for a big model: one image per 500
# parameters overall (the default run has 6 parameters per image).
MIN_IMAGES_PER_CLASS = 20
PARAMS_PER_IMAGE = 500


def data_notes(report: DatasetReport, watch: RunWatch) -> list[CoachNote]:
    """Notes on the data a run trains on, found before training (epoch 0)."""
    found = [class_imbalance(report, watch), leakage(report, watch), too_few(report, watch)]
    return [note for note in found if note is not None]


def images_needed(param_count: int, classes: int) -> int:
    """Training images each class should have for a model of this size."""
    return max(MIN_IMAGES_PER_CLASS, math.ceil(param_count / (PARAMS_PER_IMAGE * classes)))


def class_imbalance(report: DatasetReport, watch: RunWatch) -> CoachNote | None:
    counts = report.train_counts
    if report.imbalance_ratio < IMBALANCED_AT:
        return None
    big, small = int(counts.argmax()), int(counts.argmin())
    names = report.class_names
    if counts[small]:
        seen = (
            f"The largest class ({names[big]}, {counts[big]:,} training images) has "
            f"{report.imbalance_ratio:.1f} times as many images as the smallest ({names[small]}, "
            f"{counts[small]:,}). "
        )
    else:
        seen = f"The class {names[small]} has no training images at all: it cannot be learned. "
    return watch.note(
        "class_imbalance",
        "warning",
        "Some classes have far more images than others",
        seen + "The network learns to favour the big classes, and its accuracy can look good "
        "while the small classes are mostly wrong.",
        "adding images to the small classes (or leaving some out of the big ones), and judging "
        "by each class's recall in the class table, not just the accuracy.",
        epoch=0,
    )


def leakage(report: DatasetReport, watch: RunWatch) -> CoachNote | None:
    if not report.duplicates:  # None: not checked (a streamed folder)
        return None
    count = len(report.duplicates)
    return watch.note(
        "leakage",
        "problem",
        "The same images are in training and in validation (leakage)",
        f"{count} validation image(s) are exact copies of training images. The network has "
        "already seen them, so the validation accuracy looks better than it really is.",
        "removing the copies from one of the two sets (`cnnstudio inspect` lists them).",
        epoch=0,
    )


def too_few(report: DatasetReport, watch: RunWatch) -> CoachNote | None:
    smallest = int(report.train_counts.min())
    needed = images_needed(watch.param_count, watch.classes)
    if smallest >= needed or not smallest:  # an empty class is the imbalance note's
        return None
    return watch.note(
        "too_few_images",
        "warning",
        "Too few images for the size of the model",
        f"The smallest class has {smallest} training images, and the model has "
        f"{watch.param_count:,} numbers to learn (parameters). With so few examples it can "
        "memorise them instead of learning what the classes look like; for this model aim for "
        f"at least {needed} images per class.",
        "more images per class, augmentation to get more variety out of the ones you have, or "
        "a smaller model.",
        variety_fix(watch),
        epoch=0,
    )
