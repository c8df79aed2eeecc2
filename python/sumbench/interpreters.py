"""Interpreter discovery: every CPython on PATH and under pyenv's root, with its
implementation, version and GIL kind, and what was looked for and not found.

GIL kinds: "old" (CPython 2.x: the check-interval GIL), "new" (CPython 3.2+: the
switch-interval GIL, ceval_gil.c), "free-threaded" (a 3.13+ build where
sys._is_gil_enabled() says the GIL is off). The probe runs in the interpreter itself and
works on Python 2.7 and 3.x.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

from . import folders, procs
from .errors import UsageError

GIL_KINDS = ("old", "new", "free-threaded")
# What the measured code (baseline/child.py) runs on: CPython 2.7, and 3.6 or newer.
SUPPORTED = "CPython 2.7 or 3.6+"
_VERSION = re.compile(r"\d+\.\d+(\.\d+)?")
PROBE = (
    "import json, platform, sys\n"
    "g = getattr(sys, '_is_gil_enabled', None)\n"
    "print(json.dumps({'implementation': platform.python_implementation(),\n"
    "  'version': platform.python_version(), 'version_info': list(sys.version_info[:3]),\n"
    "  'executable': sys.executable, 'gil_enabled': bool(g()) if g else True,\n"
    "  'switch_interval_s': sys.getswitchinterval() if hasattr(sys, 'getswitchinterval') else None,\n"
    "  'check_interval': sys.getcheckinterval() if hasattr(sys, 'getcheckinterval') else None}))\n"
)
_NAME = re.compile(r"python(\d(\.\d+)?t?)?")


@dataclass(frozen=True)
class Interpreter:
    path: str                # as found (PATH entry or pyenv version)
    where: str               # "PATH" or "pyenv"
    implementation: str      # CPython, PyPy, ...
    version: str
    version_info: tuple
    executable: str
    gil: str                 # one of GIL_KINDS ("" when not CPython)
    switch_interval_s: Optional[float]
    check_interval: Optional[int]

    def as_dict(self) -> dict:
        return asdict(self)


def gil_kind(implementation: str, version_info: Iterable[int], gil_enabled: bool) -> str:
    if implementation != "CPython":
        return ""
    major = list(version_info)[0]
    if major < 3:
        return "old"
    return "new" if gil_enabled else "free-threaded"


def probe(path: str, where: str = "", timeout: float = 10) -> tuple[Optional[Interpreter], str]:
    """(Interpreter, "") or (None, why not) for the program at `path`. One that does not
    answer within `timeout` is killed with its whole process tree (procs.run)."""
    try:
        proc = procs.run([path, "-c", PROBE], timeout=timeout,
                         env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")})
    except OSError as e:
        return None, f"cannot run ({e.strerror or e})"
    if proc.timed_out:
        return None, f"did not answer within {timeout:g} s (killed with its child processes)"
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        version_info = tuple(int(v) for v in info["version_info"])
    except (ValueError, IndexError, KeyError, TypeError, AttributeError):
        return None, f"does not run as a Python interpreter (exit status {proc.returncode})"
    impl = str(info.get("implementation"))
    return Interpreter(path, where, impl, str(info.get("version")), version_info,
                       str(info.get("executable") or path),
                       gil_kind(impl, version_info, bool(info.get("gil_enabled", True))),
                       info.get("switch_interval_s"), info.get("check_interval")), ""


def pyenv_root(env: Mapping[str, str]) -> Optional[Path]:
    if env.get("PYENV_ROOT"):
        return Path(env["PYENV_ROOT"])
    try:
        proc = procs.run(["pyenv", "root"], timeout=30, env=dict(env))
        if proc.returncode == 0 and proc.stdout.strip():
            return Path(proc.stdout.strip())
    except OSError:
        pass
    home = env.get("HOME")
    return Path(home) / ".pyenv" if home else None


def candidates(env: Optional[Mapping[str, str]] = None
               ) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """([(path, where)], [places looked in], [folders skipped, why]): python, python2,
    python3, python3.N, ... on PATH, and every version's bin/python under pyenv's root
    (its shims left out). A folder this user may not read (a PYENV_ROOT of root's, say)
    is skipped with a note, never an error."""
    env = os.environ if env is None else env
    found, looked, skipped = [], [], []
    for folder in (env.get("PATH") or "").split(os.pathsep):
        if not folder or "/shims" in folder:
            continue
        looked.append(f"PATH: {folder}")
        try:
            names = sorted(os.listdir(folder))
        except PermissionError as e:
            skipped.append(f"{folder}: {e.strerror}")
            continue
        except OSError:   # missing: common on PATH, not worth a note
            continue
        for name in names:
            path = os.path.join(folder, name)
            if _NAME.fullmatch(name) and os.access(path, os.X_OK) and os.path.isfile(path):
                found.append((path, "PATH"))
    root = pyenv_root(env)
    if root is not None:
        looked.append(f"pyenv: {root}/versions/*/bin")
        try:
            versions = sorted(v for v in (root / "versions").iterdir() if not v.name.startswith(".")) \
                if (root / "versions").is_dir() else []
        except OSError as e:
            skipped.append(f"{e.filename or root / 'versions'}: {e.strerror}")
            versions = []
        for version in versions:
            for name in ("python", "python3", "python2"):
                path = version / "bin" / name
                try:
                    if os.access(path, os.X_OK) and path.is_file():
                        found.append((str(path), "pyenv"))
                        break
                except OSError as e:
                    skipped.append(f"{path}: {e.strerror}")
                    break
    return found, looked, skipped


def discover(env: Optional[Mapping[str, str]] = None) -> dict:
    """Every distinct CPython found: {"interpreters": [...], "looked_in": [...],
    "not_found": [lines], "problems": [lines], "skipped": [folders not readable]};
    distinct means another real executable."""
    paths, looked, skipped = candidates(env)
    seen, found, problems = set(), [], []
    for path, where in paths:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        if not folders.is_utf8(path):   # its path would go into UTF-8 files and lines
            problems.append(f"{folders.path_text(path)}: skipped: the name is not valid UTF-8")
            continue
        interp, why = probe(path, where)
        if interp is None:
            problems.append(f"{path}: {why}")
        elif interp.implementation == "CPython":
            found.append(interp)
    found.sort(key=lambda i: (i.version_info, i.where, i.path))
    missing = [f"no CPython with the {kind} GIL" for kind in GIL_KINDS
               if not any(i.gil == kind for i in found)]
    return {"interpreters": [i.as_dict() for i in found], "looked_in": looked,
            "not_found": missing, "problems": problems, "skipped": skipped}


def looked_in_words(looked: list[str]) -> str:
    """discover()'s looked_in, short: 'PATH (N folders) and pyenv: ROOT/versions/*/bin'."""
    folders = [w for w in looked if w.startswith("PATH: ")]
    pyenv = [w for w in looked if not w.startswith("PATH: ")]
    parts = ([f"PATH ({len(folders)} folders; names python, python2, python3, python3.N)"] if folders else []) + pyenv
    return " and ".join(parts) or "nowhere (no PATH and no pyenv root)"


def supported(version_info: Iterable[int]) -> bool:
    v = tuple(version_info)[:2]
    return v == (2, 7) or v >= (3, 6)


def _check(interp: Interpreter, item: str) -> Interpreter:
    if interp.implementation != "CPython":
        raise UsageError(f"--python {item}: {interp.path} is {interp.implementation} {interp.version}, "
                         f"not CPython; this measures CPython's GIL (see --list-interpreters)")
    if not supported(interp.version_info):
        raise UsageError(f"--python {item}: {interp.path} is CPython {interp.version}; the child "
                         f"program runs on {SUPPORTED}")
    return interp


def select(text: str, env: Optional[Mapping[str, str]] = None,
           timeout: float = 10) -> tuple[list[Interpreter], list[str]]:
    """The interpreters of ``--python A,B,...`` (UsageError naming what is wrong, before
    anything runs) and notes for the log. An item is a path, a name on PATH (python3.12),
    a version found on PATH or under pyenv (2.7, 3.11.7), or ``all``: every distinct CPython
    found there (one per version). Each is probed; one that does not answer within
    `timeout` is given up, its process tree killed."""
    items = [i.strip() for i in text.split(",")]
    if not text.strip() or any(not i for i in items):
        raise UsageError(f"--python {text!r}: give comma-separated paths, names, versions or 'all'")
    found: Optional[dict] = None
    chosen: list[Interpreter] = []
    notes: list[str] = []
    for item in items:
        if item == "all" or _VERSION.fullmatch(item):
            found = found or discover(env)
            where = looked_in_words(found["looked_in"])
            unread = "".join(f"; skipped {line}" for line in found["skipped"])
            have = [Interpreter(**dict(i, version_info=tuple(i["version_info"]))) for i in found["interpreters"]]
            if item == "all":
                picked = [i for i in have if supported(i.version_info)]
                notes += [f"not found: {line} (looked in {where})" for line in found["not_found"]]
                notes += [f"skipped {line}" for line in found["skipped"]]
                notes += [f"skipped: {i.path} is CPython {i.version} ({SUPPORTED} only)"
                          for i in have if not supported(i.version_info)]
            else:
                picked = sorted((i for i in have if i.version == item or i.version.startswith(item + ".")),
                                key=lambda i: i.version_info)[-1:]  # 3.11: the newest 3.11
            if not picked:
                raise UsageError(f"--python {item}: no CPython {'' if item == 'all' else item + ' '}"
                                 f"found (looked in {where}{unread})")
            chosen += [_check(i, item) for i in picked]
            continue
        path = item if os.sep in item else (shutil.which(item, path=(os.environ if env is None else env).get("PATH")) or "")
        if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
            raise UsageError(f"--python {item}: not an executable file"
                             + ("" if os.sep in item else " (looked for it on PATH)"))
        folders.require_utf8(path, "--python")
        interp, why = probe(path, "given", timeout=timeout)
        if interp is None:
            raise UsageError(f"--python {item}: {path if path != item else 'it'} {why}")
        chosen.append(_check(interp, item))
    out: list[Interpreter] = []
    for i in chosen:  # one per version and GIL kind (3.13 and 3.13t are two): the first given or found
        same = next((o for o in out if o.version == i.version and o.gil == i.gil), None)
        if same is None:
            out.append(i)
        elif os.path.realpath(same.executable) != os.path.realpath(i.executable):
            notes.append(f"skipped: {i.path} is CPython {i.version} like {same.path}")
    return out, notes
