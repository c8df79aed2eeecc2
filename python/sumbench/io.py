"""The one atomic writer, and the JSON readers.

A file is written to a temporary name in its own folder, flushed, fsync'ed and renamed
over the target, so that a reader (or a run killed mid-write) sees the old file or the
new one, never half of one. The temporary file is removed on any failure (a full disk,
an interrupt). mkstemp creates files 0600; the final file gets 0666 less the umask, as
open() would give it, so that a group can read shared results.
"""

from __future__ import annotations

import errno
import json
import math
import os
import signal
import stat
import tempfile
from pathlib import Path
from typing import Any, Optional

from .errors import INTERRUPTS


def current_umask() -> int:
    """The process umask, read without changing it where /proc allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Signals that raise errors.Interrupted: held back while a temporary file is created
# and not yet registered, so that an interrupt never leaves one behind.
_HELD = set(INTERRUPTS)


def _write_temp(path: Path, data: bytes, temps: list) -> None:
    """A complete, fsync'ed temporary copy of `data` beside `path`, registered in
    `temps` as (name, path) as soon as it exists: the caller removes what is there."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        temps.append((tmp, path))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held signal arrives now
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fchmod(f.fileno(), 0o666 & ~current_umask())
        os.fsync(f.fileno())


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _sync_dir(folder: Path) -> None:
    try:  # make the rename itself durable; best effort (some file systems refuse)
        dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _check_replaceable(path: Path) -> None:
    """Only a regular file (or a new name) is ever replaced: a rename over /dev/null, a
    FIFO or a socket would put a plain file in place of the device."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # the write itself will say what is wrong
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file; refusing to replace it", str(path))


def atomic_write_bytes(path: os.PathLike | str, data: bytes) -> None:
    atomic_write_many([(path, data)])


def _naming(e: OSError, path: os.PathLike | str) -> OSError:
    """`e` naming the file it was writing: a write or fsync that fails (ENOSPC, EIO) has
    no file name of its own, and a temporary name says nothing to the user."""
    return OSError(e.errno, e.strerror or str(e), str(path))


def atomic_write_many(files: list[tuple[os.PathLike | str, bytes]]) -> None:
    """Write several files so that either all of them are replaced or none: every
    temporary copy is complete before the first rename (a full disk stops it before).
    A failure names the target file (OSError.filename)."""
    for path, _ in files:
        _check_replaceable(Path(path))
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            try:
                _write_temp(Path(path), data, temps)
            except OSError as e:
                raise _naming(e, path) from None
        while temps:
            tmp, path = temps[0]
            os.replace(tmp, path)
            temps.pop(0)
            _sync_dir(path.parent)
    finally:
        for tmp, _ in temps:
            _unlink(tmp)


def atomic_write_text(path: os.PathLike | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _finite(value: Any) -> Any:
    """NaN and infinities become null: JSON has no spelling for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_text(obj: Any) -> str:
    return json.dumps(_finite(obj), indent=2, allow_nan=False) + "\n"


def atomic_write_json(path: os.PathLike | str, obj: Any) -> None:
    atomic_write_text(path, json_text(obj))


def read_json(path: os.PathLike | str) -> Any:
    """The parsed file; raises OSError or ValueError."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_json_object(path: os.PathLike | str) -> Optional[dict]:
    """A JSON object from `path`, or None when the file is missing, unreadable, not
    JSON or not an object."""
    try:
        value = read_json(path)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def make_dir_beside(path: os.PathLike | str, prefix: str) -> str:
    """A new temporary folder next to `path` (same file system, so it can be renamed
    into place), with the mode a plain mkdir would give it."""
    path = Path(path)
    tmp = tempfile.mkdtemp(prefix=prefix, dir=path.parent)
    os.chmod(tmp, 0o777 & ~current_umask())
    return tmp
