"""Prediction classifies every readable file and lists the others with the reason."""

import pytest

from cnnstudio.cli import run
from cnnstudio.core.runs.checkpoint import load_model, save_checkpoint
from cnnstudio.core.runs.predict import predict_files, read_images
from cnnstudio.core.training.engine import Trainer
from tests.conftest import small_spec
from tests.datafiles import write_image


@pytest.fixture
def checkpoint(tmp_path, small_data):
    trainer = Trainer(small_spec(training={"epochs": 1}), small_data)
    trainer.fit()
    save_checkpoint(tmp_path / "best.pt", trainer)
    return tmp_path / "best.pt"


def files(tmp_path, good=50):
    paths = [write_image(tmp_path / "in" / f"{i}.png", (40, 30), value=i * 5) for i in range(good)]
    broken = tmp_path / "in" / "broken.jpg"
    broken.parent.mkdir(exist_ok=True)
    broken.write_bytes(b"\xff\xd8\xff not really a JPEG")
    return paths, broken


def test_one_broken_file_among_many_leaves_the_others_classified(tmp_path, checkpoint):
    paths, broken = files(tmp_path)
    missing = tmp_path / "in" / "gone.png"
    given = [*paths[:20], broken, *paths[20:], missing]
    saved = load_model(checkpoint)
    result = predict_files(saved, given, top_k=2)
    assert [p.path for p in result.predictions] == [str(p) for p in paths]
    assert all(len(p.top) == 2 for p in result.predictions)
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons[str(broken)].startswith("not an image this program can read (")
    assert reasons[str(missing)] == "no such file"
    read = read_images(saved, given)
    assert read.images.shape == (50, *saved.input_shape) and len(read.paths) == 50


def test_cli_prints_every_readable_file_and_lists_the_rest(tmp_path, checkpoint, capsys):
    paths, broken = files(tmp_path)
    assert run(["predict", str(checkpoint), str(broken), *map(str, paths)]) == 0
    out, err = capsys.readouterr()
    assert [line.split(": ")[0] for line in out.splitlines()] == [str(p) for p in paths]
    assert f"Skipped {broken}: not an image this program can read" in err


def test_cli_fails_only_when_no_file_could_be_read(tmp_path, checkpoint, capsys):
    _, broken = files(tmp_path, good=0)
    assert run(["predict", str(checkpoint), str(broken), str(tmp_path / "gone.png")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == (
        f"cnnstudio: error: no image could be read: {broken}: not an image this program can "
        f"read (cannot identify image file {str(broken)!r}) (and 1 more)"
    )
