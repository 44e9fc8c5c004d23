"""Explaining a trained network's decisions on image files, as pictures and numbers on disk.

Each readable image gets its own folder (named after the file) holding:

  maps-NN-NAME.png    what layer NN (1-based) made of the image: a grid of feature maps, each on
                      its own colour scale, or bars for a flat layer's values
  filters.png         the first convolution's filters (0 is mid-grey)
  gradcam.png/.npy    where the network looked for the target class (Grad-CAM over the image;
                      the .npy is float32, input height x width, in [0, 1])
  occlusion.png       how much hiding each region lowers the target's probability
  explain.json        the top classes, the target, the Grad-CAM layer, and every layer's shape,
                      receptive field, parameters, multiply-adds and what it did

Images are read and preprocessed exactly as `cnnstudio predict` reads them (predict.read_images),
so both name the same top class.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.files import write_atomic
from cnnstudio.core.insight.attribution import occlusion_map
from cnnstudio.core.insight.explanation import Explanation, explain_image
from cnnstudio.core.insight.layers import (
    LayerView,
    cam_layer_problem,
    default_cam_layer,
    describe_layers,
    find_layer,
)
from cnnstudio.core.insight.pictures import (
    feature_maps_picture,
    filters_picture,
    heat_overlay,
    write_png,
)
from cnnstudio.core.insight.probe import filter_weights
from cnnstudio.core.runs.checkpoint import SavedModel
from cnnstudio.core.runs.folders import new_folder
from cnnstudio.core.runs.predict import ReadImages

FILTERS = "filters.png"
GRADCAM = "gradcam.png"
GRADCAM_ARRAY = "gradcam.npy"
OCCLUSION = "occlusion.png"
WHAT = "the explanations"  # what --out holds, in messages


@dataclass(frozen=True)
class Explained:
    """One image's explanation and the folder its files went to."""

    path: str
    folder: Path
    explanation: Explanation


@dataclass(frozen=True)
class ExplainRequest:
    """What to explain: the Grad-CAM layer (None: the default) and target class (None: each
    image's predicted class), both already checked against the network."""

    views: tuple[LayerView, ...]
    cam_layer: int | None
    target: int | None


def plan_explanations(
    saved: SavedModel, layer: str | None = None, target: str | None = None
) -> ExplainRequest:
    """Check a layer ("conv2" or "4") and a class (name or 0-based number) against the network;
    a wrong one is a CnnstudioError naming the choices."""
    views = tuple(describe_layers(saved.spec.layers, saved.input_shape, len(saved.class_names)))
    cam_layer = default_cam_layer(views)
    if layer is not None:
        view = find_layer(views, layer)
        problem = cam_layer_problem(view)
        if problem:
            raise CnnstudioError(f"--layer: {problem}; pick a layer with feature maps")
        cam_layer = view.index
    return ExplainRequest(
        views, cam_layer, None if target is None else find_class(saved.class_names, target)
    )


def find_class(class_names: Sequence[str], wanted: str) -> int:
    """A class by name (exact, else ignoring case) or by its 0-based number, as the dataset
    numbers its labels; a CnnstudioError names the classes."""
    names = list(class_names)
    lowered = [name.lower() for name in names]
    if wanted in names:
        return names.index(wanted)
    if wanted.lower() in lowered:
        return lowered.index(wanted.lower())
    if wanted.strip().isdigit() and int(wanted) < len(names):
        return int(wanted)
    choices = ", ".join(f"{number} {name}" for number, name in enumerate(names))
    raise CnnstudioError(f"no class {wanted!r} in this network; its classes are: {choices}")


def explain_images(
    saved: SavedModel, read: ReadImages, out: Path, request: ExplainRequest
) -> list[Explained]:
    """Explain each image `read_images` could read into its own new folder in `out`."""
    done = []
    for path, image in zip(read.paths, read.images, strict=True):
        folder = new_folder(out, Path(path).stem, WHAT)
        if folder is None:
            raise CnnstudioError(f"{out}: too many images named {Path(path).stem}")
        explanation, occlusion_peak = _explain_into(saved, image, request, folder)
        summary = _summary(explanation, saved.class_names, path, occlusion_peak)
        write_atomic(folder / "explain.json", json.dumps(summary, indent=2) + "\n")
        done.append(Explained(path, folder, explanation))
    return done


def _explain_into(
    saved: SavedModel, image: torch.Tensor, request: ExplainRequest, folder: Path
) -> tuple[Explanation, float]:
    """Explain one uint8 image (C, H, W) and write its pictures into `folder`; returns the
    explanation and the largest drop in the target's probability that hiding a patch caused."""
    normalised = saved.normalise(image[None])
    explanation = explain_image(
        saved.model,
        normalised,
        image.numpy(),
        request.views,
        saved.class_names,
        request.cam_layer,
        request.target,
    )
    for view, maps in zip(explanation.layers, explanation.maps, strict=True):
        write_png(folder / maps_name(view, len(request.views)), feature_maps_picture(maps))
    first_conv = next((v for v in request.views if v.has_filters), None)
    if first_conv is not None:
        weights = filter_weights(saved.model, first_conv.index)
        write_png(folder / FILTERS, filters_picture(weights))
    if explanation.gradcam is not None:
        write_png(folder / GRADCAM, heat_overlay(explanation.image, explanation.gradcam))
        write_atomic(folder / GRADCAM_ARRAY, _npy_bytes(explanation.gradcam.astype(np.float32)))
    occlusion = occlusion_map(saved.model, normalised, explanation.target)
    # Drawn on its own scale, as Grad-CAM is: where hiding matters most is brightest even when
    # the largest drop is small; explain.json keeps that drop.
    peak = float(occlusion.max())
    write_png(folder / OCCLUSION, heat_overlay(explanation.image, occlusion / (peak or 1.0)))
    return explanation, peak


def maps_name(view: LayerView, layer_count: int) -> str:
    """``maps-04-conv2.png``: the layer's 1-based number (so files sort in order) and name."""
    digits = max(2, len(str(layer_count)))
    return f"maps-{view.index + 1:0{digits}d}-{view.name}.png"


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _summary(
    explanation: Explanation, class_names: Sequence[str], path: str, occlusion_peak: float
) -> dict:
    """explain.json: the decision, the target, the Grad-CAM layer, every layer, the files."""
    views = explanation.layers
    cam = explanation.cam_layer
    target = explanation.target
    has_filters = any(view.has_filters for view in views)
    return {
        "image": path,
        "top": [{"class": name, "probability": p} for name, p in explanation.top],
        "target": {"class": class_names[target], "number": target},
        "gradcam_layer": None if cam is None else {"name": views[cam].name, "number": cam + 1},
        "layers": [_layer_entry(view, maps_name(view, len(views))) for view in views],
        "filters": FILTERS if has_filters else None,
        "gradcam": None if cam is None else [GRADCAM, GRADCAM_ARRAY],
        "occlusion": OCCLUSION,
        "occlusion_largest_drop": occlusion_peak,
    }


def _layer_entry(view: LayerView, picture: str) -> dict:
    return {
        "number": view.index + 1,
        "name": view.name,
        "title": view.title,
        "shape": list(view.output_shape),
        "receptive_field": view.receptive_field,
        "params": view.params,
        "macs": view.macs,
        "explanation": view.explanation,
        "picture": picture,
    }
