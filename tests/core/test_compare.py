"""Comparing runs: only the settings that differ, worded as people read them, and the values
of many runs for a scatter against their best accuracy."""

from cnnstudio.core.runs.compare import (
    EPOCHS_TRAINED,
    Difference,
    best_accuracy,
    settings_diff,
    settings_table,
)
from cnnstudio.core.runs.history import RunRecord, read_run
from cnnstudio.core.runs.labels import describe_run, parameter_count
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.control import TrainingControl
from tests.conftest import small_spec

CONV = {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}
TAIL = [{"type": "relu"}, {"type": "flatten"}, {"type": "linear", "out_features": "auto"}]


def record(tmp_path, name: str, accuracies=(0.5,), **sections) -> RunRecord:
    """A run of `small_spec(**sections)` whose epochs reached `accuracies`."""
    epochs = [{"epoch": i, "val_accuracy": a} for i, a in enumerate(accuracies, 1)]
    return RunRecord(tmp_path / name, small_spec(**sections), epochs, ["a", "b"])


def test_two_runs_differ_only_in_what_was_changed(tmp_path):
    first = record(tmp_path, "a", optimizer={"name": "sgd", "lr": 0.01})
    second = record(tmp_path, "b", optimizer={"name": "adam", "lr": 0.001})
    assert settings_diff(first, second) == [
        Difference("lr", "0.01", "0.001"),
        Difference("optimizer", "sgd", "adam"),
    ]
    assert settings_diff(first, first) == []


def test_layers_are_compared_as_presets_or_by_the_first_layer_that_differs(tmp_path):
    lenet = record(tmp_path, "a", layers=small_spec().with_preset("lenet5").to_dict()["layers"])
    tutorial = record(tmp_path, "b")  # small_spec's layers are the default, tutorial preset
    assert settings_diff(lenet, tutorial) == [Difference("preset", "lenet5", "tutorial")]

    narrow = record(tmp_path, "c", layers=[CONV, *TAIL])
    wide = record(tmp_path, "d", layers=[{**CONV, "out_channels": 16}, *TAIL])
    deeper = record(tmp_path, "e", layers=[CONV, *TAIL[:2], {"type": "dropout"}, TAIL[2]])
    assert settings_diff(narrow, wide) == [
        Difference(
            "layers",
            "4 layers; layer 1: conv2d out_channels=8",
            "4 layers; layer 1: conv2d out_channels=16",
        )
    ]
    assert settings_diff(narrow, deeper) == [
        Difference("layers", "4 layers; layer 4: linear", "5 layers; layer 4: dropout")
    ]


def test_fields_outside_the_named_settings_are_spelled_out(tmp_path):
    small = record(tmp_path, "a")
    more = record(tmp_path, "b", dataset={"options": {"train_size": 400, "val_size": 50}}, seed=7)
    assert settings_diff(small, more) == [
        Difference("dataset train size", "200", "400"),
        Difference("seed", "0", "7"),
    ]


def test_many_runs_list_each_differing_setting_and_the_epochs_they_trained(tmp_path):
    runs = [
        record(tmp_path, "a", (0.4, 0.6), optimizer={"lr": 0.1}),
        record(tmp_path, "b", (0.7,), optimizer={"lr": 0.001, "name": "sgd"}),
        record(tmp_path, "c", (0.5, 0.8, 0.75), optimizer={"lr": 0.01}),
    ]
    lr, optimizer, epochs = settings_table(runs)
    assert (lr.key, lr.label, lr.values) == ("optimizer.lr", "lr", (0.1, 0.001, 0.01))
    assert lr.numeric and lr.logarithmic
    assert (optimizer.label, optimizer.values) == ("optimizer", ("adam", "sgd", "adam"))
    assert not optimizer.numeric and not optimizer.logarithmic
    assert (epochs.key, epochs.values) == (EPOCHS_TRAINED, (2, 1, 3))
    assert epochs.numeric and not epochs.logarithmic
    assert [best_accuracy(r) for r in runs] == [0.6, 0.7, 0.8]
    assert best_accuracy(record(tmp_path, "new", ())) is None


def test_a_setting_off_in_one_run_is_a_choice_not_a_number(tmp_path):
    runs = [
        record(tmp_path, "a", training={"grad_clip": 1.0}),
        record(tmp_path, "b"),
        record(tmp_path, "c", training={"grad_clip": 5.0}),
    ]
    clip = settings_table(runs)[0]
    assert clip.label == "grad clip" and not clip.numeric
    assert clip.shown() == ["1", "off", "5"]


class ChangeLr(Callback):
    """Asks for learning rate `lr` after the second batch, as typing it in the window does."""

    def __init__(self, control: TrainingControl, lr: float) -> None:
        self.control, self.lr = control, lr

    def on_batch_end(self, event) -> None:
        if event.step == 2:
            self.control.request_change("optimizer.lr", self.lr)


def test_a_setting_changed_while_training_shows_where_it_started_and_each_change(
    tmp_path, small_data
):
    """spec.json holds the settings a run ended with: a run whose lr went from 0.001 to 0.0003
    started as a run kept at 0.001 did, and one that ended at 0.001 started elsewhere."""
    runs = {}
    for name, lr, new_lr in (
        ("lowered", 0.001, 0.0003),
        ("steady", 0.001, None),
        ("to", 0.01, 0.001),
    ):
        control = TrainingControl()
        spec = small_spec(optimizer={"lr": lr}, training={"epochs": 1})
        with RunSession.new(spec, tmp_path / name) as session:
            session.train(small_data, control, [ChangeLr(control, new_lr)] if new_lr else [])
        runs[name] = read_run(tmp_path / name)
    assert runs["lowered"].spec.optimizer["lr"] == 0.0003
    assert settings_diff(runs["lowered"], runs["steady"]) == [
        Difference("lr", "0.001 -> 0.0003 at epoch 1", "0.001")
    ]
    assert settings_diff(runs["steady"], runs["to"]) == [
        Difference("lr", "0.001", "0.01 -> 0.001 at epoch 1")
    ]
    assert settings_diff(runs["lowered"], runs["lowered"]) == []
    assert describe_run(runs["lowered"]).started.optimizer["lr"] == 0.001  # the table's lr


def test_many_runs_list_their_parameters_when_every_count_is_known(tmp_path):
    lenet = small_spec().with_preset("lenet5").to_dict()["layers"]
    runs = [record(tmp_path, "a"), record(tmp_path, "b", layers=lenet), record(tmp_path, "c")]
    for run in runs:  # the first line of the dataset check each run wrote
        run.folder.mkdir()
        (run.folder / "dataset_check.txt").write_text(
            "200 training and 50 validation images, 3x32x32, 6 classes.\n"
        )
    preset, parameters, _epochs = settings_table(runs)
    assert preset.values == ("tutorial", "lenet5", "tutorial")
    assert parameters.label == "parameters" and parameters.logarithmic
    assert parameters.values == tuple(parameter_count(run) for run in runs)
    assert parameters.values[0] == parameters.values[2] != parameters.values[1]

    (runs[1].folder / "dataset_check.txt").unlink()  # a run from before the check was kept
    assert [column.label for column in settings_table(runs)] == ["preset", EPOCHS_TRAINED]
