"""Datasets: a registry of sources, each decoding once into in-memory uint8 tensors."""

from cnnstudio.core.datasets.registry import (
    DEFAULT_DATASET,
    DatasetSource,
    ImageData,
    get_source,
    list_sources,
)

__all__ = ["DEFAULT_DATASET", "DatasetSource", "ImageData", "get_source", "list_sources"]
