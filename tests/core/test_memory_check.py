"""A stack too big to train is refused before anything is allocated, on the run's own device."""

import pytest

from cnnstudio.core.errors import StackError
from cnnstudio.core.training.device import free_memory, resolve_device
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.prepare import check_stack
from tests.conftest import small_spec

# Fine for one image (some 70 MB); for a batch of 4096 its 4096 feature maps of 32x32 alone take
# 4096 * 4096 * 32 * 32 values, hundreds of gigabytes: more than this machine has free.
WIDE = [
    {"type": "conv2d", "out_channels": 4096, "padding": 1},
    {"type": "flatten"},
    {"type": "linear"},
]


def test_free_memory_of_the_cpu_is_the_free_main_memory():
    free = free_memory(resolve_device("cpu"))
    assert 0 < free < 2**50


def test_the_batch_size_decides_and_the_message_says_so(small_data):
    assert check_stack(small_spec(layers=WIDE, training={"batch_size": 1})).error is None
    spec = small_spec(layers=WIDE, training={"batch_size": 4096})
    with pytest.raises(StackError, match=r"on a batch of 4096 images\), but only .* is free"):
        check_stack(spec)  # the command line's check, before any image is loaded
    with pytest.raises(StackError, match=r"The layer stack: training it needs about .* GB"):
        Trainer(spec, small_data)
