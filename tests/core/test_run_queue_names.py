"""Queued runs are named by their values of the settings that differ among the queued runs, so
a name stays true wherever its run moves in the queue."""

from cnnstudio.core.runs.queue import queue_names
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import with_setting


def test_a_run_alone_or_runs_alike_are_named_by_their_network_and_dataset():
    assert queue_names([RunSpec()]) == ["PyTorch tutorial CNN on shapes"]
    custom = RunSpec(layers=RunSpec().layers[:-1])
    assert queue_names([custom]) == ["custom network on shapes"]
    assert queue_names([RunSpec(), RunSpec()]) == ["PyTorch tutorial CNN on shapes"] * 2
    assert queue_names([]) == []


def test_each_run_shows_every_setting_that_differs_among_them_whatever_the_order():
    """The newcomer's queue: the window's settings, then lr 0.01, then batch size 32 too. Named
    by what each changed from the one before, the third was "batch size=32" and, moved first,
    silently had lr=0.01 as well."""
    first = RunSpec()
    second = with_setting(first, "optimizer.lr", 0.01)
    third = with_setting(second, "training.batch_size", 32)
    assert queue_names([first, second, third]) == [
        "lr=0.001, batch size=64",
        "lr=0.01, batch size=64",
        "lr=0.01, batch size=32",
    ]
    assert queue_names([third, first, second]) == [
        "lr=0.01, batch size=32",
        "lr=0.001, batch size=64",
        "lr=0.01, batch size=64",
    ]
    lenet = with_setting(first, "preset", "lenet5")
    edited = RunSpec(layers=first.layers[:-1])
    assert queue_names([first, lenet, edited]) == [
        "preset=tutorial",
        "preset=lenet5",
        "custom network",
    ]


def test_a_dataset_option_named_like_a_setting_keeps_both_apart():
    before = RunSpec()
    document = before.to_dict()
    document["dataset"]["options"]["seed"] = 7
    document["seed"] = 3
    assert queue_names([before, RunSpec.from_dict(document)]) == [
        "seed=0, dataset seed=0",
        "seed=3, dataset seed=7",
    ]


def test_a_name_lists_three_settings_then_counts_the_rest():
    before, after = RunSpec(), RunSpec()
    for path, value in (
        ("optimizer.lr", 0.5),
        ("optimizer.weight_decay", 0.1),
        ("training.epochs", 3),
        ("training.batch_size", 8),
        ("seed", 4),
    ):
        after = with_setting(after, path, value)
    assert queue_names([before, after])[1] == "lr=0.5, weight decay=0.1, epochs=3 and 2 more"
