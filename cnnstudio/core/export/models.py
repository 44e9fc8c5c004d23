"""Exporting a trained network as TorchScript or ONNX, with its metadata, checked for parity.

Every export is followed by a parity check: the exported file is loaded back and run on the
held-out validation images stored in the checkpoint, beside the in-app model. Predictions must
agree on every image and outputs must match within tolerance; otherwise the export fails and its
files are removed. A metadata file (`NAME.meta.json`) beside the model says how to feed it: class
names, input shape and the normalisation.
"""

from __future__ import annotations

import io
import json
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cnnstudio import __version__
from cnnstudio.core.errors import CnnstudioError, StorageError
from cnnstudio.core.files import check_writable, plain_write_errors, write_atomic
from cnnstudio.core.runs.checkpoint import SavedModel

MODEL_FORMATS = ("torchscript", "onnx")
TOLERANCE = 1e-4  # on logits, absolute plus relative to their size
PARITY_FALLBACK_IMAGES = 16


@dataclass(frozen=True)
class Parity:
    agreeing: int
    images: int
    max_difference: float
    source: str  # where the images came from

    @property
    def passed(self) -> bool:
        return self.agreeing == self.images

    def describe(self) -> str:
        return (
            f"agrees on {self.agreeing}/{self.images} {self.source} images "
            f"(largest output difference {self.max_difference:.2g})"
        )


@dataclass(frozen=True)
class Exported:
    path: Path
    metadata_path: Path
    parity: Parity


def export_model(saved: SavedModel, model_format: str, out: str | Path) -> Exported:
    """Write the model in `model_format` to `out`, check it, and write its metadata."""
    out = Path(out)
    if model_format not in MODEL_FORMATS:
        raise CnnstudioError(f"format: expected one of {', '.join(MODEL_FORMATS)}")
    if out.is_dir():
        raise CnnstudioError(f"{out}: is a folder; give the file to write, e.g. {out}/model.onnx")
    check_writable(out)  # before the seconds of exporting, not after
    images, source = _parity_images(saved)
    writer, runner = _FORMATS[model_format]
    try:
        exported = writer(saved, images)
    except Exception as error:  # the exporter's own failure, said plainly; nothing written
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise CnnstudioError(f"{model_format} export failed: {first_line}") from None
    with plain_write_errors(out):
        write_atomic(out, exported)
    metadata_path = out.with_name(out.name + ".meta.json")
    try:
        parity = check_parity(saved, runner(out), images, source)
    except Exception as error:
        out.unlink(missing_ok=True)
        raise CnnstudioError(f"{out}: the exported model cannot be run ({error})") from None
    if not parity.passed:
        out.unlink(missing_ok=True)
        raise CnnstudioError(
            f"export failed: the {model_format} model disagrees with the trained one; it "
            f"{parity.describe()}. Nothing was kept."
        )
    metadata = _metadata(saved, model_format, out.name, parity)
    try:
        with plain_write_errors(metadata_path):
            write_atomic(metadata_path, json.dumps(metadata, indent=2) + "\n")
    except StorageError:
        out.unlink(missing_ok=True)  # a model without its metadata is not an export
        raise
    return Exported(out, metadata_path, parity)


def check_parity(
    saved: SavedModel,
    exported: Callable[[np.ndarray], np.ndarray],
    images: torch.Tensor,
    source: str,
) -> Parity:
    batch = saved.normalise(images)
    with torch.no_grad():
        expected = saved.model(batch).numpy()
    actual = np.asarray(exported(batch.numpy()))
    close = np.isclose(actual, expected, atol=TOLERANCE, rtol=TOLERANCE).all(axis=1)
    agreeing = int(((actual.argmax(1) == expected.argmax(1)) & close).sum())
    return Parity(agreeing, len(images), float(np.abs(actual - expected).max()), source)


def _parity_images(saved: SavedModel) -> tuple[torch.Tensor, str]:
    if len(saved.sample_images):
        return saved.sample_images, "held-out validation"
    generator = torch.Generator().manual_seed(0)
    shape = (PARITY_FALLBACK_IMAGES, *saved.input_shape)
    return torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8), "random"


def _torchscript_bytes(saved: SavedModel, images: torch.Tensor) -> bytes:
    with warnings.catch_warnings():  # torch marks TorchScript deprecated; it still serves
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        traced = torch.jit.trace(saved.model, saved.normalise(images[:1]))
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer)
    return buffer.getvalue()


def _torchscript_runner(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        module = torch.jit.load(str(path), map_location="cpu")  # our own file, just written

    def run(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return module(torch.from_numpy(batch)).numpy()

    return run


def _onnx_bytes(saved: SavedModel, images: torch.Tensor) -> bytes:
    example = saved.normalise(images[:2])
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(folder) / "model.onnx"
        torch.onnx.export(
            saved.model,
            (example,),
            path,
            input_names=["images"],
            output_names=["logits"],
            dynamic_shapes=({0: torch.export.Dim("batch", min=1)},),
            external_data=False,
            dynamo=True,
            verbose=False,
        )
        return path.read_bytes()


def _onnx_runner(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {name: batch})[0]


_FORMATS: dict[str, tuple[Callable[..., bytes], Callable[[Path], Callable[..., np.ndarray]]]] = {
    "torchscript": (_torchscript_bytes, _torchscript_runner),
    "onnx": (_onnx_bytes, _onnx_runner),
}


def _metadata(saved: SavedModel, model_format: str, file_name: str, parity: Parity) -> dict:
    channels, height, width = saved.input_shape
    return {
        "format": "cnnstudio.export",
        "version": 1,
        "model_file": file_name,
        "model_format": model_format,
        "exported_by": f"cnnstudio {__version__}",
        "class_names": list(saved.class_names),
        "input": {
            "shape": ["batch", channels, height, width],
            "layout": "NCHW",
            "dtype": "float32",
            "channels": "grey" if channels == 1 else "RGB",
        },
        "preprocessing": {
            "resize": f"shorter side to {saved.native_shape[1]} pixels, then centre crop"
            + (f", then resize to {height}x{width}" if saved.native_shape[1] != height else ""),
            "scale": "pixel values / 255",
            "mean": list(saved.mean),
            "std": list(saved.std),
            "formula": "(pixel / 255 - mean[c]) / std[c] per channel c",
        },
        "output": "logits, one per class in class_names order; softmax gives probabilities",
        "parity": {
            "images": parity.images,
            "agreeing": parity.agreeing,
            "max_difference": parity.max_difference,
            "source": parity.source,
        },
        "spec": _public(saved.spec.to_dict()),
    }


def _public(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec without local paths (a shared model need not say where its data was)."""
    dataset = dict(spec["dataset"])
    dataset["data_dir"] = None
    options = dict(dataset["options"])
    options.pop("path", None)
    dataset["options"] = options
    return {**spec, "dataset": dataset}
