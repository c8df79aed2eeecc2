"""Which folders are sumbench's: the marker file, and the rules every command follows
before it writes into a folder (docs/DESIGN.md, "Folders").

Every folder a command creates for its results holds ``.sumbench.json``, written first
(before anything else in it) and naming its kind:

  sweep      runners/sweep.py, runners/cpython_baseline.py (a baseline may join a sweep)
  slurm-job  a Slurm job's folder (slurm/sumbench.sbatch), which the runner then fills
  slurm      slurm/submit_sweep.py's folder: submit.json, the jobs, the combined results
  report     reports/report.py's folder; the marker lists the files the report wrote

A command writes only into a folder that does not exist, is empty, or holds the marker
of a kind it may write into; anything else is the user's and is refused (exit 2).
Folders written before the marker existed are recognised by their files (``legacy``).
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from pathlib import Path
from typing import Iterable, Optional

from .errors import DISK_FULL, RuntimeFailure, UsageError
from .io import atomic_write_json, read_json

MARKER = ".sumbench.json"
KINDS = ("sweep", "slurm-job", "slurm", "report")
# Folders of sumbench without a marker (written before it existed): points/ beside one
# of these files. A sweep killed before its first file: nothing but .lock and points/.
_LEGACY_FILES = ("sweep.json", "manifest.json", "slurm.json", "submit.json")
_LEGACY_KILLED = {".lock", "points", "catalogue.json"}
_LEGACY_REPORT = {"index.html", "figures", "tables"}
SWEEP_FOLDERS = ("sweep", "slurm-job")   # where a runner (sweep.py, the baseline) writes


def path_text(path: os.PathLike | str) -> str:
    """A path as the user typed it, its bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_utf8(path: os.PathLike | str) -> bool:
    try:
        os.fsdecode(os.path.abspath(path)).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def require_utf8(path: os.PathLike | str, flag: str) -> None:
    """UsageError when `path` (absolute: the working folder counts) is not valid UTF-8:
    its name goes into UTF-8 files (JSON, command.txt, results.csv, the report) and into
    every line printed, so such a name is refused before anything is written."""
    if not is_utf8(path):
        raise UsageError(f"{flag} {path_text(os.path.abspath(path))}: the name is not valid "
                         f"UTF-8; sumbench writes its paths into UTF-8 files (JSON, command.txt, "
                         f"the report): rename it, or use another folder") from None


def marker(folder: os.PathLike | str) -> Optional[dict]:
    """The folder's marker, or None when it has none (or one that is not ours)."""
    try:
        doc = read_json(Path(folder) / MARKER)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") in KINDS else None


def kind_of(folder: os.PathLike | str) -> Optional[str]:
    """"missing", "empty", one of KINDS, or None for a folder that is not sumbench's
    (or a path that is not a folder)."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return "missing"
    if not folder.is_dir():
        return None
    try:
        entries = set(os.listdir(folder))
    except OSError:
        return None
    if not entries:
        return "empty"
    found = marker(folder)
    if found is not None:
        return found["kind"]
    if MARKER in entries:
        return None   # a marker we cannot read: not ours to judge
    if "index.html" in entries and entries <= _LEGACY_REPORT:
        return "report"
    if (folder / "points").is_dir():
        if entries & set(_LEGACY_FILES):
            return "slurm" if "submit.json" in entries else \
                "slurm-job" if entries == {"slurm.json", "points"} else "sweep"
        if entries <= _LEGACY_KILLED:
            return "sweep"
    return None


def is_results_folder(folder: os.PathLike | str) -> bool:
    return kind_of(folder) in KINDS


def check(folder: os.PathLike | str, accept: Iterable[str], flag: str = "--out") -> str:
    """The folder's kind when a command may write into it: missing, empty, or of a kind
    in `accept`; else UsageError naming it (a dry run checks this and writes nothing)."""
    folder = Path(folder)
    require_utf8(folder, flag)
    for parent in Path(os.path.realpath(folder)).parents:
        if parent.name == "points" and is_results_folder(parent.parent):
            raise UsageError(f"{flag} {folder} is inside the point folders of {parent.parent}; "
                             f"use a folder of its own")
    found = kind_of(folder)
    if found in ("missing", "empty") + tuple(accept):
        return found
    what = f"a sumbench {found} folder" if found in KINDS else \
        "not a folder" if folder.exists() and not folder.is_dir() else \
        "not empty and not made by sumbench"
    raise UsageError(f"{flag} {folder}: {what}; refusing to write into it (use a new or "
                     f"empty folder)")


def claim(folder: os.PathLike | str, kind: str, by: str, accept: Iterable[str],
          flag: str = "--out") -> bool:
    """Make `folder` ours before writing into it: create it (and its parents) with the
    marker first, or check that it is empty or already of a kind in `accept`. Returns
    True when this call created the folder. UsageError (nothing written) otherwise."""
    folder = Path(folder)
    found = check(folder, accept, flag)
    created = found == "missing"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        error = RuntimeFailure if e.errno in DISK_FULL else UsageError
        raise error(f"cannot create {flag} {folder}: {e.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        _undo(folder, created)
        raise UsageError(f"{flag} {folder} is not writable"
                         + (" (read-only file system)" if _read_only(folder) else ""))
    if marker(folder) is None:
        try:
            atomic_write_json(folder / MARKER, {"kind": kind, "by": by,
                                                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        except BaseException:
            _undo(folder, created)
            raise
    return created


_HELD_LOCKS = []  # open lock files, kept open until the process ends
# The temporary names io's atomic writer gives the top-level files of a sweep folder.
_STALE_TEMP = re.compile(r"^\.(\.sumbench\.json|sweep\.json|manifest\.json|catalogue\.json|"
                         r"results\.csv)\.[a-z0-9_]{8}\.tmp$")


def lock(folder: os.PathLike | str) -> None:
    """One writer per sweep folder (sweep.py, cpython_baseline.py): an flock on its .lock,
    which dies with the process, even with kill -9. Holding it, the temporary files of
    a writer killed mid-write are removed (only io's names of the folder's own files)."""
    folder = Path(folder)
    fh = open(folder / ".lock", "a")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise UsageError(f"another sweep.py or cpython_baseline.py is running in {folder}; "
                         f"one writer at a time") from None
    _HELD_LOCKS.append(fh)
    for name in os.listdir(folder):
        if _STALE_TEMP.match(name):
            try:
                os.unlink(folder / name)
            except OSError:
                pass


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _undo(folder: Path, created: bool) -> None:
    if created:
        try:
            folder.rmdir()
        except OSError:
            pass


def containing_results_folder(path: os.PathLike | str) -> Optional[Path]:
    """The results folder that `path` (resolved: links followed) lies in, if any."""
    here = Path(os.path.realpath(path))
    for folder in [here] + list(here.parents):
        if folder.is_dir() and is_results_folder(folder):
            return folder
    return None


def check_output_file(path: os.PathLike | str, flag: str, inputs: Iterable[os.PathLike | str] = (),
                      others: Iterable[os.PathLike | str] = ()) -> Path:
    """An output file a command may write: not a folder, in a folder that exists and is
    writable, and neither an input, inside an input folder, a file of any results folder
    (links followed), nor the same file as another output (`others`). UsageError
    naming it otherwise; nothing is written here."""
    require_utf8(path, flag)
    shown = str(path)
    real = Path(os.path.realpath(path))
    if real.is_dir():
        raise UsageError(f"{flag} {shown} is a folder; give a file name")
    if real.exists() and not real.is_file():
        raise UsageError(f"{flag} {shown} is not a regular file (a device, FIFO or socket); "
                         f"give a file name")
    if not real.parent.is_dir():
        raise UsageError(f"{flag} {shown}: the folder {real.parent} does not exist")
    for other in others:
        if other is not None and Path(os.path.realpath(other)) == real:
            raise UsageError(f"{flag} {shown} is also another output of this command")
    for given in inputs:
        folder = Path(os.path.realpath(given))
        if real == folder or folder in real.parents:
            raise UsageError(f"{flag} {shown} is inside the input {given}; an output never "
                             f"replaces or joins an input")
    found = containing_results_folder(real)
    if found is not None:
        raise UsageError(f"{flag} {shown} is a file of the results folder {found}; write the "
                         f"output elsewhere")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {shown}: the folder {real.parent} is not writable"
                         + (" (read-only file system)" if _read_only(real.parent) else ""))
    return real
