"""Reading and writing the program's files safely.

Writes go through a temporary file and a rename, so a crash or a full disk never leaves a
half-written file behind. JSON documents (run specs, projects) are read by one function that turns
every way a file can be broken or hostile into a plain `SpecError`.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cnnstudio.core.errors import SpecError, StorageError

# Limits far above any real spec or project (a few kilobytes, nested four deep), low enough that
# parsing cannot exhaust memory or the stack: Python's parser recurses once per nesting level.
MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_JSON_DIGITS = 30
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")

# mkstemp creates files readable by their owner only; give ours the usual permissions instead.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write `data` to `path` via a temporary file in the same folder, flushed, then renamed.

    The rename replaces the old file in one step, so readers see either the old or the new file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temp_name, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike[str]) -> None:
    """Make sure a file can be written at `path` (its folder is created if needed), before any
    long work whose result goes there; raises StorageError saying why not, in plain words."""
    path = Path(path)
    if path.is_dir():
        raise StorageError(f"{path}: is a folder; give the name of the file to write")
    with plain_write_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass


@contextmanager
def plain_write_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an OSError raised while writing `path` into a StorageError in plain words."""
    try:
        yield
    except OSError as error:
        raise StorageError(describe_write_error(Path(path), error)) from None


def describe_write_error(path: Path, error: OSError) -> str:
    """Why `path` could not be written, and what to do, in one line."""
    where = Path(error.filename) if error.filename else path.parent
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{path}: the disk is full; free some space or write somewhere else"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path}: no permission to write in {where}; pick a folder of your own"
    if error.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"{path}: {_file_on_the_way(path)} is a file, not a folder; pick another place"
    if error.errno == errno.ENOENT:
        return f"{path}: the folder {where} cannot be created there; pick another place"
    if error.errno == errno.EISDIR:
        return f"{path}: is a folder; give the name of the file to write"
    return f"{path}: cannot be written ({error.strerror or error}); pick another place"


def _file_on_the_way(path: Path) -> Path:
    """The first existing non-folder among `path`'s parents."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return path.parent


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON document in the file at `path`; any problem is a SpecError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        text = "" if size > MAX_JSON_BYTES else path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: cannot be read ({error})") from None
    if size > MAX_JSON_BYTES:
        raise SpecError(
            f"{path}: too large ({size / 1024**2:.0f} MB) for a run spec or project, which take "
            "a few kilobytes"
        )
    try:
        return parse_json(text)
    except SpecError as error:
        raise SpecError(f"{path}: {error}") from None


def parse_json(text: str) -> Any:
    """Parse a JSON document, refusing what no cnnstudio file holds: nesting deeper than
    `MAX_JSON_DEPTH`, integers longer than `MAX_JSON_DIGITS` digits, NaN and Infinity."""
    depth = _nesting(text)
    if depth > MAX_JSON_DEPTH:
        raise SpecError(
            f"not a cnnstudio file: nested more than {MAX_JSON_DEPTH} levels deep (a run spec "
            "takes four)"
        )
    try:
        return json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise SpecError(
            f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def _nesting(text: str) -> int:
    """How deep brackets nest outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
    return deepest


def _parse_int(digits: str) -> int:
    # Python refuses to parse integers over 4300 digits with a ValueError; no setting needs 30.
    if len(digits.lstrip("-")) > MAX_JSON_DIGITS:
        raise SpecError(
            f"holds a number with {len(digits.lstrip('-'))} digits; no setting takes a number "
            f"longer than {MAX_JSON_DIGITS} digits"
        )
    return int(digits)


def _refuse_constant(name: str) -> Any:
    raise SpecError(f"not valid JSON: {name} is not a number JSON allows")
