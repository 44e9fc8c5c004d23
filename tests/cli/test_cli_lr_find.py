import re

import pytest
from PIL import Image

from cnnstudio.cli import run
from cnnstudio.core.training.lr_find import DEFAULT_BATCHES
from tests.cli.test_cli import write_small_spec


def test_lr_find_prints_the_suggestion_with_advice_and_saves_the_plot(tmp_path, capsys):
    spec = write_small_spec(tmp_path / "small.json")
    plot = tmp_path / "rates.png"
    argv = ["lr-find", str(spec), "--device", "cpu", "--batches", "400", "--plot", str(plot)]
    assert run(argv) == 0
    out, err = capsys.readouterr()
    found = re.fullmatch(r"suggested learning rate: (\d\.\d+(?:e-\d+)?)\n", out)
    assert found, out
    rate = found.group(1)
    assert 1e-4 <= float(rate) <= 3e-2 and len(rate.replace("0.", "").lstrip("0")) <= 3
    assert f"Train with --lr {rate}:" in err and "Tried 400 rates from 1e-07 to 10." in err
    with Image.open(plot) as image:
        assert image.format == "PNG" and image.width > 600 and image.height > 400


def test_lr_find_takes_the_train_commands_spec_options(tmp_path, capsys):
    """--optimizer, --batch-size, --seed... are train's; SGD needs more than 100 batches here to
    start learning: no suggestion, the reason said, exit status 1."""
    spec = write_small_spec(tmp_path / "small.json")
    argv = ["lr-find", str(spec), "--optimizer", "sgd", "--batch-size", "16", "--seed", "3"]
    assert run([*argv, "--device", "cpu", "--batches", "100"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "cnnstudio: no suggested learning rate. " in err and "No suggestion: the " in err
    assert "try a bigger batch size or more batches." in err
    assert "To try again: --batches 400 (more batches) or a bigger --batch-size.\n" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--batches", "3"], "at least 10 batches"),
        (["--plot", "rates.svg"], "expected a file name ending in .png"),
        (["--plot", "old.png"], "already exists and lr-find never writes over a file"),
        (["--lr", "-1"], "optimizer.lr"),
    ],
)
def test_lr_find_refuses_bad_input_in_one_line(tmp_path, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    spec = write_small_spec(tmp_path / "small.json")
    (tmp_path / "old.png").write_bytes(b"the user's own picture")
    assert run(["lr-find", str(spec), "--device", "cpu", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cnnstudio: error: ") and message in err
    assert (tmp_path / "old.png").read_bytes() == b"the user's own picture"


def test_lr_find_help_names_the_default_number_of_batches(capsys):
    with pytest.raises(SystemExit):
        run(["lr-find", "--help"])
    assert f"(default: {DEFAULT_BATCHES})" in capsys.readouterr().out
