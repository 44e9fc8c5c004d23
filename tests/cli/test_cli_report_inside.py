"""The HTML report's "Inside the network" section, built from the snapshots a real run saved."""

import base64
import html
import io
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from cnnstudio.cli import run
from cnnstudio.core.insight.pictures import filters_picture, heat_overlay, input_picture
from cnnstudio.core.insight.snapshot import load_snapshots
from cnnstudio.core.runs.history import read_run
from tests.cli.test_cli_explain import TINY_RUN, write_tiny_spec


@pytest.fixture(scope="module")
def two_epoch_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inside")
    spec = write_tiny_spec(folder / "tiny.json")
    argv = ["train", str(spec), "--preset", "tutorial", *TINY_RUN, "--epochs", "2"]
    assert run([*argv, "--out", str(folder / "run")]) == 0
    return folder / "run"


def report_page(run_dir, tmp_path) -> str:
    out = tmp_path / "report.html"
    assert run(["report", str(run_dir), "--out", str(out)]) == 0
    return out.read_text()


def embedded_pictures(page: str) -> list[np.ndarray]:
    found = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(data)))) for data in found]


def test_the_report_shows_the_last_epochs_filters_probes_and_statistics(two_epoch_run, tmp_path):
    first, last = load_snapshots(two_epoch_run)
    assert (first.epoch, last.epoch) == (1, 2)
    page = report_page(two_epoch_run, tmp_path)
    section = page[page.index("<h2>Inside the network</h2>") : page.index("<h2>Environment")]
    assert "At the end of epoch 2, seen through 8 validation images." in section
    assert "<h3>Filters of layer 1 conv1</h3>" in section
    assert "Grad-CAM of layer 4 conv2" in section
    pictures = embedded_pictures(section)
    assert len(pictures) == 1 + 2 * len(last.images)  # filters, then each probe and its overlay
    assert np.array_equal(pictures[0], filters_picture(last.filters[0]))
    assert not np.array_equal(pictures[0], filters_picture(first.filters[0]))  # it learned
    for i, image in enumerate(last.images):
        assert np.array_equal(pictures[1 + 2 * i], input_picture(image))
        assert np.array_equal(pictures[2 + 2 * i], heat_overlay(image, last.cams[i]))
    names = read_run(two_epoch_run).class_names
    captions = re.findall(
        r"<figcaption>true: ([^<]+)<br><span[^>]*>predicted: ([^<]+) \d+%", section
    )
    assert [truth for truth, _ in captions] == [names[label] for label in last.labels]
    predicted = [html.unescape(guess) for _, guess in captions]
    assert predicted == [names[i] for i in last.probabilities.argmax(1)]


def test_the_statistics_table_has_a_row_per_layer(two_epoch_run, tmp_path):
    last = load_snapshots(two_epoch_run)[-1]
    page = report_page(two_epoch_run, tmp_path)
    table = page[page.index("<h3>Layer statistics</h3>") :].split("</table>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>(.*?)</tr>", table)
    assert [label for label, _, _ in rows][:4] == ["1 conv1", "2 relu1", "3 pool1", "4 conv2"]
    assert len(rows) == len(last.stats) == 12
    dead = [re.findall(r"<td>([^<]*)</td>", cells)[-1] for _, _, cells in rows]
    assert dead[1] == f"{last.stats[1].dead_share:.0%}" and dead[0] == dead[2] == ""
    assert rows[0][1] == "Conv2d" and f"<td>{last.stats[0].weight_std:.4g}</td>" in rows[0][2]


def test_without_snapshots_there_is_no_section_and_a_damaged_one_is_skipped(
    two_epoch_run, tmp_path
):
    copy = tmp_path / "copy"
    shutil.copytree(two_epoch_run, copy)
    (copy / "inside" / "epoch-0002.npz").write_bytes(b"PK not a zip")
    page = report_page(copy, tmp_path)
    assert "At the end of epoch 1, seen through 8 validation images." in page
    shutil.rmtree(copy / "inside")
    page = report_page(copy, tmp_path)
    assert "Inside the network" not in page and "Confusion matrix" in page
