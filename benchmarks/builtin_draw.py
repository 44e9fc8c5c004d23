"""Drawing the built-in Shapes set (12,000 images): torch's default threads against one thread.

The window showed "Loading Shapes (built-in)..." for 10-13 s where this takes well under a second
headless. Drawing is ~2,400 small tensor ops; with two OpenMP threads each op needs both cores,
and on a busy 2-core machine (the window's GUI thread, the display server, other programs) every
op waits for a descheduled OpenMP worker. Measured side by side, alone and beside one process
spinning on a core (a stand-in for that load):

    python benchmarks/builtin_draw.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import torch

from cnnstudio.core.data.sources.builtin_shapes import _split

ROUNDS = 3


def draw_seconds(threads: int) -> float:
    torch.set_num_threads(threads)
    start = time.perf_counter()
    _split(10_000, 0)
    _split(2_000, 1)
    return time.perf_counter() - start


def compare(label: str, default_threads: int) -> None:
    times: dict[int, list[float]] = {default_threads: [], 1: []}
    for _ in range(ROUNDS):  # alternate, so that both meet the same load
        for threads in times:
            times[threads].append(draw_seconds(threads))
    many, one = (statistics.median(times[t]) for t in (default_threads, 1))
    print(
        f"{label:<22} {default_threads} threads {many:6.2f}s   1 thread {one:6.2f}s   "
        f"one thread is {many / one:5.1f}x faster"
    )


def main() -> None:
    default_threads = torch.get_num_threads()
    draw_seconds(1)  # first-call costs out of the way
    compare(f"load average {os.getloadavg()[0]:.1f}", default_threads)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        compare("plus one core spinning", default_threads)
    finally:
        spinner.kill()
        spinner.wait()


if __name__ == "__main__":
    main()
