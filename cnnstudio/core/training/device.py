"""Which devices this machine has, and turning a spec's device name into a torch.device."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnnstudio.core.errors import DeviceError
from cnnstudio.core.model.memory import available_memory

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # as written in a spec: "cpu", "cuda:0", "mps"
    description: str  # for people: "NVIDIA H100 (79 GB)"
    supports_mixed_precision: bool


def cpu_device() -> DeviceInfo:
    """The CPU, which every machine has: known without asking torch (importing it takes ~1.5 s)."""
    return DeviceInfo("cpu", f"CPU ({os.cpu_count() or 1} cores)", False)


def available_devices() -> list[DeviceInfo]:
    """Every device training can use here, CPU first."""
    import torch

    devices = [cpu_device()]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            memory = props.total_memory / 1024**3
            devices.append(DeviceInfo(f"cuda:{index}", f"{props.name} ({memory:.0f} GB)", True))
    if torch.backends.mps.is_available():
        devices.append(DeviceInfo("mps", "Apple GPU (Metal)", False))
    return devices


def resolve_device(name: str) -> torch.device:
    """Map "auto", "cpu", "cuda", "cuda:N" or "mps" to a device this machine really has."""
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {name!r}: no CUDA GPU is usable on this machine (none found, or this "
                'PyTorch build has no CUDA support); use "cpu" or "auto".'
            )
        index = int(name.partition(":")[2] or torch.cuda.current_device())
        count = torch.cuda.device_count()
        if index >= count:
            raise DeviceError(
                f"device {name!r}: this machine has {count} CUDA GPU(s), cuda:0 to "
                f"cuda:{count - 1}."
            )
        return torch.device("cuda", index)
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise DeviceError('device "mps": no Apple GPU is usable here; use "cpu" or "auto".')
        return torch.device("mps")
    raise DeviceError(f"device {name!r}: expected auto, cpu, cuda, cuda:N or mps")


def free_memory(device: torch.device) -> int:
    """Bytes free for a new allocation on `device`: a GPU's own memory, else main memory (which
    Apple GPUs share)."""
    if device.type == "cuda":
        import torch

        return int(torch.cuda.mem_get_info(device)[0])
    return available_memory()
