"""An epoch's look inside the network, kept in the run folder so it can be replayed.

  inside/epoch-0003.npz   one compressed file per epoch: the probe images, their probabilities,
                          every layer's maps (a few channels each), every Conv2d's filters,
                          Grad-CAM of each probe image, per-layer statistics

Numpy only (no torch), so the window can read snapshots without loading torch on its thread.
Files are read with allow_pickle=False: a run folder from elsewhere cannot run code.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnstudio.core.files import write_atomic

log = logging.getLogger(__name__)

INSIDE_FOLDER = "inside"
_FILE = re.compile(r"epoch-(\d{4,})\.npz")


@dataclass(frozen=True)
class LayerStats:
    """Numbers that say whether a layer is healthy: weights and activations, dead ReLUs."""

    index: int
    weight_mean: float | None  # None: the layer has no weights
    weight_std: float | None
    activation_mean: float
    activation_std: float
    dead_share: float | None  # ReLU layers: share of units that are 0 for every probe image
    weight_histogram: tuple[np.ndarray, np.ndarray] | None  # (counts, bin edges)
    activation_histogram: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class InsideSnapshot:
    """The network at the end of one epoch, seen through a few fixed validation images."""

    epoch: int
    images: np.ndarray  # uint8 (N, C, H, W) probe images at the input shape
    labels: np.ndarray  # int64 (N,)
    probabilities: np.ndarray  # float32 (N, classes)
    maps: tuple[np.ndarray, ...]  # per layer float16 (N, C', H', W') or (N, F'), a few channels
    filters: dict[int, np.ndarray] = field(default_factory=dict)  # Conv2d index -> (O, I, k, k)
    cam_layer: int | None = None
    cams: np.ndarray | None = None  # float16 (N, H, W) Grad-CAM of each image's prediction
    stats: tuple[LayerStats, ...] = ()

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(1)


def snapshot_path(run_dir: str | Path, epoch: int) -> Path:
    return Path(run_dir) / INSIDE_FOLDER / f"epoch-{epoch:04d}.npz"


def save_snapshot(run_dir: str | Path, snapshot: InsideSnapshot) -> Path:
    """Write the snapshot atomically into the run folder's inside/ folder."""
    path = snapshot_path(run_dir, snapshot.epoch)
    path.parent.mkdir(exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **_arrays(snapshot))
    write_atomic(path, buffer.getvalue())
    return path


def load_snapshots(run_dir: str | Path) -> list[InsideSnapshot]:
    """Every readable snapshot of a run, by epoch; a damaged file is skipped and logged."""
    folder = Path(run_dir) / INSIDE_FOLDER
    found = sorted(
        (int(match.group(1)), path)
        for path in (folder.iterdir() if folder.is_dir() else ())
        if (match := _FILE.fullmatch(path.name))
    )
    snapshots = []
    for _, path in found:
        try:
            snapshots.append(read_snapshot(path))
        except (OSError, ValueError, KeyError, EOFError) as error:
            log.warning("skipped the damaged snapshot %s: %s", path, error)
    return snapshots


def read_snapshot(path: str | Path) -> InsideSnapshot:
    """One snapshot file; ValueError or KeyError if it is not one."""
    with np.load(path, allow_pickle=False) as arrays:
        data = {name: arrays[name] for name in arrays.files}
    layers = int(data["layer_count"])
    cam_layer = int(data["cam_layer"])
    snapshot = InsideSnapshot(
        epoch=int(data["epoch"]),
        images=data["images"].astype(np.uint8),
        labels=data["labels"].astype(np.int64),
        probabilities=data["probabilities"].astype(np.float32),
        maps=tuple(data[f"maps_{i}"] for i in range(layers)),
        filters={
            int(name.split("_")[1]): data[name] for name in data if name.startswith("filters_")
        },
        cam_layer=None if cam_layer < 0 else cam_layer,
        cams=data.get("cams"),
        stats=tuple(_read_stats(data, i) for i in range(layers) if f"stats_{i}" in data),
    )
    _check(snapshot)
    return snapshot


def _arrays(snapshot: InsideSnapshot) -> dict[str, Any]:
    arrays: dict[str, Any] = {
        "epoch": np.array(snapshot.epoch),
        "images": snapshot.images,
        "labels": snapshot.labels,
        "probabilities": snapshot.probabilities,
        "layer_count": np.array(len(snapshot.maps)),
        "cam_layer": np.array(-1 if snapshot.cam_layer is None else snapshot.cam_layer),
    }
    arrays.update({f"maps_{i}": maps for i, maps in enumerate(snapshot.maps)})
    arrays.update({f"filters_{i}": weights for i, weights in snapshot.filters.items()})
    if snapshot.cams is not None:
        arrays["cams"] = snapshot.cams
    for stats in snapshot.stats:
        i = stats.index
        arrays[f"stats_{i}"] = np.array(
            [
                _or_nan(stats.weight_mean),
                _or_nan(stats.weight_std),
                stats.activation_mean,
                stats.activation_std,
                _or_nan(stats.dead_share),
            ]
        )
        arrays[f"act_hist_{i}"] = stats.activation_histogram[0]
        arrays[f"act_edges_{i}"] = stats.activation_histogram[1]
        if stats.weight_histogram is not None:
            arrays[f"weight_hist_{i}"] = stats.weight_histogram[0]
            arrays[f"weight_edges_{i}"] = stats.weight_histogram[1]
    return arrays


def _read_stats(data: dict[str, np.ndarray], i: int) -> LayerStats:
    weight_mean, weight_std, mean, std, dead = (float(v) for v in data[f"stats_{i}"])
    weights = None
    if f"weight_hist_{i}" in data:
        weights = (data[f"weight_hist_{i}"], data[f"weight_edges_{i}"])
    return LayerStats(
        index=i,
        weight_mean=_none_if_nan(weight_mean),
        weight_std=_none_if_nan(weight_std),
        activation_mean=mean,
        activation_std=std,
        dead_share=_none_if_nan(dead),
        weight_histogram=weights,
        activation_histogram=(data[f"act_hist_{i}"], data[f"act_edges_{i}"]),
    )


def _check(snapshot: InsideSnapshot) -> None:
    """The arrays must fit together, or views would fail later on someone else's file."""
    count = len(snapshot.images)
    if snapshot.images.ndim != 4 or snapshot.labels.shape != (count,):
        raise ValueError("images and labels do not match")
    if snapshot.probabilities.ndim != 2 or len(snapshot.probabilities) != count:
        raise ValueError("probabilities do not match the images")
    if any(len(maps) != count for maps in snapshot.maps):
        raise ValueError("a layer's maps do not match the images")
    if snapshot.cams is not None and snapshot.cams.shape != (count, *snapshot.images.shape[2:]):
        raise ValueError("Grad-CAM maps do not match the images")


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else value
