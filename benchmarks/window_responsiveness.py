"""The window while it trains: throughput, event-loop lateness and launch time, in one run.

  headless  the run's spec trained on the main thread, no Qt (the baseline)
  window    the same spec trained from the window (worker QThread, live views redrawing)
During the window's runs a 10 ms QTimer records how late each tick fires (event-loop lateness).
Launch time is measured in fresh processes, from interpreter start to the window shown.

Why the baseline releases its OpenMP pool: libgomp keeps a worker pool per OS thread that has run
a parallel region. With two pools on 2 cores (more managed threads than CPUs) it throttles
spin-waiting, and every small op pays a futex wake-up: a worker thread then trains at about 0.8x
(measured here). The window never runs torch on its GUI thread, so it has one pool; the headless
baseline, run on this process's main thread, would leave a second one behind.

Targets: window >= 0.90x headless; lateness p99 <= 30 ms. Run under xvfb-run for a real display,
or with QT_QPA_PLATFORM=offscreen.  python benchmarks/window_responsiveness.py
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

# The window saves every run; keep the benchmark's out of the user's data folder (Linux).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()

LAUNCH = """
import time; start = time.perf_counter()
import tempfile
from PySide6.QtCore import QSettings, QTimer
from cnnstudio.gui.app import create_application
app = create_application([])
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
from cnnstudio.gui.main_window import MainWindow
window = MainWindow(); window.show()
def shown():  # the first turn of the event loop: the window is on screen
    print(time.perf_counter() - start, flush=True)
    window.close()
QTimer.singleShot(0, shown)
app.exec()
"""


def release_openmp_pool() -> None:
    """Free the calling thread's libgomp pool (OpenMP 5 omp_pause_resource_all, hard)."""
    with open("/proc/self/maps") as maps:
        path = next((line.split()[-1] for line in maps if "libgomp" in line), None)
    if path:
        ctypes.CDLL(path).omp_pause_resource_all(2)


def spec_data(images: int, epochs: int):
    from cnnstudio.core.data.sources.registry import get_source
    from cnnstudio.core.spec.run_spec import RunSpec

    spec = RunSpec.from_dict(
        {
            "dataset": {"options": {"train_size": images, "val_size": 500}},
            "training": {"epochs": epochs},
            "device": "cpu",
        }
    )
    return spec, get_source("shapes").load(spec.dataset["options"])


def headless(spec, data) -> float:
    from cnnstudio.core.training.callbacks import Callback
    from cnnstudio.core.training.engine import Trainer

    class Rates(Callback):
        def __init__(self) -> None:
            self.rates: list[float] = []

        def on_batch_end(self, event) -> None:
            if event.batch == event.batches_per_epoch:
                self.rates.append(event.images_per_second)

    rates = Rates()
    Trainer(spec, data).fit([rates])
    release_openmp_pool()
    return statistics.median(rates.rates)


def ready_window(app, images: int, epochs: int):
    """The window shown with the run set up (batch 64) and its dataset loaded."""
    from cnnstudio.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    options = window.dataset_panel.options_form.editors
    options["train_size"].setValue(images)
    options["val_size"].setValue(500)
    window.training_panel.training.editors["epochs"].setValue(epochs)
    window.training_panel.training.editors["batch_size"].setValue(64)
    while window.loaded is None or window.jobs.busy() or window.dataset.reload_timer.isActive():
        app.processEvents()
        time.sleep(0.005)
    return window


def in_window(app, images: int, epochs: int) -> tuple[float, list[float]]:
    """As a person would: open the window, set the run up, wait for the dataset, press Train."""
    from PySide6.QtCore import QEventLoop, QTimer

    window = ready_window(app, images, epochs)
    rates: list[float] = []
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - 0.010) * 1000)
        last[0] = now

    def record(batches) -> None:
        if batches[-1].batch == batches[-1].batches_per_epoch:
            rates.append(batches[-1].images_per_second)

    ticker = QTimer()
    ticker.setInterval(10)
    ticker.timeout.connect(tick)
    window.train_button.click()
    window.controller.worker.batches_ended.connect(record)
    ticker.start()
    loop = QEventLoop()  # wait as the application's own event loop does
    window.controller.running_changed.connect(lambda running: running or loop.quit())
    loop.exec()
    ticker.stop()
    window.close()
    return statistics.median(rates), lateness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    launches = [
        float(
            subprocess.run(
                [sys.executable, "-c", LAUNCH], capture_output=True, text=True, check=True
            ).stdout.split()[-1]
        )
        for _ in range(3)
    ]
    from PySide6.QtCore import QSettings

    from cnnstudio.gui.app import create_application

    app = create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)  # leave the user's settings alone
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    spec, data = spec_data(args.images, args.epochs)
    headless(spec, data)  # warm-up
    results: dict[str, list[float]] = {"headless": [], "window": []}
    lateness: list[float] = []
    for _ in range(args.rounds):
        results["headless"].append(headless(spec, data))
        rate, late = in_window(app, args.images, args.epochs)
        results["window"].append(rate)
        lateness += late
    base, gui = (statistics.median(results[k]) for k in ("headless", "window"))
    # Each round's window run against the headless run just before it: the machine's speed
    # drifts by 10-20% over minutes, which pairing cancels.
    paired = [w / h for h, w in zip(results["headless"], results["window"], strict=True)]
    late = np.array(lateness)
    print(
        f"launch to window shown: median {statistics.median(launches):.2f}s "
        f"({', '.join(f'{t:.2f}' for t in launches)})"
    )
    print(
        f"{args.images} images x {args.epochs} epochs, batch {spec.training['batch_size']}, "
        f"median of {args.rounds} rounds"
    )
    for name, values in results.items():
        print(
            f"  {name:<9}{statistics.median(values):>8,.0f} images/s  "
            f"({', '.join(f'{v:,.0f}' for v in values)})"
        )
    print(
        f"window / headless = {gui / base:.3f}x (medians); per round "
        f"{statistics.median(paired):.3f}x median ({', '.join(f'{r:.2f}' for r in paired)}) "
        "(target >= 0.90)"
    )
    print(
        f"event-loop lateness over {len(late)} ticks of 10 ms: p50 {np.percentile(late, 50):.1f} "
        f"ms, p99 {np.percentile(late, 99):.1f} ms, max {late.max():.1f} ms (target p99 <= 30)"
    )


if __name__ == "__main__":
    main()
