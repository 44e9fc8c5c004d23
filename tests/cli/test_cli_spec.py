"""Specs that are wrong, hostile or too big end with one plain line and exit status 2."""

import json

import pytest

from cnnstudio.cli import run


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"seed": 18446744073709551616}', "seed: expected an integer >= 0 and <= 2147483647"),
        ('{"seed": ' + "9" * 5000 + "}", "holds a number with 5000 digits"),
        ("[" * 100_000 + "]" * 100_000, "nested more than 64 levels deep"),
        ('{"input": {"channels": true}}', "input.channels: expected one of: 1, 3, auto"),
        (json.dumps({"layers": [{"type": "relu"}] * 20_000}), "a stack has at most 1000"),
    ],
)
def test_bad_spec_files_are_one_line_and_exit_2(tmp_path, capsys, text, message):
    spec = tmp_path / "bad.json"
    spec.write_text(text)
    assert run(["train", str(spec), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cnnstudio: error: ") and message in err
    assert err.count("\n") == 1 and not (tmp_path / "run").exists()


def test_seed_flag_beyond_what_torch_takes_is_refused(tmp_path, capsys):
    assert run(["train", "--seed", str(2**64), "--out", str(tmp_path / "run")]) == 2
    assert "seed: expected an integer >= 0 and <= 2147483647" in capsys.readouterr().err
