"""The window trains through the same run session as the CLI: unique run folders, and a
finished run trained more epochs in its own folder."""

from cnnstudio.core.runs import folders
from cnnstudio.core.runs.checkpoint import read_checkpoint
from tests.gui.test_main_window import set_epochs, train_and_wait
from tests.gui.test_runs import metric_rows


def test_runs_started_in_the_same_second_each_get_a_folder(qtbot, window, monkeypatch):
    monkeypatch.setattr(folders, "_timestamp", lambda: "20260101-120000")
    set_epochs(window, 1)
    train_and_wait(qtbot, window)
    first = window.presenter.run_dir
    train_and_wait(qtbot, window)
    assert sorted(p.name for p in window.runs.runs_dir.iterdir()) == [
        "20260101-120000-shapes",
        "20260101-120000-shapes-2",
    ]
    assert window.presenter.run_dir != first
    assert all(len(metric_rows(folder)) == 1 for folder in window.runs.runs_dir.iterdir())


def test_a_finished_run_trains_more_epochs_in_its_folder(qtbot, window):
    set_epochs(window, 1)
    train_and_wait(qtbot, window)
    run_dir = window.presenter.run_dir
    worker = window.controller.start(window.spec, None, run_dir, more_epochs=2)
    shown = []
    worker.epoch_ended.connect(lambda event: shown.append(event.epoch))
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert shown == [1, 2, 3]  # the earlier epoch, read back from the folder, then the new ones
    assert [row["epoch"] for row in metric_rows(run_dir)] == ["1", "2", "3"]
    assert read_checkpoint(run_dir / "last.pt").spec.training["epochs"] == 3
    assert list(window.runs.runs_dir.iterdir()) == [run_dir]


def test_an_unexpected_error_on_the_run_thread_is_one_message_and_the_thread_ends(
    qtbot, window, monkeypatch
):
    """A bug in training must not kill the window or leave the run 'running': the worker says
    what broke in one message and the thread ends."""

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr("cnnstudio.gui.worker.RunSession.train", broken)
    messages = []
    run_dir = window.runs.runs_dir / "broken"
    window.controller.start(
        window.spec, None, run_dir, listen=lambda worker: worker.failed.connect(messages.append)
    )
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    assert messages == [
        "Training stopped on an unexpected error: RuntimeError: something inside broke"
    ]
