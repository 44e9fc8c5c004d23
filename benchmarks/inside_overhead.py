"""What looking inside the network costs training, in one run, side by side.

  plain     Trainer.fit on the main thread, no recorder
  recorded  the same, with the InsideRecorder saving each epoch's snapshot into a run folder
  hidden    the window training the same run, its Inside tab hidden (the Curves tab in front)
  visible   the same with the Inside tab in front, redrawing at every epoch's end

Throughput is training images per second over the whole fit (epoch ends included, where the
snapshots are taken and drawn). Rounds are interleaved; each ratio is taken within a round, since
this machine's speed drifts over minutes. Targets: recorded/plain and visible/hidden >= 0.95.
Run: xvfb-run -a python benchmarks/inside_overhead.py   (or QT_QPA_PLATFORM=offscreen)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from window_responsiveness import ready_window, release_openmp_pool, spec_data

os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()  # the window's runs go here, not in ~


def headless(spec, data, record: bool) -> float:
    from cnnstudio.core.insight.recorder import InsideRecorder
    from cnnstudio.core.training.engine import Trainer

    trainer = Trainer(spec, data)
    callbacks = [InsideRecorder(trainer, Path(tempfile.mkdtemp()))] if record else []
    result = trainer.fit(callbacks)
    release_openmp_pool()
    return len(data.train_labels) * spec.training["epochs"] / result.seconds


def in_window(app, images: int, epochs: int, inside_visible: bool) -> float:
    """Press Train with the Inside tab in front, or hidden behind the Curves tab."""
    from PySide6.QtCore import QEventLoop

    window = ready_window(app, images, epochs)
    tabs = window.view_tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    tabs.setCurrentIndex(titles.index("Inside" if inside_visible else "Curves"))
    ended = []
    window.train_button.click()
    window.controller.worker.fit_ended.connect(ended.append)
    loop = QEventLoop()
    window.controller.running_changed.connect(lambda running: running or loop.quit())
    loop.exec()
    window.close()
    return images * epochs / ended[0].seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-window", action="store_true", help="only the headless pair")
    args = parser.parse_args()

    spec, data = spec_data(args.images, args.epochs)
    headless(spec, data, record=False)  # warm-up
    app = None
    if not args.no_window:
        from PySide6.QtCore import QSettings

        from cnnstudio.gui.app import create_application

        app = create_application([])
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    results: dict[str, list[float]] = {"plain": [], "recorded": [], "hidden": [], "visible": []}
    for round_number in range(args.rounds):
        order = [False, True] if round_number % 2 == 0 else [True, False]
        for record in order:
            results["recorded" if record else "plain"].append(headless(spec, data, record))
        if app is not None:
            for visible in order:
                rate = in_window(app, args.images, args.epochs, visible)
                results["visible" if visible else "hidden"].append(rate)
    print(
        f"{args.images} images x {args.epochs} epochs, batch {spec.training['batch_size']} "
        f"(window: 64), the default network, median of {args.rounds} rounds"
    )
    for name, values in results.items():
        if values:
            shown = ", ".join(f"{v:,.0f}" for v in values)
            print(f"  {name:<9}{statistics.median(values):>8,.0f} images/s  ({shown})")
    for new, old in (("recorded", "plain"), ("visible", "hidden")):
        if results[new]:
            paired = [n / o for n, o in zip(results[new], results[old], strict=True)]
            print(
                f"{new} / {old} = {statistics.median(paired):.3f}x median per round "
                f"({', '.join(f'{r:.2f}' for r in paired)}) (target >= 0.95)"
            )


if __name__ == "__main__":
    main()
