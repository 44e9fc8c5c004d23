"""This machine's training devices, as the window knows them.

Listing GPUs asks torch, and importing torch takes ~1.5 s: the window is shown first and the list
is completed on a job thread (issue 10: a fast start). Until then it holds the CPU, which every
machine has.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from cnnstudio.core.training.device import DeviceInfo, available_devices, cpu_device
from cnnstudio.gui.jobs import JobRunner


class DeviceList(QObject):
    found = Signal()  # the search ended: GPUs may have joined the CPU

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.devices: list[DeviceInfo] = [cpu_device()]
        self.searched = False

    def search(self, jobs: JobRunner) -> None:
        """Ask torch on a job thread; `found` is emitted when it answered."""
        jobs.start(available_devices, self._on_found, self._on_failed)

    def _on_found(self, devices: list[DeviceInfo]) -> None:
        self.devices, self.searched = devices, True
        self.found.emit()

    def _on_failed(self, _message: str) -> None:  # logged by the job; the CPU still trains
        self.searched = True
        self.found.emit()

    def describe(self, name: str) -> str:
        """A device name from a spec or a run ("auto", "cuda:0", "cpu") in words, as listed."""
        if name == "auto":  # as resolve_device picks: a GPU when there is one
            if not self.searched:
                return "automatic (looking for GPUs...)"
            chosen = next((d for d in self.devices if d.name != "cpu"), self.devices[0])
            return f"automatic ({chosen.description})"
        wanted = "cuda:0" if name == "cuda" else name
        return next((d.description for d in self.devices if d.name == wanted), name)
