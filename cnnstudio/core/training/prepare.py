"""From a run spec to its data: the checks that need no images, then loading them."""

from __future__ import annotations

from pathlib import Path

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.sources.base import DatasetSource
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.data.tensors import input_shape
from cnnstudio.core.model.shapes import StackReport, analyse_stack
from cnnstudio.core.spec.run_spec import RunSpec


def dataset_source(spec: RunSpec) -> DatasetSource:
    return get_source(spec.dataset["name"])


def data_dir(spec: RunSpec) -> Path | None:
    return Path(spec.dataset["data_dir"]) if spec.dataset["data_dir"] else None


def check_stack(spec: RunSpec) -> StackReport:
    """The layer stack on the input the spec will feed it; raises StackError if impossible."""
    source = dataset_source(spec)
    options = spec.dataset["options"]
    shape = input_shape(source.native_shape(options), spec.input)
    classes, batch_size = len(source.class_names(options)), spec.training["batch_size"]
    return analyse_stack(spec.layers, shape, classes, batch_size=batch_size).raise_if_invalid()


def load_dataset(spec: RunSpec) -> ImageData | StreamedImages:
    """Decode the spec's dataset into memory, or list a too large folder's files to stream
    (DatasetError, with advice, if it cannot be)."""
    return dataset_source(spec).load(spec.dataset["options"], data_dir(spec))
