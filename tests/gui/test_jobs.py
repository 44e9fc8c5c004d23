"""Background jobs hand their results to the GUI thread, whatever the callback is."""

import threading

from cnnstudio.gui.app import create_application
from cnnstudio.gui.jobs import JobRunner


def test_lambda_callbacks_run_on_the_gui_thread(qtbot):
    create_application([])
    jobs = JobRunner()
    seen = []
    jobs.start(lambda: 42, lambda result: seen.append((result, threading.current_thread())), print)
    jobs.start(
        lambda: 1 / 0, print, lambda message: seen.append((message, threading.current_thread()))
    )
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)
    assert {thread for _, thread in seen} == {threading.main_thread()}
    assert (42, threading.main_thread()) in seen
    assert any("ZeroDivisionError" in str(value) for value, _ in seen)
    qtbot.waitUntil(lambda: not jobs.busy(), timeout=10_000)


def test_a_finished_job_worker_is_deleted_on_the_gui_thread(qtbot):
    # Destroyed on its own thread, it took a Qt lock and then waited for the GIL: a deadlock.
    from PySide6.QtCore import QCoreApplication

    create_application([])
    jobs = JobRunner()
    owners = []
    jobs.start(lambda: None, lambda _result: owners.append(worker.thread()), print)
    ((_, worker),) = jobs._running
    qtbot.waitUntil(lambda: len(owners) == 1, timeout=10_000)
    assert owners == [QCoreApplication.instance().thread()]
    qtbot.waitUntil(lambda: not jobs.busy(), timeout=10_000)
