import pytest
import torch

from cnnstudio.core.errors import DeviceError
from cnnstudio.core.training.device import available_devices, resolve_device


def test_cpu_is_always_listed_and_resolved():
    assert available_devices()[0].name == "cpu"
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_a_gpu_that_is_not_there_says_what_to_use():
    with pytest.raises(DeviceError, match=r'no CUDA GPU is usable .* use "cpu" or "auto"'):
        resolve_device("cuda:1")
