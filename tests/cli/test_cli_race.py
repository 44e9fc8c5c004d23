"""`cnnstudio race`: one run folder per variant and a ranking table."""

import io
import json
import re
import sys

from cnnstudio.cli import run
from tests.cli.test_cli import write_small_spec


def test_race_writes_a_run_folder_per_variant_and_ranks_them(tmp_path, capsys):
    spec_file = write_small_spec(tmp_path / "small.json")
    out = tmp_path / "race"
    argv = ["race", str(spec_file), "--vary", "optimizer=sgd,adam", "--vary", "lr=0.01,0.003"]
    assert run([*argv, "--epochs", "1", "--device", "cpu", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    names = {
        "optimizer-sgd-lr-0.01",
        "optimizer-sgd-lr-0.003",
        "optimizer-adam-lr-0.01",
        "optimizer-adam-lr-0.003",
    }
    assert {folder.name for folder in out.iterdir()} == names
    for name in names:
        spec = json.loads((out / name / "spec.json").read_text())
        assert spec["training"]["epochs"] == 1
        assert name == f"optimizer-{spec['optimizer']['name']}-lr-{spec['optimizer']['lr']:g}"
        assert (out / name / "best.pt").exists() and (out / name / "metrics.csv").exists()
    lines = captured.out.splitlines()
    assert lines[0].split() == [
        "rank", "variant", "best", "acc", "best", "epoch", "last", "val", "loss", "time",
        "status", "folder",
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3", "4"]
    accuracies = [float(line.split("%")[0].split()[-1]) for line in lines[1:]]
    assert accuracies == sorted(accuracies, reverse=True)
    assert all(str(out) in line and "completed" in line for line in lines[1:])
    assert "Racing 4 variants:" in captured.err and "epoch 1/1" in captured.err
    # Not a terminal: plain lines, no bar repainted over them
    assert "\r" not in captured.err and "batch/s" not in captured.err
    assert f"Runs saved in {out}" in captured.err


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_bar_counts_to_the_whole_race_from_the_start(tmp_path, monkeypatch):
    """The total grew 24 -> 48 -> 72 -> 96 as the variants started: it is 2 x 7 from the first
    repaint (200 images in batches of 32, one epoch, two variants)."""
    spec_file = write_small_spec(tmp_path / "small.json")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["race", str(spec_file), "--vary", "lr=0.01,0.003", "--epochs", "1"]
    assert run([*argv, "--device", "cpu", "--out", str(tmp_path / "race")]) == 0
    totals = re.findall(r"race: +\d+%\|[^|]*\| *\d+/(\d+)", terminal.getvalue())
    assert totals and set(totals) == {"14"}, terminal.getvalue()


def test_one_variant_is_not_a_race(tmp_path, capsys):
    assert run(["race", "--vary", "lr=0.01", "--out", str(tmp_path / "race")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("cnnstudio: error: a race needs two variants or more")
    assert not (tmp_path / "race").exists()


def test_more_than_six_variants_and_unknown_settings_are_refused(tmp_path, capsys):
    out = str(tmp_path / "race")
    assert run(["race", "--vary", "lr=0.1,0.01,0.001", "--vary", "optimizer=sgd,adam,adamw",
                "--out", out]) == 2  # fmt: skip
    assert "9 combinations; at most 6" in capsys.readouterr().err
    assert run(["race", "--vary", "speed=1,2", "--out", out]) == 2
    assert "unknown setting 'speed'" in capsys.readouterr().err
    assert not (tmp_path / "race").exists()


def test_a_used_folder_is_refused_and_kept(tmp_path, capsys):
    out = tmp_path / "race"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert run(["race", "--vary", "lr=0.1,0.01", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"cnnstudio: error: {out} is not empty; a race's runs never go over other files. Pick "
        "a new or empty folder with --out."
    )
    assert [path.name for path in out.iterdir()] == ["notes.txt"]


def test_ctrl_c_stops_every_variant_and_says_how_to_go_on(tmp_path, capsys, monkeypatch):
    """The first Ctrl+C (SIGINT, sent by the progress line here, as a person's key would
    arrive mid-race) stops the race after the current batch; the ranking is still printed."""
    import os
    import signal

    from cnnstudio.progress import RaceProgress

    heard, pressed = RaceProgress.hear, []

    def hear(self, index, event):
        heard(self, index, event)
        if self.done == 3 and not pressed:
            pressed.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(RaceProgress, "hear", hear)
    spec_file = write_small_spec(tmp_path / "small.json")
    out = tmp_path / "race"
    assert run(["race", str(spec_file), "--vary", "lr=0.01,0.001", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert [line.split()[-2] for line in captured.out.splitlines()[1:]] == ["stopped"] * 2
    assert "Stopped: interrupted with Ctrl+C. Each variant can go on alone" in captured.err
    assert f"cnnstudio train --resume {out}/" in captured.err
