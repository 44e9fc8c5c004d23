"""Downloading a benchmark dataset on request, all or nothing.

Files are fetched into a hidden staging folder inside the data directory and moved into place only
when every one arrived and passed torchvision's checksum; any failure removes the staging folder
(and the data directory, if this call created it), so nothing half-written is left behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from urllib.error import URLError

from cnnstudio.core.data.sources.locations import resolve_data_dir
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.data.sources.torchvision_sets import TorchvisionSource
from cnnstudio.core.errors import DatasetError

_ARCHIVES = (".tar.gz", ".tgz", ".zip")  # unpacked during the download; not kept
OFFLINE = "no internet connection: cnnstudio could not reach the download server"

log = logging.getLogger(__name__)


def download_dataset(name: str, data_dir: str | Path | None = None) -> Path:
    """Fetch dataset `name` into the data directory unless it is there; return the directory."""
    source = get_source(name)
    target = resolve_data_dir(data_dir)
    if not isinstance(source, TorchvisionSource):
        raise DatasetError(f"{source.title} needs no download.")
    if source.is_available(target):
        return target
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".download-{name}-", dir=target))
    try:
        _fetch(source, staging)
        _move_into_place(staging, target)
    except Exception as error:
        log.warning("download of %s failed", name, exc_info=True)  # the raw error, for the log
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise DatasetError(
            f"Could not download {source.title} into {target}: {_reason(error)}. Nothing was "
            f"written. Check the internet connection and try again, or "
            f"{source.hand_instructions(target)}"
        ) from None
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _fetch(source: TorchvisionSource, staging: Path) -> None:
    cls = source.layout.dataset_class()
    root = staging / source.layout.folder if source.layout.kind == "svhn" else staging
    for split in ("train", "test"):
        if source.layout.kind == "svhn":
            cls(str(root), split=split, download=True)
        else:
            cls(str(root), train=split == "train", download=True)


def _move_into_place(staging: Path, target: Path) -> None:
    for path in sorted(staging.rglob("*")):
        if path.is_dir() or (path.parent == staging and path.name.endswith(_ARCHIVES)):
            continue
        destination = target / path.relative_to(staging)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)


def _reason(error: Exception) -> str:
    # torchvision turns the URLError of each mirror into text inside a RuntimeError
    if isinstance(error, URLError) or "<urlopen error" in str(error):
        return OFFLINE
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
