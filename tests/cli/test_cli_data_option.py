"""--data-option KEY=VALUE: a dataset's options (its sizes, say) from the command line, for
train, race and lr-find alike, checked as a spec's are."""

import json

import pytest

from cnnstudio.cli import run

SMALL = ["--data-option", "train_size=100", "--data-option", "val_size= 20"]
QUICK = ["--epochs", "1", "--batch-size", "50", "--device", "cpu"]


def test_a_quick_small_race_takes_the_datasets_sizes(tmp_path, capsys):
    out = tmp_path / "race"
    argv = ["race", "--vary", "lr=0.01,0.001", *SMALL, *QUICK, "--out", str(out)]
    assert run(argv) == 0
    for variant in out.iterdir():
        spec = json.loads((variant / "spec.json").read_text())
        assert spec["dataset"]["options"] == {"train_size": 100, "val_size": 20, "seed": 0}
    err = capsys.readouterr().err
    assert err.count("epoch 1/1  val loss") == 2


def test_train_and_lr_find_take_them_too(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(["train", *SMALL, "--data-option", "seed=3", *QUICK, "--out", str(out)]) == 0
    options = json.loads((out / "spec.json").read_text())["dataset"]["options"]
    assert options == {"train_size": 100, "val_size": 20, "seed": 3}
    assert "100 training and 20 validation images" in capsys.readouterr().err
    assert run(["lr-find", "--data-option", "val_size=5", "--device", "cpu"]) == 2
    assert "--data-option val_size: expected an integer >= 10" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("train_size", "--data-option train_size: expected KEY=VALUE, e.g. train_size=1000"),
        ("size=3", "the shapes dataset has no option 'size'; its options: train_size, val_size"),
        ("train_size=ten", "--data-option train_size: expected an integer >= 20"),
        ("train_size=5", "--data-option train_size: expected an integer >= 20"),
    ],
)
def test_a_bad_option_is_one_line_naming_it(tmp_path, capsys, option, message):
    out = tmp_path / "race"
    argv = ["race", "--vary", "lr=0.01,0.001", "--data-option", option, "--out", str(out)]
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cnnstudio: error: ") and message in err, err
    assert not out.exists()
