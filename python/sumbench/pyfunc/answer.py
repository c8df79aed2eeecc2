"""sumbench-py's answer, computed once for the terminal and for the report (standard
library only): from the analysed points of a results folder (report.analysis, the same
speedups as every table and figure: median serial time over median time, both of the
same interpreter and n) and from pyfunc.json's record of what was not measured.

  answers(run)     one sentence per function and interpreter: "for your function
                   mod:f (CPython 3.12.1), at 2 workers: processes 1.80×, threads 1.00×,
                   subinterpreters 1.90× (also: ...)", and why a model is missing
  cost_rows(run)   per point: the median time and its phases (start, send, compute,
                   return, stop, combine) and the bytes pickled back, from raw.json
  notes(run)       the run's notes (no free-threaded interpreter, interpreters left out)
"""

from __future__ import annotations

import os
import statistics
from collections import OrderedDict

from .. import points
from ..io import read_json_object
from . import modes, record

COST_COLUMNS = ["run", "function", "interpreter", "mode", "workers", "reps", "time_s", *record.PHASES,
                "bytes_back", "workers_used", "flags"]


def _groups(run):
    groups = OrderedDict()
    for p in run.points:
        if p.source == modes.SOURCE:
            groups.setdefault((p.kernel, p.interpreter), {}).setdefault(p.mode, {})[p.workers] = p
    return groups


def _pick_workers(run, by_mode):
    """The largest worker count above 1 at which every answer mode measured has a speedup,
    within the cores if one is; else the largest at which any has one; else the largest
    measured (its figures then say invalid or failed)."""
    main = [by_mode[m] for _, m in modes.ANSWER if m in by_mode]
    counts = sorted({w for pts in main for w, p in pts.items() if w > 1 and p.speedup is not None})
    common = [w for w in counts if all(w in pts and pts[w].speedup is not None for pts in main)]
    inside = [w for w in common if not any(pts[w].beyond_cores for pts in main)]
    tried = sorted({w for pts in main for w in pts if w > 1})   # none valid: say what they were
    for choice in (inside, common, counts, tried):
        if choice:
            return choice[-1]
    return None


def _figure(label, p):
    if p is None:
        return f"{label} not measured"
    if p.speedup is None:
        return f"{label} " + ("invalid" if p.invalid else "/".join(sorted(set(p.failed))) or "no time")
    return f"{label} {p.speedup:.2f}×" + (" (self-relative)" if p.baseline_kind == "self" else "")


def answers(run):
    """[{function, interpreter, workers, line, figures}] of every function in the run."""
    runs = record.load_runs(run.sweep.path)
    out = []
    for (kernel, interp), by_mode in sorted(_groups(run).items(), key=lambda kv: (kv[0][0], version_key(kv[0][1]))):
        w = _pick_workers(run, by_mode)
        missing = ((runs.get(kernel) or {}).get("interpreters") or {}).get(interp, {}).get("missing") or {}
        free = interp.endswith("t")
        head = f"for your function {kernel} (CPython {interp}), "
        if w is None:
            out.append({"function": kernel, "interpreter": interp, "workers": None, "figures": {},
                        "line": head + "no point above 1 worker was measured"})
            continue
        figures, parts, also, absent = {}, [], [], []
        for label, mode in modes.ANSWER + modes.ALSO:
            if label == "threads" and free:
                label = "free-threaded threads"
            if mode not in by_mode:
                if mode in dict(modes.ANSWER).values():
                    absent.append(missing.get(mode) or f"{label}: not measured")
                continue
            p = by_mode[mode].get(w)
            figures[label] = p.speedup if p is not None else None
            (parts if (label, mode) in modes.ANSWER or label == "free-threaded threads" else also).append(
                _figure(label, p))
        over = [p for pts in by_mode.values() for p in [pts.get(w)] if p is not None and p.beyond_cores]
        line = head + f"at {w} workers: " + ", ".join(parts)
        line += f" (also: {', '.join(also)})" if also else ""
        line += " (oversubscribed: more workers than cores)" if over else ""
        line += "".join(f"; {why}" for why in absent)
        out.append({"function": kernel, "interpreter": interp, "workers": w, "figures": figures, "line": line})
    return out


def notes(run):
    """The notes of every sumbench-py run in the folder (no free-threaded interpreter,
    interpreters left out) and each interpreter's models that were not measured, each once."""
    seen = []
    for kernel, rec in record.load_runs(run.sweep.path).items():
        lines = [line for line in rec.get("notes") or [] if isinstance(line, str)]
        found = rec.get("interpreters") if isinstance(rec.get("interpreters"), dict) else {}
        for version in sorted(found, key=version_key):
            missing = found[version].get("missing") if isinstance(found[version], dict) else None
            lines += [f"{kernel} in CPython {version}: {mode}: {why}" for mode, why in (missing or {}).items()]
        seen += [line for line in lines if line not in seen]
    return seen


def version_key(version):
    """3.9.18 before 3.13.0, 3.13.0 before 3.13.0t."""
    parts = str(version).rstrip("t").split(".")
    return tuple(int(p) if p.isdigit() else 0 for p in parts), str(version).endswith("t")


def cost_rows(run):
    """Per pyfunc point: median time and phases over its valid repetitions (raw.json)."""
    rows = []
    for (kernel, interp), by_mode in _groups(run).items():
        for mode in sorted(by_mode, key=lambda m: modes.MODE_NAMES.index(m) if m in modes.MODE_NAMES else 99):
            for w, p in sorted(by_mode[mode].items()):
                reps = []
                for pid in p.point_ids:
                    raw = read_json_object(os.path.join(run.sweep.path, "points", pid, points.RAW)) or {}
                    reps += [r for r in raw.get("repetitions") or []
                             if isinstance(r, dict) and r.get("valid") and r.get("time_s") is not None]
                row = {"run": run.label, "function": kernel, "interpreter": interp, "mode": mode, "workers": w,
                       "reps": len(reps), "flags": ", ".join(p.flags()), "_over": p.beyond_cores}
                for key in ("time_s", *record.PHASES, "bytes_back", "workers_used"):
                    values = [r[key] for r in reps if isinstance(r.get(key), (int, float))]
                    row[key] = statistics.median(values) if values else None
                rows.append(row)
    return rows


def summarize(run, verdicts=()):
    """What the report's section shows of one run; None when it has no sumbench-py rows."""
    found = answers(run)
    if not found:
        return None
    return {"answers": found, "notes": notes(run), "costs": cost_rows(run),
            "beside": [v["line"] for v in verdicts if v.get("kernel") == "sum" and v.get("over") != "nodes"]}
