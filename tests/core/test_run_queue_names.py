"""Queued runs are named by what they change from the run queued before them."""

from cnnstudio.core.runs.queue import queued_name, what_differs
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import with_setting


def test_the_first_run_is_named_by_its_network_and_dataset():
    assert queued_name(None, RunSpec()) == "PyTorch tutorial CNN on shapes"
    custom = RunSpec(layers=RunSpec().layers[:-1])
    assert queued_name(None, custom) == "custom network on shapes"


def test_a_later_run_is_named_by_the_settings_it_changes():
    before = RunSpec()
    after = with_setting(with_setting(before, "optimizer.lr", 0.01), "training.batch_size", 32)
    assert queued_name(before, after) == "lr=0.01, batch size=32"
    assert what_differs(before, with_setting(after, "preset", "lenet5"))[0] == "preset=lenet5"
    edited = RunSpec(layers=before.layers[:-1])
    assert what_differs(before, edited) == ["network edited"]
    assert queued_name(before, before) == "PyTorch tutorial CNN on shapes, again"


def test_a_dataset_option_named_like_a_setting_keeps_both_apart():
    before = RunSpec()
    document = before.to_dict()
    document["dataset"]["options"]["seed"] = 7
    document["seed"] = 3
    assert what_differs(before, RunSpec.from_dict(document)) == ["seed=3", "dataset seed=7"]


def test_a_name_lists_three_changes_then_counts_the_rest():
    before, after = RunSpec(), RunSpec()
    for path, value in (
        ("optimizer.lr", 0.5),
        ("optimizer.weight_decay", 0.1),
        ("training.epochs", 3),
        ("training.batch_size", 8),
        ("seed", 4),
    ):
        after = with_setting(after, path, value)
    assert queued_name(before, after) == "lr=0.5, weight decay=0.1, epochs=3 and 2 more"
