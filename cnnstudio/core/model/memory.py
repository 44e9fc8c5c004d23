"""How much memory training a layer stack takes, worked out by formula before anything exists.

A stack whose settings are each in range can still be far too big together (a Linear layer of
4096 outputs after a 512x512 feature map); building it would try to allocate hundreds of
gigabytes and take the machine down with it. `analyse_stack` compares this estimate with the free
memory and reports a stack that cannot fit as a plain StackError instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import psutil

FLOAT_BYTES = 4  # float32 everywhere before mixed precision halves some of it
# Each parameter is held as the weight, its gradient and up to two optimizer moments (Adam).
PARAMETER_COPIES = 4
# Each value a layer computes is kept for the backward pass, and its gradient is made there.
ACTIVATION_COPIES = 2


@dataclass(frozen=True)
class MemoryNeed:
    """The memory training takes for one batch: parameters and the values computed on the way."""

    parameters: int
    values_per_image: int
    batch_size: int

    @property
    def parameter_bytes(self) -> int:
        return self.parameters * FLOAT_BYTES * PARAMETER_COPIES

    @property
    def activation_bytes(self) -> int:
        return self.values_per_image * self.batch_size * FLOAT_BYTES * ACTIVATION_COPIES

    @property
    def total_bytes(self) -> int:
        return self.parameter_bytes + self.activation_bytes

    def problem(self, free_bytes: int) -> str | None:
        """Why it cannot fit in `free_bytes`, in plain words; None if it can."""
        if self.total_bytes <= free_bytes:
            return None
        images = "1 image" if self.batch_size == 1 else f"{self.batch_size} images"
        return (
            f"training it needs about {format_bytes(self.total_bytes)} of memory "
            f"({format_bytes(self.parameter_bytes)} for its {self.parameters:,} parameters with "
            f"their gradients and optimizer state, {format_bytes(self.activation_bytes)} for the "
            f"values computed on a batch of {images}), but only {format_bytes(free_bytes)} is "
            "free. Use fewer or narrower layers, smaller images or a smaller batch size."
        )


def available_memory() -> int:
    """Bytes of main memory free for a new allocation now (what the OS could hand out)."""
    return int(psutil.virtual_memory().available)


def format_bytes(count: int) -> str:
    for unit, size in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count / 1024:.1f} KB"
