"""Shared test setup: Qt offscreen, and small, fast runs on the built-in dataset."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.spec.run_spec import RunSpec


def small_spec(**sections) -> RunSpec:
    """A spec on 200 training / 50 validation shapes, 2 epochs, batch 32; sections override."""
    data = {
        "dataset": {"name": "shapes", "options": {"train_size": 200, "val_size": 50}},
        "training": {"epochs": 2, "batch_size": 32},
        "device": "cpu",
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return RunSpec.from_dict(data)


@pytest.fixture(autouse=True)
def _logs_in_tmp(tmp_path, monkeypatch):
    """Commands run by tests log into the test's folder, not the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def small_data():
    """The data for `small_spec()`."""
    return get_source("shapes").load({"train_size": 200, "val_size": 50, "seed": 0})
