"""Looking inside the network at each epoch's end, on the training thread, from a few fixed
validation images: cheap enough (one small forward and backward pass) not to slow training, and
saved with the run so the window and the report can replay how the network learned."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cnnstudio.core.insight.attribution import grad_cam
from cnnstudio.core.insight.layers import LayerView, default_cam_layer, describe_layers
from cnnstudio.core.insight.probe import evaluating, filter_weights, layer_statistics, recording
from cnnstudio.core.insight.snapshot import InsideSnapshot, save_snapshot
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.events import EpochEnded

if TYPE_CHECKING:
    from cnnstudio.core.training.engine import Trainer

log = logging.getLogger(__name__)

PROBE_IMAGES = 8
KEPT_CHANNELS = 16  # maps kept per layer: enough to see them sharpen, small enough to save
KEPT_FEATURES = 1024  # values kept of a flat layer's output
KEPT_SIDE = 48  # larger maps are averaged down to this many pixels a side


def probe_indices(labels: Sequence[int], count: int = PROBE_IMAGES) -> list[int]:
    """Up to `count` images, one of each class first (in class order), then the rest in order."""
    firsts: dict[int, int] = {}
    for i, label in enumerate(labels):
        firsts.setdefault(int(label), i)
    chosen = [firsts[label] for label in sorted(firsts)][:count]
    rest = [i for i in range(len(labels)) if i not in chosen]
    return sorted(chosen + rest[: count - len(chosen)])


@torch.no_grad()
def take_snapshot(
    model: nn.Sequential,
    normalised: torch.Tensor,
    images: torch.Tensor,
    labels: torch.Tensor,
    views: Sequence[LayerView],
    epoch: int,
) -> InsideSnapshot:
    """Look inside `model` through the probe batch (normalised as the network takes it, and as
    uint8 `images`). Leaves the model's weights, gradients, statistics and mode as they were."""
    with evaluating(model), recording(model) as outputs:
        scores = model(normalised).float()
    full = [output.float() for output in outputs]
    cam_layer = default_cam_layer(views)
    cams = None
    if cam_layer is not None:
        cams = np.asarray(grad_cam(model, normalised, cam_layer), dtype=np.float16)
    numpy_outputs = [output.cpu().numpy() for output in full]
    return InsideSnapshot(
        epoch=epoch,
        images=images.cpu().numpy().astype(np.uint8),
        labels=labels.cpu().numpy().astype(np.int64),
        probabilities=scores.softmax(1).cpu().numpy(),
        maps=tuple(_kept(output) for output in full),
        filters={
            view.index: filter_weights(model, view.index) for view in views if view.has_filters
        },
        cam_layer=cam_layer,
        cams=cams,
        stats=tuple(layer_statistics(model, views, numpy_outputs)),
    )


class InsideRecorder(Callback):
    """At each epoch's end: a snapshot of the trainer's network, saved in `run_dir/inside/` (when
    given) and handed to `listener` (the window shows it)."""

    def __init__(
        self,
        trainer: Trainer,
        run_dir: Path | None,
        listener: Callable[[InsideSnapshot], None] | None = None,
    ) -> None:
        self.trainer, self.run_dir, self.listener = trainer, run_dir, listener
        data = trainer.data
        self.views = describe_layers(trainer.spec.layers, data.input_shape, data.num_classes)
        chosen = probe_indices(trainer.sample_labels.tolist())
        self.images = trainer.sample_images[chosen]
        self.labels = trainer.sample_labels[chosen]
        scale, shift = trainer.normalizer.to(trainer.device)
        self.normalised = self.images.to(trainer.device).float().mul_(scale).sub_(shift)

    def on_epoch_end(self, event: EpochEnded) -> None:
        if not len(self.images):
            return
        snapshot = take_snapshot(
            self.trainer.model, self.normalised, self.images, self.labels, self.views, event.epoch
        )
        if self.run_dir is not None:
            try:
                save_snapshot(self.run_dir, snapshot)
            except OSError:  # the run folder writer reports a full disk; this is a nicety
                log.warning("could not save the inside snapshot of epoch %d", event.epoch)
        if self.listener is not None:
            self.listener(snapshot)


def _kept(output: torch.Tensor) -> np.ndarray:
    """A few channels of a layer's output, small enough to keep for every epoch (float16)."""
    if output.dim() == 4:
        output = output[:, :KEPT_CHANNELS]
        if max(output.shape[-2:]) > KEPT_SIDE:
            output = F.adaptive_avg_pool2d(output, KEPT_SIDE)
    else:
        output = output.flatten(1)[:, :KEPT_FEATURES]
    limit = float(np.finfo(np.float16).max)
    finite = torch.nan_to_num(output, nan=0.0, posinf=limit, neginf=-limit)
    return finite.clamp(-limit, limit).cpu().numpy().astype(np.float16)
