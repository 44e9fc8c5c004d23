"""Torch work on a thread of its own without fighting the training thread for the cores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_threads_lock = threading.Lock()


@contextmanager
def one_intra_op_thread() -> Iterator[None]:
    """Run torch ops on the calling thread alone, then restore the thread count.

    Drawing the built-in dataset is ~2,400 small ops. With two OpenMP threads on a busy 2-core
    machine (the window's GUI thread, the display server, other programs) each op waits for a
    descheduled OpenMP worker: the set took 2.5-17 s to draw instead of 0.4-1.3 s on one thread
    (measured with benchmarks/builtin_draw.py). The window's background work on a network (the
    Inside tab's feature maps, Grad-CAM and occlusion) runs this way too, beside a training run.
    Results are the same either way. The lock keeps two concurrent users from restoring each
    other's setting.
    """
    import torch

    with _threads_lock:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)
