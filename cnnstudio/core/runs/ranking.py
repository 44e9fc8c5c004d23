"""A race's results: each variant's entry, and the ranking table the CLI prints and the window
shows (best validation accuracy first). Torch-free, so the window can show it without loading
torch."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cnnstudio.core.spec.variants import Variant
from cnnstudio.core.training.events import FitEnded

MOST_VARIANTS = 6  # curves of more than six runs in one view can no longer be told apart


@dataclass(frozen=True)
class RaceEntry:
    """One variant's place in the results."""

    variant: Variant
    folder: Path
    result: FitEnded
    first_loss: float | None  # the first batch's loss: the same for all when weights are
    last_val_loss: float | None
    seconds: float  # its own training time, the other variants' turns left out


def folder_name(label: str) -> str:
    """A variant's label as a folder name: "optimizer=adam, lr=0.01" -> "optimizer-adam-lr-0.01"."""
    name = re.sub(r"[^\w.+-]+", "-", label.replace("=", "-")).strip("-.")
    return name or "variant"


def ranked(entries: Sequence[RaceEntry]) -> list[RaceEntry]:
    """Best validation accuracy first; of two alike, the lower last validation loss; a variant
    with none (no epoch finished) last."""

    def rank(entry: RaceEntry) -> tuple[float, float]:
        loss = entry.last_val_loss
        return -(entry.result.best_val_accuracy or -1.0), math.inf if loss is None else loss

    return sorted(entries, key=rank)


RANKING_COLUMNS = (
    "rank",
    "variant",
    "best acc",
    "best epoch",
    "last val loss",
    "time",
    "status",
    "folder",
)


def ranking_rows(entries: Sequence[RaceEntry]) -> list[tuple[str, ...]]:
    """The ranking's cells (RANKING_COLUMNS), best validation accuracy first."""
    rows: list[tuple[str, ...]] = []
    for rank, entry in enumerate(ranked(entries), 1):
        result = entry.result
        rows.append(
            (
                str(rank),
                entry.variant.label,
                "-" if result.best_val_accuracy is None else f"{result.best_val_accuracy:.1%}",
                "-" if result.best_epoch is None else str(result.best_epoch),
                "-" if entry.last_val_loss is None else f"{entry.last_val_loss:.4f}",
                _clock(entry.seconds),
                result.status,
                str(entry.folder),
            )
        )
    return rows


def ranking_table(entries: Sequence[RaceEntry]) -> str:
    """The ranking as a plain-text table, best validation accuracy first."""
    rows = [RANKING_COLUMNS, *ranking_rows(entries)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(RANKING_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _clock(seconds: float) -> str:
    """ "4.2s" under a minute (small races are quick), else minutes and seconds."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
