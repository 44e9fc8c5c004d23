import os

import pytest
import torch

from cnnstudio.core.errors import DeviceError
from cnnstudio.core.training.device import available_devices, free_memory, resolve_device


def test_cpu_is_listed_first_with_its_cores_and_resolves_to_the_cpu():
    cpu = available_devices()[0]
    assert (cpu.name, cpu.description) == ("cpu", f"CPU ({os.cpu_count()} cores)")
    assert not cpu.supports_mixed_precision
    assert resolve_device("cpu") == torch.device("cpu")
    names = [device.name for device in available_devices()]
    assert len(names) == len(set(names))
    gpus = [name for name in names if name.startswith("cuda")]
    assert gpus == [f"cuda:{i}" for i in range(torch.cuda.device_count())]


def test_auto_picks_a_gpu_when_there_is_one():
    if torch.cuda.is_available():
        expected = torch.device("cuda", torch.cuda.current_device())
    elif torch.backends.mps.is_available():
        expected = torch.device("mps")
    else:
        expected = torch.device("cpu")
    assert resolve_device("auto") == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_a_gpu_that_is_not_there_says_what_to_use():
    with pytest.raises(DeviceError, match=r'no CUDA GPU is usable .* use "cpu" or "auto"'):
        resolve_device("cuda:1")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_gpu_number_beyond_the_last_says_which_there_are():
    count = torch.cuda.device_count()
    with pytest.raises(DeviceError, match=rf"this machine has {count} CUDA GPU\(s\), cuda:0 to"):
        resolve_device(f"cuda:{count}")
    free = free_memory(torch.device("cuda", 0))
    assert 0 < free <= torch.cuda.get_device_properties(0).total_memory


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has an Apple GPU")
def test_mps_where_there_is_none_says_what_to_use():
    with pytest.raises(DeviceError, match=r'device "mps": no Apple GPU is usable here; use "cpu"'):
        resolve_device("mps")
