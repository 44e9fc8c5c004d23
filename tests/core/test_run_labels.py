"""A run's name and notes (run.json) and what the Runs table shows of it: default names from the
preset and dataset, parameters counted by formula, a damaged run.json ignored (issue 13)."""

import json
import logging

import pytest

from cnnstudio.core.model.layers import make_layer
from cnnstudio.core.model.presets import get_preset
from cnnstudio.core.runs.checkpoint import load_model
from cnnstudio.core.runs.history import list_runs, read_run
from cnnstudio.core.runs.labels import (
    LABEL_FILE,
    RunLabel,
    default_name,
    describe_run,
    read_label,
    run_name,
    write_label,
)
from cnnstudio.core.runs.session import RunSession
from tests.conftest import small_spec


def train_one_epoch(folder, **sections):
    with RunSession.new(small_spec(training={"epochs": 1}, **sections), folder) as session:
        session.train(session.load_data())
    return read_run(folder)


def real_parameters(folder):
    model = load_model(folder / "best.pt").model
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize(
    "sections",
    [
        {},
        {
            "input": {"size": 28, "channels": 1},
            "layers": [layer.to_dict() for layer in get_preset("lenet5").layers],
        },
    ],
)
def test_a_run_is_named_after_its_preset_and_dataset_and_counts_its_parameters(tmp_path, sections):
    record = train_one_epoch(tmp_path / "run", **sections)
    row = describe_run(record)
    title = "LeNet-5" if sections else "PyTorch tutorial CNN"
    assert row.name == run_name(record) == f"{title} on shapes"
    assert row.architecture == title
    assert row.parameters == real_parameters(tmp_path / "run") > 0
    assert record.seconds == pytest.approx(record.epochs[0]["seconds"]) and record.seconds > 0


def test_a_network_of_no_preset_is_a_custom_one():
    layers = [make_layer("flatten"), make_layer("linear")]
    spec = small_spec(
        dataset={"name": "cifar10", "options": {}}, layers=[layer.to_dict() for layer in layers]
    )
    assert default_name(spec) == "custom network on cifar10"


def test_a_name_and_notes_are_kept_in_run_json_each_without_losing_the_other(tmp_path):
    record = train_one_epoch(tmp_path / "run")
    assert write_label(record.folder, name="  wide conv ") == RunLabel("wide conv", "")
    assert write_label(record.folder, notes="lr too high?") == RunLabel("wide conv", "lr too high?")
    saved = json.loads((record.folder / LABEL_FILE).read_text())
    assert saved == {"name": "wide conv", "notes": "lr too high?"}
    assert run_name(record) == "wide conv" and read_label(record.folder).notes == "lr too high?"
    row = describe_run(list_runs(tmp_path)[0])
    assert (row.name, row.label.notes) == ("wide conv", "lr too high?")
    write_label(record.folder, name="")  # cleared: the default name again
    assert run_name(record) == "PyTorch tutorial CNN on shapes"


@pytest.mark.parametrize("damage", ['{"name": "half', "[1, 2]", "\xff\xfe"])
def test_a_damaged_run_json_is_logged_and_the_run_keeps_its_default_name(tmp_path, caplog, damage):
    record = train_one_epoch(tmp_path / "run")
    (record.folder / LABEL_FILE).write_bytes(damage.encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        (listed,) = list_runs(tmp_path)
        row = describe_run(listed)
    assert row.label == RunLabel() and row.name == "PyTorch tutorial CNN on shapes"
    assert "damaged" in caplog.text and LABEL_FILE in caplog.text
    assert write_label(record.folder, notes="fixed") == RunLabel("", "fixed")


def test_a_run_without_its_dataset_check_has_no_parameter_count(tmp_path):
    record = train_one_epoch(tmp_path / "run")
    (record.folder / "dataset_check.txt").unlink()
    assert describe_run(record).parameters is None
