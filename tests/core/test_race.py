"""A race: variants trained side by side on the same weights and batches, then ranked."""

import pytest
import torch

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.model.layers import make_layer
from cnnstudio.core.model.presets import get_preset
from cnnstudio.core.runs.checkpoint import read_checkpoint
from cnnstudio.core.runs.labels import read_label
from cnnstudio.core.runs.race import Race
from cnnstudio.core.runs.ranking import RaceEntry, folder_name, ranking_rows, ranking_table
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.spec.variants import grid, parse_vary
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.events import BatchEnded, FitEnded
from tests.conftest import small_spec


def race(tmp_path, spec, varies, data, control=None, listener=None):
    variants = grid(spec, [parse_vary(text) for text in varies], most=6)
    folders = [tmp_path / folder_name(variant.label) for variant in variants]
    with Race(variants, folders) as started:
        return started.run(data, control, listener)


def test_variants_start_from_the_same_weights_on_the_same_batches(tmp_path, small_data):
    spec = small_spec(training={"epochs": 1, "batch_size": 32})
    entries = race(tmp_path, spec, ["optimizer=sgd,adam", "lr=0.1,0.01"], small_data)
    assert [entry.variant.label for entry in entries] == [
        "optimizer=sgd, lr=0.1",
        "optimizer=sgd, lr=0.01",
        "optimizer=adam, lr=0.1",
        "optimizer=adam, lr=0.01",
    ]
    first_losses = {entry.first_loss for entry in entries}
    assert len(first_losses) == 1 and None not in first_losses
    # They did train differently: their last weights differ.
    weights = [read_checkpoint(e.folder / "last.pt").state_dict for e in entries]
    assert not torch.equal(weights[0]["0.weight"], weights[2]["0.weight"])
    for entry in entries:
        assert entry.result.status == "completed" and entry.result.epochs_completed == 1
        assert (entry.folder / "spec.json").exists() and (entry.folder / "metrics.csv").exists()
        assert not (entry.folder / ".lock").exists()
        label = read_label(entry.folder)
        assert label.name == entry.variant.label  # the Runs table's name
        assert label.notes.startswith("One of a race of 4: optimizer=sgd, lr=0.1; ")
    # Another seed means other first weights: the check above can tell.
    seeds = race(tmp_path / "seeds", spec, ["seed=1,2"], small_data)
    assert seeds[0].first_loss != seeds[1].first_loss


def test_a_variant_trains_exactly_as_its_solo_run(tmp_path, small_data):
    """Dropout draws from torch's global random state, which every variant keeps apart."""
    layers = [*get_preset("tutorial").layers]
    layers.insert(-1, make_layer("dropout", p=0.5))
    spec = small_spec(
        training={"epochs": 2, "batch_size": 32}, layers=[layer.to_dict() for layer in layers]
    )
    entries = race(tmp_path / "race", spec, ["lr=0.01,0.003"], small_data)
    with RunSession.new(entries[1].variant.spec, tmp_path / "solo") as session:
        solo = session.train(small_data)
    raced = read_checkpoint(entries[1].folder / "last.pt").state_dict
    alone = read_checkpoint(tmp_path / "solo" / "last.pt").state_dict
    for name, tensor in alone.items():
        assert torch.equal(tensor, raced[name]), name
    assert entries[1].result.best_val_accuracy == solo.best_val_accuracy


def test_a_failing_variant_ends_alone(tmp_path, small_data):
    spec = small_spec(training={"epochs": 2, "batch_size": 32}, optimizer={"name": "sgd"})
    events = []
    entries = race(
        tmp_path, spec, ["lr=0.01,10"], small_data, listener=lambda i, e: events.append(i)
    )
    calm, wild = entries
    assert wild.result.status == "failed" and wild.result.reason.startswith("The loss became")
    assert calm.result.status == "completed" and calm.result.epochs_completed == 2
    assert events.count(0) > events.count(1) > 0  # both were heard, the calm one for longer
    table = ranking_table(entries)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["rank", "variant", "best"]
    assert lines[1].startswith("1") and "lr=0.01 " in lines[1] and "completed" in lines[1]
    assert lines[2].startswith("2") and "lr=10 " in lines[2] and "failed" in lines[2]
    assert str(calm.folder) in lines[1]


def test_ranking_puts_the_best_validation_accuracy_first(tmp_path, small_data):
    spec = small_spec(training={"epochs": 2, "batch_size": 32})
    entries = race(tmp_path, spec, ["lr=0.000001,0.003,0.0003"], small_data)
    rows = ranking_rows(entries)
    accuracies = [entry.result.best_val_accuracy for entry in entries]
    assert len(set(accuracies)) == 3  # a real order to get right
    by_accuracy = sorted(entries, key=lambda e: e.result.best_val_accuracy, reverse=True)
    assert [row[1] for row in rows] == [entry.variant.label for entry in by_accuracy]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert rows[0][2] == f"{by_accuracy[0].result.best_val_accuracy:.1%}"


def test_variants_tied_on_accuracy_rank_by_their_last_validation_loss(tmp_path):
    """Two variants at 9.7% (both still guessing): the one whose loss fell further ranks
    first (the higher loss, listed first, ranked first)."""
    variants = grid(small_spec(), [parse_vary("lr=0.1,0.01,0.001")], most=6)
    finished = FitEnded("completed", "", 2, 1, 0.097, 1.0)
    losses = (2.3100, 2.3026, None)  # the last: no epoch finished, none known
    entries = [
        RaceEntry(variant, tmp_path / variant.label, finished, 2.31, loss, 1.0)
        for variant, loss in zip(variants, losses, strict=True)
    ]
    rows = ranking_rows(entries)
    assert [(row[1], row[4]) for row in rows] == [
        ("lr=0.01", "2.3026"),
        ("lr=0.1", "2.3100"),
        ("lr=0.001", "-"),
    ]


def test_stop_ends_every_variant_and_pause_holds_them(tmp_path, small_data):
    spec = small_spec(training={"epochs": 2, "batch_size": 32})
    control = TrainingControl()
    batches = []

    def listen(index, event):
        if isinstance(event, BatchEnded):
            batches.append(index)
            if len(batches) == 5:
                control.request_stop("enough")

    entries = race(tmp_path, spec, ["lr=0.01,0.001"], small_data, control, listen)
    assert [e.result.status for e in entries] == ["stopped", "stopped"]
    assert batches == [0, 1, 0, 1, 0]  # stepped in turn; both stop before their next batch
    assert entries[0].result.reason == "enough"


def test_a_used_folder_is_refused_before_any_variant_starts(tmp_path):
    spec = small_spec()
    variants = grid(spec, [parse_vary("lr=0.1,0.01")], most=6)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("mine")
    with pytest.raises(CnnstudioError, match="not empty"):
        Race(variants, [tmp_path / "a", tmp_path / "b"])
    assert not (tmp_path / "a").exists()  # the first folder, claimed, is freed and removed
    assert (tmp_path / "b" / "notes.txt").read_text() == "mine"


def test_folder_names_come_from_the_labels():
    assert folder_name("optimizer=adam, lr=0.01") == "optimizer-adam-lr-0.01"
    assert folder_name("weight decay=0.0001") == "weight-decay-0.0001"
    assert folder_name("preset=vgg_small, crop padding=off") == "preset-vgg_small-crop-padding-off"


def test_a_variant_whose_network_does_not_fit_is_refused_before_any_starts(tmp_path):
    """At 8x8 pixels the tutorial network's second convolution has nothing left to slide on."""
    spec = small_spec(
        input={"size": 8}, layers=[layer.to_dict() for layer in get_preset("resnet_small").layers]
    )
    variants = grid(spec, [parse_vary("preset=resnet_small,tutorial")], most=6)
    folders = [tmp_path / folder_name(variant.label) for variant in variants]
    with pytest.raises(CnnstudioError) as refused:
        Race(variants, folders)
    assert str(refused.value).startswith("preset=tutorial: Layer 4 (Conv2d): its 5x5 window")
    assert list(tmp_path.iterdir()) == []  # the first variant's folder, claimed, is removed
