import json

import pytest

from cnnstudio.core.errors import SpecError
from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.spec.project import load_project
from cnnstudio.core.spec.run_spec import SPEC_VERSION, RunSpec, load_spec, save_spec


def test_default_spec_round_trips_exactly_through_json(tmp_path):
    spec = RunSpec()
    assert RunSpec.from_dict(json.loads(spec.to_json())) == spec
    save_spec(spec, tmp_path / "run.json")
    assert load_spec(tmp_path / "run.json") == spec
    assert load_spec(tmp_path / "run.json").to_json() == spec.to_json()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_round_trips(preset):
    spec = RunSpec().with_preset(preset)
    assert RunSpec.from_dict(spec.to_dict()) == spec


def test_missing_sections_take_defaults_and_are_written_out_complete():
    spec = RunSpec.from_dict({"optimizer": {"name": "sgd"}})
    assert spec.optimizer["lr"] == 0.001 and spec.training["epochs"] == 10
    assert spec.to_dict()["layers"][0]["type"] == "conv2d"
    assert spec.to_dict()["version"] == SPEC_VERSION


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"optimiser": {}}, r"spec: unknown field 'optimiser'; allowed fields: format, version"),
        ({"optimizer": {"lrr": 1}}, r"optimizer: unknown field 'lrr'; allowed fields: name, lr"),
        ({"optimizer": {"name": "adamz"}}, r"optimizer.name: expected one of: sgd, adam, adamw"),
        ({"training": {"epochs": 0}}, r"training.epochs: expected an integer >= 1"),
        ({"training": {"batch_size": "big"}}, r'training.batch_size: .* got "big"'),
        ({"schedule": {"name": "linear"}}, r"schedule.name: .*none, step, cosine, onecycle"),
        ({"layers": [{"type": "conv3d"}]}, r"layers\[0\].type: unknown layer 'conv3d'"),
        (
            {"layers": [{"type": "relu"}, {"type": "conv2d", "kernel_size": 0}]},
            r"layers\[1\].kernel_size: expected an integer >= 1",
        ),
        ({"layers": "conv"}, r"layers: expected a list"),
        ({"dataset": {"name": "imagenet"}}, r"dataset.name: unknown dataset 'imagenet'"),
        ({"dataset": {"options": {"train_size": 5}}}, r"dataset.options.train_size: .* >= 20"),
        ({"input": {"channels": 2}}, r"input.channels: expected one of: 1, 3, auto"),
        ({"device": "gpu"}, r"device: expected auto, cpu, cuda, cuda:N or mps"),
        ({"seed": -1}, r"seed: expected an integer >= 0"),
        ({"version": 99}, r"newer cnnstudio"),
        ({"format": "something.else"}, r"not a cnnstudio run spec"),
        ({"optimizer": {"name": "adam", "nesterov": True}}, r"optimizer.nesterov: only works"),
    ],
)
def test_bad_values_name_the_field_and_what_is_allowed(document, message):
    with pytest.raises(SpecError, match=message):
        RunSpec.from_dict(document)


def test_load_spec_reports_missing_file_and_bad_json_with_position(tmp_path):
    with pytest.raises(SpecError, match=r"no such file"):
        load_spec(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"training": {"epochs": 3,}}')
    with pytest.raises(SpecError, match=r"broken.json: not valid JSON \(line 1, column 27"):
        load_spec(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"training": {"epochs": -3}}')
    with pytest.raises(SpecError, match=r"wrong.json: training.epochs"):
        load_spec(wrong)


def test_save_spec_leaves_no_temporary_files(tmp_path):
    save_spec(RunSpec(), tmp_path / "a.json")
    save_spec(RunSpec().with_preset("lenet5"), tmp_path / "a.json")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert load_spec(tmp_path / "a.json") == RunSpec().with_preset("lenet5")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"input": {"channels": True}}, r"input.channels: expected one of: 1, 3, auto; got true"),
        ({"input": {"channels": 1.0}}, r"input.channels: expected one of: 1, 3, auto; got 1.0"),
        ({"seed": 2**64}, r"seed: expected an integer >= 0 and <= 2147483647"),
        ({"training": {"epochs": True}}, r"training.epochs: expected an integer .* got true"),
        ({"optimizer": {"lr": True}}, r"optimizer.lr: expected a number .* got true"),
        ({"schedule": {"patience": 10**9}}, r"schedule.patience: .* <= 10000"),
        (
            {"layers": [{"type": "conv2d", "out_channels": 10**9}]},
            r"layers\[0\].out_channels: expected an integer >= 1 and <= 4096; got 1000000000",
        ),
        (
            {"layers": [{"type": "conv2d", "padding": 10**6}]},
            r"layers\[0\].padding: expected an integer >= 0 and <= 64",
        ),
        (
            {"layers": [{"type": "linear", "out_features": 10**9}]},
            r"layers\[0\].out_features: expected an integer >= 1 and <= 65536",
        ),
        ({"layers": [{"type": "relu"}] * 20_000}, r"layers: 20000 layers; a stack has at most"),
    ],
)
def test_values_beyond_what_can_run_are_refused_naming_the_field(document, message):
    with pytest.raises(SpecError, match=message):
        RunSpec.from_dict(document)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"seed": ' + "7" * 5000 + "}", r"run.json: holds a number with 5000 digits"),
        ('{"layers": ' + "[" * 100_000 + "]" * 100_000 + "}", r"nested more than 64 levels"),
        ('{"optimizer": {"lr": NaN}}', r"run.json: not valid JSON: NaN is not a number"),
        ('{"seed": "[[[[" , "x": "]]]]"}', r"unknown field 'x'"),  # brackets in text: no depth
    ],
)
def test_hostile_json_is_a_plain_error_for_specs_and_projects(tmp_path, text, message):
    (tmp_path / "run.json").write_text(text)
    with pytest.raises(SpecError, match=message):
        load_spec(tmp_path / "run.json")
    project = tmp_path / "run.cnnstudio"
    project.write_text(text)
    with pytest.raises(SpecError, match=r"run.cnnstudio: "):
        load_project(project)
