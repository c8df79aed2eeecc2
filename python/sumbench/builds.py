"""Which sumbench build measured a results folder, and the rule that one folder holds the
measurements of one build only (docs/DESIGN.md, "Runners -> point folders").

A build is its binary's sha256 plus the version and git commit its catalogue states (a
copy of the same binary elsewhere is the same build; a rebuild is not). Two writers use
sumbench and record the build they ran:

  sweep.json               "sumbench_build" (runners/sweep.py; older runners: the
                           version alone, "sumbench_version")
  points/fidelity/raw.json "sumbench_build" (runners/fidelity.py, written after each
                           repetition, so a stopped run records it too)

Each checks every record of the folder before it writes (``check``). The CPython
baseline runs no sumbench and records none.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional

from .catalogue import Catalogue
from .errors import UsageError
from .io import read_json_object

KEYS = ("sha256", "sumbench_version", "git_commit")   # what must match; path is for people
FIDELITY_RAW = Path("points") / "fidelity" / "raw.json"


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def identity(binary: str, cat: Catalogue) -> dict:
    """What identifies a sumbench build: its content and what it says it is."""
    try:
        sha = file_sha256(binary)
    except OSError as e:
        raise UsageError(f"sumbench {binary!r} cannot be read: {e.strerror}") from None
    return {"path": binary, "sha256": sha, "sumbench_version": cat.doc.get("sumbench_version"),
            "git_commit": cat.doc.get("git_commit")}


def describe(build: dict) -> str:
    said = " ".join(str(build[k]) for k in ("sumbench_version", "git_commit") if build.get(k))
    return f"{build.get('path')} (sha256 {str(build.get('sha256'))[:12]}" + \
        (f", {said})" if said else ")")


def of_sweep_json(doc: dict) -> Optional[dict]:
    """The build a sweep.json records, or None (none recorded)."""
    build = doc.get("sumbench_build")
    if isinstance(build, dict):
        return build
    if doc.get("sumbench_version") is not None:   # a folder of an older runner: its version
        return {"path": doc.get("sumbench"), "sumbench_version": doc.get("sumbench_version")}
    return None


def recorded(out: os.PathLike | str) -> list[tuple[str, dict]]:
    """(where, build) of every build the folder records."""
    out = Path(out)
    found = []
    for where, doc, build_of in (("sweep.json", read_json_object(out / "sweep.json"), of_sweep_json),
                                 (str(FIDELITY_RAW), read_json_object(out / FIDELITY_RAW),
                                  lambda d: d.get("sumbench_build"))):
        build = build_of(doc) if doc is not None else None
        if isinstance(build, dict):
            found.append((where, build))
    return found


def differs(before: dict, build: dict) -> bool:
    return any(before[k] != build.get(k) for k in KEYS if before.get(k) is not None)


def check(out: os.PathLike | str, build: dict, what: str) -> None:
    """UsageError (before anything is written) when `out` records another build than
    `build`: one folder never mixes the measurements of two builds."""
    for where, before in recorded(out):
        if differs(before, build):
            raise UsageError(f"{out} was measured with sumbench {describe(before)} ({where}), "
                             f"this {what} uses {describe(build)}: one folder never mixes two "
                             f"builds; use another --out, or the first binary")
