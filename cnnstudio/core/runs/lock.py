"""A lock on a run folder while a run trains into it, so two trainings never mix their files.

The lock is a file, ``.lock``, holding the owner's process id, host name and start time. It is
created complete in one step (written to a temporary file, then hard-linked into place, which
fails if the name exists), so another process never reads a half-written lock. A lock whose
process has ended on this host is stale (a killed run leaves one): the next run takes it over and
says so. A lock from another host cannot be checked and is never taken over.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from cnnstudio.core.errors import CnnstudioError

LOCK_NAME = ".lock"

log = logging.getLogger(__name__)


class RunLock:
    """Held while a run trains into `folder`; `release` (or leaving a `with` block) frees it."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.took_over: dict[str, Any] | None = None  # the stale lock replaced, if any
        self.held = False

    def acquire(self) -> RunLock:
        """Take the lock; raises CnnstudioError naming the owner if a live process holds it."""
        mine = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        if not self._create(mine):
            owner = _read(self.path)
            if owner is None:
                raise CnnstudioError(
                    f"{self.path}: a damaged lock file. If no training is writing this run "
                    "folder, delete the file and try again."
                )
            if not _is_stale(owner):
                raise CnnstudioError(
                    f"{self.path.parent}: another training is writing this run folder (process "
                    f"{owner.get('pid')} on {owner.get('host')}, since {owner.get('started')}). "
                    "Wait for it to end, or train into another folder."
                )
            log.warning("taking over the stale lock %s: %s", self.path, owner)
            self.path.unlink(missing_ok=True)
            if not self._create(mine):  # another process took it over at the same moment
                raise CnnstudioError(
                    f"{self.path.parent}: another training has just started in this folder."
                )
            self.took_over = owner
        self.held = True
        return self

    def release(self) -> None:
        if self.held:
            self.held = False
            try:
                self.path.unlink()
            except OSError:
                log.exception("could not remove the run lock %s", self.path)

    def describe_takeover(self) -> str | None:
        """A line for the user when a stale lock was taken over, else None."""
        if self.took_over is None:
            return None
        pid = self.took_over.get("pid", "?")
        return (
            f"{self.path.parent}: took over the lock of process {pid}, which has ended "
            "(the run it was training was interrupted)."
        )

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _create(self, content: dict[str, Any]) -> bool:
        """Create the lock file complete in one step; False if it exists already."""
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".lock.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(content, handle)
            os.link(temp, self.path)
        except FileExistsError:
            return False
        finally:
            os.unlink(temp)
        return True


def _read(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}  # released between our attempt and this read: free now
    except (OSError, ValueError):
        log.warning("unreadable run lock %s", path, exc_info=True)
        return None
    return value if isinstance(value, dict) else None


def _is_stale(owner: dict[str, Any]) -> bool:
    """True when the lock's process is known to have ended (on this host), or it is released."""
    if not owner:
        return True
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    return not psutil.pid_exists(pid)


def is_locked(folder: str | Path) -> bool:
    """True while a live process (or one on another host) holds `folder`'s lock."""
    path = Path(folder) / LOCK_NAME
    if not path.exists():
        return False
    owner = _read(path)
    return owner is None or not _is_stale(owner)
