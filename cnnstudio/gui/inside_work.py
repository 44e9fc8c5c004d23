"""The Inside tab's torch work, done on job threads (gui/jobs.py), never on the GUI thread.

Each function loads the run's newest network (its last.pt, cached while the file is unchanged),
runs on one intra-op thread beside a training run (core/threads.py) and returns numpy copies.
One lock serialises them: Grad-CAM hangs hooks on the shared cached model, and two looks at once
would see each other's hooks.

torch and the insight modules are imported inside the functions: this module is imported with
the window, which is shown before torch is (tests/gui/test_fast_start.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnnstudio.core.threads import one_intra_op_thread
from cnnstudio.gui.views.embedding import EmbeddingPoints

if TYPE_CHECKING:
    from cnnstudio.core.insight.explanation import Explanation
    from cnnstudio.core.insight.layers import LayerView
    from cnnstudio.core.insight.snapshot import InsideSnapshot
    from cnnstudio.core.runs.checkpoint import SavedModel

_lock = threading.Lock()
_cached: dict[tuple[Path, int], SavedModel] = {}


@dataclass(frozen=True)
class Look:
    """What the network made of one image (from an on-demand look)."""

    explanation: Explanation
    filters: dict[int, np.ndarray]  # conv layer index -> weights (O, I, k, k)
    label: int | None  # the image's true class, when known
    name: str  # where the image came from: "a validation image", a file's name


@dataclass(frozen=True)
class PastRun:
    """What the Inside tab shows of a run read from its folder."""

    folder: Path
    layers: list[LayerView]
    input_shape: tuple[int, ...]
    class_names: list[str]
    snapshots: list[InsideSnapshot]
    samples: np.ndarray  # uint8 (N, C, H, W) validation images kept in the checkpoint
    sample_labels: np.ndarray
    note: str = ""  # why there is nothing to replay, when so


def saved_model(checkpoint: Path) -> SavedModel:
    """The checkpoint's network, loaded again only when the file changed (a new epoch)."""
    from cnnstudio.core.runs.checkpoint import load_model

    key = (checkpoint, checkpoint.stat().st_mtime_ns)
    if key not in _cached:
        _cached.clear()  # one network at a time: the run shown
        _cached[key] = load_model(checkpoint)
    return _cached[key]


def look_at(
    checkpoint: Path,
    image: np.ndarray,
    label: int | None,
    target: int | None,
    name: str = "an image",
) -> Look:
    """Every layer's maps, the top classes and Grad-CAM for `target` (None: the predicted
    class) of one uint8 image (C, H, W) at the dataset's or the network's shape."""
    import torch

    from cnnstudio.core.data.tensors import convert_images
    from cnnstudio.core.insight.explanation import explain_image
    from cnnstudio.core.insight.layers import describe_layers
    from cnnstudio.core.insight.probe import filter_weights

    with _lock, one_intra_op_thread():
        saved = saved_model(checkpoint)
        batch = convert_images(
            torch.from_numpy(np.ascontiguousarray(image[None])), saved.input_shape
        )
        views = describe_layers(saved.spec.layers, saved.input_shape, len(saved.class_names))
        model = saved.model
        explanation = explain_image(
            model,
            saved.normalise(batch),
            batch[0].numpy().copy(),
            views,
            saved.class_names,
            target=target,
        )
        filters = {v.index: filter_weights(model, v.index) for v in views if v.has_filters}
    return Look(explanation, filters, label, name)


def look_at_file(checkpoint: Path, path: Path, target: int | None) -> Look:
    """`look_at` for an image file, decoded as the run's dataset was (see core/runs/predict)."""
    from cnnstudio.core.data.images import decode_image, unreadable_reason
    from cnnstudio.core.errors import CnnstudioError

    with _lock:
        native = saved_model(checkpoint).native_shape
    try:
        image, _ = decode_image(path, native[1], native[0])
    except Exception as error:  # said in one dialog, with the reason
        raise CnnstudioError(f"Cannot read {path.name}: {unreadable_reason(error)}") from None
    return look_at(checkpoint, image, None, target, path.name)


def occlusion(checkpoint: Path, image: np.ndarray, target: int) -> np.ndarray:
    """How much hiding each region of `image` (uint8 (C, H, W) at the network's input shape)
    lowers the probability of class `target`, (H, W) in [0, 1]."""
    import torch

    from cnnstudio.core.insight.attribution import occlusion_map

    with _lock, one_intra_op_thread():
        saved = saved_model(checkpoint)
        batch = saved.normalise(torch.from_numpy(np.ascontiguousarray(image[None])))
        return occlusion_map(saved.model, batch, target)


MAP_IMAGES = 4000  # at most this many dots: quick to draw and to point at


def embedding(
    checkpoint: Path,
    images: np.ndarray,
    labels: np.ndarray,
    epoch: int | None,
) -> EmbeddingPoints:
    """Every validation image (up to MAP_IMAGES, evenly spread) placed by the network's
    penultimate features, PCA to 2-D, with its prediction."""
    import torch

    from cnnstudio.core.data.tensors import convert_images
    from cnnstudio.core.insight.embedding import embed

    rows = np.linspace(0, len(labels) - 1, min(len(labels), MAP_IMAGES)).round().astype(int)
    with _lock, one_intra_op_thread():
        saved = saved_model(checkpoint)
        batch = convert_images(
            torch.from_numpy(np.ascontiguousarray(images[rows])), saved.input_shape
        )
        points, predictions = embed(saved.model, batch, saved.normalise)
    return EmbeddingPoints(
        points, labels[rows], predictions, images[rows], list(saved.class_names), epoch
    )


def read_snapshots(folder: Path) -> list[InsideSnapshot]:
    """The epochs a run recorded so far, oldest first."""
    from cnnstudio.core.insight.snapshot import load_snapshots

    return load_snapshots(folder)


def read_past_run(folder: Path) -> PastRun:
    """A run's recorded epochs (run_dir/inside/) and, from its last checkpoint, its layers and
    a few validation images to look at."""
    from cnnstudio.core.insight.layers import describe_layers

    snapshots = read_snapshots(folder)
    with _lock, one_intra_op_thread():
        saved = saved_model(folder / "last.pt")
    layers = describe_layers(saved.spec.layers, saved.input_shape, len(saved.class_names))
    note = (
        ""
        if snapshots
        else (
            f"{folder.name} kept no pictures of its epochs (trained before cnnstudio recorded "
            "them): pick an image to look inside its last network."
        )
    )
    return PastRun(
        folder,
        layers,
        tuple(saved.input_shape),
        list(saved.class_names),
        snapshots,
        saved.sample_images.numpy().copy(),
        saved.sample_labels.numpy().copy(),
        note,
    )
