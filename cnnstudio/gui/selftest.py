"""`cnnstudio selftest`: proves an installation works, end to end, printing each check.

Opens the real window (offscreen unless QT_QPA_PLATFORM says otherwise), trains one short epoch on
the built-in dataset through the real worker thread, reloads the checkpoint it wrote, predicts one
image with it, and closes. Everything is written to a temporary folder; the user's settings and
runs are not touched. Exit status 0 only if every check passed.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from cnnstudio.gui.display import display_problem

TIMEOUT_SECONDS = 300


class SelfTestFailed(Exception):
    pass


def run_selftest() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    problem = display_problem()
    if problem:
        print(f"FAILED  display: {problem}")
        return 1
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cnnstudio-selftest-") as folder:
        try:
            _checks(Path(folder), started)
        except SelfTestFailed as error:
            print(f"FAILED  {error}")
            return 1
    print(f"selftest passed in {time.perf_counter() - started:.1f}s")
    return 0


def _checks(folder: Path, started: float) -> None:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QSpinBox

    from cnnstudio.core.runs.checkpoint import load_model, read_checkpoint
    from cnnstudio.core.runs.predict import predict_files
    from cnnstudio.core.spec.project import Project
    from cnnstudio.gui.app import create_application

    app = create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)  # the user's settings stay as they are
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    from cnnstudio.gui.main_window import MainWindow

    def wait_for(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(
            lambda: (condition() or time.monotonic() > deadline) and loop.quit()  # type: ignore[func-returns-value]
        )
        timer.start(20)
        if not condition():
            loop.exec()
        timer.stop()
        if not condition():
            raise SelfTestFailed(f"{what}: nothing after {TIMEOUT_SECONDS}s")

    window = MainWindow()
    window.runs.project = Project(folder / "selftest.cnnstudio", window.spec)  # runs in `folder`
    window.show()
    wait_for(window.isVisible, "window")
    _ok(f"window shown ({QGuiApplication.platformName()} platform, {_since(started)})")

    assert window.dataset_panel.options_form is not None  # the built-in dataset's options
    options = window.dataset_panel.options_form.editors
    cast(QSpinBox, options["train_size"]).setValue(500)
    cast(QSpinBox, options["val_size"]).setValue(100)
    cast(QSpinBox, window.training_panel.training.editors["epochs"]).setValue(1)
    wait_for(
        lambda: window.loaded is not None and int(window.loaded.report.train_counts.sum()) == 500,
        "built-in dataset",
    )
    _ok("built-in dataset drawn: 500 training and 100 validation images")
    if not window.train_button.isEnabled():
        raise SelfTestFailed(f"Train is disabled: {window.train_blocked_reason()}")

    window.train_button.click()
    wait_for(lambda: not window.controller.running, "training")
    if not window.progress_label.text().startswith("Finished after 1 epoch"):
        raise SelfTestFailed(f"training: {window.progress_label.text()}")
    _ok(f"trained one epoch on the worker thread: {window.progress_label.text().split('. ')[0]}")

    run_dir = window.presenter.run_dir
    assert run_dir is not None  # the run just finished
    state = read_checkpoint(run_dir / "last.pt").training
    saved = load_model(run_dir / "best.pt")
    if state.epochs_completed != 1 or len(saved.class_names) != 10:
        raise SelfTestFailed("checkpoint: it does not hold the epoch just trained")
    _ok(
        f"checkpoint saved and reloaded: {sum(p.numel() for p in saved.model.parameters()):,} "
        "parameters, 10 classes"
    )

    image = folder / "sample.png"
    _save_png(saved.sample_images[0].numpy(), image)
    (prediction,) = predict_files(saved, [image], top_k=1).predictions
    name, probability = prediction.top[0]
    truth = saved.class_names[int(saved.sample_labels[0])]
    _ok(f"predicted one image: {name} ({probability:.0%}; it is a {truth})")

    _check_worker_processes(saved, folder)

    window.close()
    if window.controller.running or window.jobs.busy():
        raise SelfTestFailed("closing: a thread was left running")
    _ok("window closed, no thread left running")
    app.processEvents()


def _check_worker_processes(saved, folder: Path) -> None:
    """Decode image files in DataLoader worker processes (they re-enter a frozen app's entry)."""
    import torch

    from cnnstudio.core.data.streaming import StreamingLoader
    from cnnstudio.core.data.tensors import BatchFinisher, Normalizer

    paths = []
    for index, pixels in enumerate(saved.sample_images[:8].numpy()):
        paths.append(str(folder / f"stream-{index}.png"))
        _save_png(pixels, Path(paths[-1]))
    finish = BatchFinisher(Normalizer(tuple(saved.mean), tuple(saved.std)), torch.device("cpu"))
    channels, size = saved.input_shape[0], saved.input_shape[1]
    labels = saved.sample_labels[: len(paths)]
    loader = StreamingLoader(paths, labels, size, channels, 4, finish, shuffle=False, workers=2)
    seen = sum(len(batch_labels) for _, batch_labels in loader)
    if seen != len(paths):
        raise SelfTestFailed(f"worker processes: decoded {seen} of {len(paths)} images")
    _ok(f"decoded {seen} image files in 2 DataLoader worker processes")


def _save_png(pixels, path: Path) -> None:
    from PIL import Image

    array = pixels[0] if pixels.shape[0] == 1 else pixels.transpose(1, 2, 0)
    Image.fromarray(array).save(path)


def _ok(text: str) -> None:
    print(f"ok      {text}", flush=True)


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f}s after start"
