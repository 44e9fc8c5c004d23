"""Splitting labelled images into training and validation parts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def stratified_split(
    labels: torch.Tensor, val_fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Row indices (train, val): each class gives `val_fraction` of its images to validation.

    A class with at least two images gives at least one, so every class is validated.
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    train_rows, val_rows = [], []
    for label in labels.unique(sorted=True).tolist():
        rows = torch.nonzero(labels == label).flatten()
        rows = rows[torch.randperm(len(rows), generator=generator)]
        count = round(len(rows) * val_fraction)
        if len(rows) >= 2:
            count = min(max(count, 1), len(rows) - 1)
        val_rows.append(rows[:count])
        train_rows.append(rows[count:])
    return torch.cat(train_rows).sort().values, torch.cat(val_rows).sort().values
