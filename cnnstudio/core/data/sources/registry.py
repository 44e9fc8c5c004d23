"""The dataset registry: every source a run can name, built-in first, in a fixed order."""

from __future__ import annotations

from cnnstudio.core.data.sources import builtin_shapes, folder, torchvision_sets
from cnnstudio.core.data.sources.base import DatasetSource
from cnnstudio.core.errors import SpecError

DEFAULT_DATASET = "shapes"
_SOURCES: dict[str, DatasetSource] = {}


def get_source(name: str) -> DatasetSource:
    sources = _sources()
    if name not in sources:
        raise SpecError(f"unknown dataset {name!r}; available datasets: " + ", ".join(sources))
    return sources[name]


def list_sources() -> list[DatasetSource]:
    return list(_sources().values())


def _sources() -> dict[str, DatasetSource]:
    """Every source, built-in first, in a fixed order."""
    if not _SOURCES:
        for source in (*builtin_shapes.SOURCES, *folder.SOURCES, *torchvision_sets.SOURCES):
            _SOURCES[source.name] = source
    return _SOURCES
