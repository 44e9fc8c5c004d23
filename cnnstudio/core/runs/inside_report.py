"""The HTML report's "Inside the network" section, from the snapshots a run kept in inside/.

It shows the last recorded epoch: the first convolution's filters, each probe image beside its
Grad-CAM overlay with the predicted class, and per-layer statistics. Pictures are PNGs embedded
as base64, so the page stays one self-contained file.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import numpy as np

from cnnstudio.core.insight.layers import LayerView, describe_layers
from cnnstudio.core.insight.pictures import filters_picture, heat_overlay, input_picture, png_bytes
from cnnstudio.core.insight.snapshot import InsideSnapshot, LayerStats, load_snapshots
from cnnstudio.core.runs.history import RunRecord

INSIDE_STYLE = """
.probes { display: flex; flex-wrap: wrap; gap: 12px; margin: 0.5em 0 1.5em; }
.probes figure { margin: 0; text-align: center; font-size: 0.9em; }
.probes img, img.filters { image-rendering: pixelated; }
.probes .wrong { color: #b42318; }
"""
_STATISTICS_COLUMNS = (
    *("layer", "type", "output mean", "output std"),
    *("weight mean", "weight std", "dead ReLUs"),
)


def inside_section(record: RunRecord) -> list[str]:
    """The section's HTML parts; none when the run kept no snapshots (older runs)."""
    snapshots = load_snapshots(record.folder)
    if not snapshots:
        return []
    last = snapshots[-1]
    views = describe_layers(record.spec.layers, last.images.shape[1:], len(record.class_names))
    parts = [
        "<h2>Inside the network</h2>",
        f"<p>At the end of epoch {last.epoch}, seen through {len(last.images)} validation "
        "images.</p>",
    ]
    if last.filters:
        parts += _filters(last, views[min(last.filters)])
    parts += _probes(last, record.class_names, views)
    if last.stats:
        parts += _statistics(last.stats, views)
    return parts


def _filters(snapshot: InsideSnapshot, view: LayerView) -> list[str]:
    return [
        f"<h3>Filters of layer {_e(view.label)}</h3>",
        "<p>Each tile is one learned filter: mid-grey is a weight of 0, lighter positive, darker "
        "negative (in colour when the input has 3 channels).</p>",
        _img(filters_picture(snapshot.filters[view.index]), f"filters of {view.name}", "filters"),
    ]


def _probes(
    snapshot: InsideSnapshot, class_names: Sequence[str], views: Sequence[LayerView]
) -> list[str]:
    where = ""
    if snapshot.cams is not None and snapshot.cam_layer is not None:
        where = f" Beside each, Grad-CAM of layer {_e(views[snapshot.cam_layer].label)}: where "
        where += "the network looked for the class it chose (brighter: more)."
    figures = []
    for i, image in enumerate(snapshot.images):
        chosen = int(snapshot.predictions[i])
        truth = class_names[int(snapshot.labels[i])]
        guess = f"{class_names[chosen]} {snapshot.probabilities[i, chosen]:.0%}"
        pictures = _img(input_picture(image), truth)
        if snapshot.cams is not None:
            pictures += _img(heat_overlay(image, snapshot.cams[i]), f"Grad-CAM of {truth}")
        wrong = " class='wrong'" if chosen != int(snapshot.labels[i]) else ""
        figures.append(
            f"<figure>{pictures}<figcaption>true: {_e(truth)}<br><span{wrong}>predicted: "
            f"{_e(guess)}</span></figcaption></figure>"
        )
    return [
        "<h3>What it sees</h3>",
        f"<p>The probe images and the network's top class.{where}</p>",
        f"<div class='probes'>{''.join(figures)}</div>",
    ]


def _statistics(stats: Sequence[LayerStats], views: Sequence[LayerView]) -> list[str]:
    rows = []
    for layer in stats:
        view = views[layer.index]
        cells = [
            _e(view.label),
            _e(view.title),
            _number(layer.activation_mean),
            _number(layer.activation_std),
            _number(layer.weight_mean),
            _number(layer.weight_std),
            "" if layer.dead_share is None else f"{layer.dead_share:.0%}",
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    head = "".join(f"<th>{name}</th>" for name in _STATISTICS_COLUMNS)
    return [
        "<h3>Layer statistics</h3>",
        "<p>Outputs over the probe images; a dead ReLU unit outputs 0 for every one of them "
        "and learns nothing.</p>",
        f"<table><tr>{head}</tr>{''.join(rows)}</table>",
    ]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _img(picture: np.ndarray, alt: str, css_class: str = "") -> str:
    data = base64.b64encode(png_bytes(picture)).decode("ascii")
    extra = f" class='{css_class}'" if css_class else ""
    return f"<img{extra} alt='{_e(alt)}' src='data:image/png;base64,{data}'>"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
