"""Errors a user can cause and fix. Their messages are shown as they are, so they read as advice."""


class CnnstudioError(Exception):
    """Base for every error whose message is meant for the person using the program."""


class SpecError(CnnstudioError):
    """A run spec (or a part of it) names an unknown field or holds a bad value."""


class StackError(CnnstudioError):
    """A layer stack that cannot work on the given input.

    Attributes:
        index: zero-based position of the offending layer, or None for the stack as a whole.
        reason: the plain-language reason, without the position.
    """

    def __init__(self, index: int | None, layer_title: str, reason: str) -> None:
        self.index = index
        self.reason = reason
        where = f"Layer {index + 1} ({layer_title})" if index is not None else "The layer stack"
        super().__init__(f"{where}: {reason}")


class DatasetError(CnnstudioError):
    """A dataset that is missing, unreadable or unusable."""


class StorageError(CnnstudioError):
    """A file that cannot be written: no permission, no such folder, or the disk is full."""


class DeviceError(CnnstudioError):
    """A device that this machine does not have."""


class TrainingError(CnnstudioError):
    """A run that cannot go on (non-finite loss, out of memory)."""
