"""Start-up as a new user meets it: the README's command in fresh processes, first launch.

Each round starts `cnnstudio` (no arguments: the window) in a new Python process with empty
settings, data and log folders, and records, from just before the process is started:

  window   the window's first paint (it is on screen)
  ready    Train can start on the built-in dataset (the button is enabled and the data is loaded)

The process is the real entry point (`cnnstudio.__main__.main`); the probe only watches: it
wraps QApplication.exec to install an event filter and a 10 ms poll, then quits when ready.
Targets (issue 10): window <= 2 s, ready <= 4 s, medians of 5 rounds on a 2-core machine.

    xvfb-run -a python benchmarks/startup.py [--compare OTHER_TREE]   (or QT_QPA_PLATFORM=offscreen)

--compare launches another source tree in turns with this one (e.g. a `git worktree` of an older
commit), so both meet the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBE = """
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QPushButton

marks = {}
original_exec = QApplication.exec


def main_window():
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)), None)


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if "window" not in marks and event.type() == QEvent.Type.Paint:
            window = main_window()
            if window is not None and watched is window:
                marks["window"] = time.time()
        return False


def ready(window):
    train = next(b for b in window.findChildren(QPushButton) if b.text() == "Train")
    # Before issue 10, Train was enabled while the dataset still loaded: ask the window too.
    return train.isEnabled() and getattr(window, "loaded", True) is not None


def poll():
    window = main_window()
    if window is not None and "window" in marks and ready(window):
        marks["ready"] = time.time()
        print("PROBE " + json.dumps(marks), flush=True)
        window.close()
        QApplication.quit()


def exec_with_probe(app):
    app.installEventFilter(watcher)
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(10)
    return original_exec()


watcher = FirstPaint()
QApplication.exec = exec_with_probe
from cnnstudio.__main__ import main

sys.exit(main([]))
"""


def one_launch(tree: Path, timeout: float) -> dict[str, float]:
    """Seconds from process start to window and to ready, in a fresh first-launch process."""
    home = tempfile.mkdtemp(prefix="cnnstudio-startup-")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = os.path.join(home, name.lower())
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("PROBE ")), None)
    if line is None:
        raise RuntimeError(f"no probe output (exit {result.returncode}):\n{result.stderr}")
    marks = json.loads(line[len("PROBE ") :])
    return {name: at - start for name, at in marks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument(
        "--compare", type=Path, metavar="TREE", help="another source tree, launched in turns"
    )
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    trees = {"this tree": Path(__file__).resolve().parent.parent}
    if args.compare:
        trees["compared"] = args.compare.resolve()
    rounds: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    for number in range(1, args.rounds + 1):
        for label, tree in trees.items():  # in turns, so that both meet the same load
            rounds[label].append(one_launch(tree, args.timeout))
            marks = "  ".join(f"{k} {v:5.2f}s" for k, v in rounds[label][-1].items())
            print(f"round {number} {label:<9}  {marks}", flush=True)
    print(f"medians of {args.rounds} (load average now {os.getloadavg()[0]:.1f}):")
    for name, target in (("window", 2.0), ("ready", 4.0)):
        medians = {label: statistics.median(r[name] for r in rounds[label]) for label in trees}
        line = f"{name:>6}  target {target:.1f}s  this tree {medians['this tree']:5.2f}s"
        if args.compare:
            line += (
                f"  compared {medians['compared']:5.2f}s  "
                f"({medians['compared'] / medians['this tree']:.1f}x faster)"
            )
        print(line)


if __name__ == "__main__":
    main()
