"""A report folder: index.html, figures/ and tables/, built in a temporary folder beside
REPORT_DIR and moved into place, so that a failure leaves no partial report.

REPORT_DIR is the report's when it holds the marker (folders.MARKER, kind "report"),
which lists every file the report wrote. A re-run replaces those files and only those:
a file the user added to the folder stays. A folder that is not empty and has no marker
is the user's and is refused (check_out). A run killed with SIGKILL leaves its temporary
folder beside REPORT_DIR (``.NAME.tmp-PID-XXXXXXXX``, with the marker inside); the next
run into the same parent removes such folders, and nothing that merely looks like them.
"""

import fcntl
import json
import os
import re
import shutil
import tempfile
import time

from .. import folders
from ..errors import RuntimeFailure, UsageError, os_error_text
from ..io import atomic_write_json, current_umask

OWN = ("index.html", "figures", "tables")   # what a report writes (and a legacy report holds)


def check_out(out, sweeps):
    """The absolute REPORT_DIR, once it is known to be the report's to write; else
    UsageError, before anything is written."""
    folders.require_utf8(out, "--out")
    for s in sweeps:   # the page names every sweep folder
        folders.require_utf8(s.path, "SWEEP_DIR")
    out = os.path.abspath(out)
    for s in sweeps:
        if out == s.path or s.path.startswith(out + os.sep):
            raise UsageError(f"--out {out} would replace the sweep folder {s.path}")
        if out.startswith(os.path.join(s.path, "points") + os.sep):
            raise UsageError(f"--out {out} is inside the point folders of {s.path}")
    kind = folders.kind_of(out)
    if kind not in ("missing", "empty", "report"):
        raise UsageError(f"--out {out} exists and does not hold a report (no "
                         f"{folders.MARKER} of report.py); refusing to replace it")
    here = os.path.dirname(out)
    while not os.path.isdir(here) and os.path.dirname(here) != here:
        here = os.path.dirname(here)   # the folder that will hold the new ones
    for folder in ([out] if kind != "missing" else []) + [here]:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"--out {out}: cannot write in {folder} (not writable)")
    return out


def _own_files(out):
    """The files the report in `out` wrote: its marker's list, or (a report written
    before the marker) everything under index.html, figures/ and tables/."""
    found = folders.marker(out) or {}
    listed = found.get("files")
    if isinstance(listed, list) and all(isinstance(f, str) for f in listed):
        return {f for f in listed if _safe(f)}
    return set(_walk(out, OWN))


def _safe(rel):
    return rel and not os.path.isabs(rel) and ".." not in rel.split("/")


def _walk(root, names=None):
    """Relative paths of the files under root (only under `names` when given)."""
    out = []
    for name in (names if names is not None else sorted(os.listdir(root))):
        path = os.path.join(root, name)
        if os.path.isfile(path) or os.path.islink(path):
            out.append(name)
        elif os.path.isdir(path):
            out += [f"{name}/{rel}" for rel in _walk(path)]
    return out


def _stale_pattern(base):
    return re.compile(rf"^\.{re.escape(base)}\.(tmp|old)-[0-9]+-[A-Za-z0-9_]{{8}}$")


def remove_stale(parent, base):
    """Remove the temporary folders of runs killed before they finished: our name pattern
    and our marker inside (or empty: killed between mkdir and marker). Called with the
    parent's lock held, so no live run owns them."""
    pattern = _stale_pattern(base)
    for name in os.listdir(parent):
        path = os.path.join(parent, name)
        if pattern.match(name) and os.path.isdir(path) and not os.path.islink(path) and \
                (not os.listdir(path) or (folders.marker(path) or {}).get("kind") == "report"):
            shutil.rmtree(path, ignore_errors=True)


def _work_dir(parent, base):
    tmp = tempfile.mkdtemp(prefix=f".{base}.tmp-{os.getpid()}-", dir=parent)
    try:
        os.chmod(tmp, 0o777 & ~current_umask())
        atomic_write_json(os.path.join(tmp, folders.MARKER), {"kind": "report", "building": True})
    except BaseException:   # a full disk: nothing of ours stays behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _install(tmp, out, marker):
    """Move the new report's files from tmp into out, replacing only the report's own."""
    new = sorted(_walk(tmp), key=lambda rel: (rel == "index.html", rel))
    new.remove(folders.MARKER)
    if folders.kind_of(out) == "missing":
        atomic_write_json(os.path.join(tmp, folders.MARKER), dict(marker, files=new))
        os.rename(tmp, out)
        return
    old = _own_files(out)
    theirs = [rel for rel in new if rel not in old and os.path.lexists(os.path.join(out, rel))]
    if theirs:
        raise UsageError(f"--out {out}: {theirs[0]} was not written by report.py; "
                         "refusing to replace it")
    # The marker first lists old and new, so that a run killed while it moves files
    # leaves a folder whose every file of ours is listed (and replaced by the next run).
    atomic_write_json(os.path.join(out, folders.MARKER), dict(marker, files=sorted(old | set(new))))
    for rel in new:
        os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
        os.replace(os.path.join(tmp, rel), os.path.join(out, rel))
    for rel in sorted(old - set(new)):
        try:
            os.unlink(os.path.join(out, rel))
        except FileNotFoundError:
            pass
    for rel in sorted({os.path.dirname(r) for r in old - set(new)} - {""}, reverse=True):
        try:
            os.rmdir(os.path.join(out, rel))  # a folder the old report alone used
        except OSError:
            pass  # not empty: it holds new files, or a file of the user's
    atomic_write_json(os.path.join(out, folders.MARKER), dict(marker, files=new))


class _ParentLock:
    """flock on the parent folder itself (no file created): one report at a time there.
    Where the file system has no locks (ENOLCK on some NFS), `locked` is False."""

    def __init__(self, parent):
        self.fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
        self.locked = False

    def __enter__(self):
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.locked = True
        except OSError:
            pass
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def _figures_json(figs, folder):
    return [{"name": os.path.basename(f.png)[:-4], "title": f.title,
             "png": os.path.relpath(f.png, folder), "svg": os.path.relpath(f.svg, folder),
             "width_in": f.width_in, "height_in": f.height_in, "dpi": f.dpi,
             "width_px": f.pixel_size[0], "height_px": f.pixel_size[1], "alt": f.alt,
             "x_values": list(f.xs)} for f in figs]


def build(sweeps, out):
    """Analyse, draw, tabulate and render into a new folder, then move it in. Returns the
    figures and the computed tables. Needs matplotlib, numpy, scipy and jinja2."""
    from . import analysis, figures, page, tables  # matplotlib/numpy from here on

    parent, base = os.path.dirname(out), os.path.basename(out)
    os.makedirs(parent, exist_ok=True)
    with _ParentLock(parent) as lock:
        if lock.locked:  # else a live run's folder could look stale
            remove_stale(parent, base)
        check_out(out, sweeps)  # again, under the lock
        try:
            tmp = _work_dir(parent, base)
        except OSError as e:
            raise RuntimeFailure(f"cannot write the report {out}: {e.strerror or e}; nothing "
                                 f"written") from None
        try:
            runs = [analysis.RunAnalysis(s) for s in sweeps]
            fig_dir = os.path.join(tmp, "figures")
            tables_dir = os.path.join(tmp, "tables")
            os.makedirs(tables_dir)
            missing = []
            figs = figures.all_figures(runs, fig_dir, missing)
            computed = tables.compute(runs)
            tables.write_csvs(computed, tables_dir)
            text = page.build_page(runs, figs, computed, missing)
            with open(os.path.join(tmp, "index.html"), "w", encoding="utf-8") as fh:
                fh.write(text)
            with open(os.path.join(fig_dir, "figures.json"), "w", encoding="utf-8") as fh:
                json.dump(_figures_json(figs, tmp), fh, indent=1)
            _install(tmp, out, {"kind": "report", "by": "report.py",
                                "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                "sweeps": [s.path for s in sweeps]})
            return figs, computed
        except OSError as e:   # a full disk, an I/O error: exit 3, the report named
            raise RuntimeFailure(f"cannot write the report {out}: {os_error_text(e)}; "
                                 f"nothing written") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
