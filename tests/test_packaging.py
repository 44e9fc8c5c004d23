"""The wheel must contain every package and the resources the app loads."""

from importlib.resources import files
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11 and newer

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_lists_every_package_directory():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "cnnstudio").rglob("__init__.py")
    }
    assert found | {"cnnstudio.resources"} == listed


def test_the_icon_is_reachable_as_a_package_resource():
    icon = files("cnnstudio.resources") / "cnnstudio.svg"
    assert icon.is_file() and icon.read_text().startswith("<svg")
