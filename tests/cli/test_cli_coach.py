"""The coach on the command line (issue 12): `cnnstudio train` ends with its notes, the run folder
keeps them, and the HTML report has a Coach section."""

import json

from cnnstudio.cli import run
from cnnstudio.core.insight.coach_notes import load_notes
from tests.cli.test_cli import write_small_spec
from tests.cli.test_cli_runs import kill_after_the_first_epoch


def guessing_spec(path):
    """A run whose learning rate is far too low: the network is still guessing after 160 steps."""
    write_small_spec(path, optimizer={"name": "adam", "lr": 1e-5})
    data = json.loads(path.read_text())
    data["dataset"]["options"].update(train_size=1000, val_size=200)
    data["training"].update(epochs=5, batch_size=32)
    path.write_text(json.dumps(data))
    return path


def test_train_ends_with_the_coachs_notes_and_the_report_lists_them(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(["train", str(guessing_spec(tmp_path / "spec.json")), "--out", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    saved = err.index(f"Run saved in {out}")
    assert err[saved + 1 :] == [
        f"Coach (1 note; what each means: cnnstudio report {out} --out report.html):",
        "  Epoch 5: Still guessing.",
        "    Try a learning rate ten times larger (0.0001).",
    ]
    notes = json.loads((out / "coach.json").read_text())["notes"]
    assert [note["rule"] for note in notes] == ["stuck_at_chance"]

    assert run(["report", str(out), "--out", str(tmp_path / "report.html")]) == 0
    page = (tmp_path / "report.html").read_text()
    coach = page[page.index("<h2>Coach</h2>") :]
    assert "Epoch 5: Still guessing.</b> After 160 update steps" in coach
    assert "Change for the next run: Use a learning rate of 0.0001." in coach


def test_a_healthy_run_prints_no_notes_and_its_report_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(["train", str(write_small_spec(tmp_path / "spec.json")), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.rstrip().endswith(f"Run saved in {out}")
    assert "Coach" not in err
    assert run(["report", str(out), "--out", str(tmp_path / "report.html")]) == 0
    assert "The coach found nothing to remark on" in (tmp_path / "report.html").read_text()


def test_a_run_from_before_the_coach_has_no_coach_section(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(["train", str(write_small_spec(tmp_path / "spec.json")), "--out", str(out)]) == 0
    (out / "coach.json").unlink()
    assert run(["report", str(out), "--out", str(tmp_path / "report.html")]) == 0
    assert "<h2>Coach</h2>" not in (tmp_path / "report.html").read_text()


def test_a_killed_run_keeps_its_notes_and_resuming_does_not_repeat_them(tmp_path, capsys):
    out = kill_after_the_first_epoch(tmp_path, optimizer={"name": "adam", "lr": 0.1})
    kept = load_notes(out)
    assert [note.rule for note in kept] == ["loss_rising"]  # the rate of 0.1 blew the loss up

    assert run(["train", "--resume", str(out)]) == 0
    assert "Coach" not in capsys.readouterr().err  # nothing new to say
    assert load_notes(out) == kept
