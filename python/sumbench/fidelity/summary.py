"""Tidy rows of the fidelity experiment -> one summary per figure: the reference
interpreter's median and IQR, the model's, their ratio and the verdict, and every
interpreter's median. Used by runners/fidelity.py (its printed table) and by the report
(its "model vs real interpreter" figure and table); standard library only.

A fidelity row (results.csv, schema_version 2) has fidelity_figure and fidelity_value;
the model's rows have source sumbench and gil_policy legacy or cpython, the real ones
source cpython, interpreter_version and gil_kind.
"""

from __future__ import annotations

import statistics
from typing import Iterable, Optional

from . import figures

SOURCE_MODEL, SOURCE_REAL = "sumbench", "cpython"


def median_iqr(values: Iterable[float]) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """(median, first quartile, third quartile), inclusive quartiles; Nones when empty."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None, None, None
    if len(v) == 1:
        return v[0], v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return statistics.median(v), q[0], q[2]


def _version_key(version: str) -> tuple:
    parts = []
    for p in version.split("."):
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def is_fidelity_row(row: dict) -> bool:
    return bool(row.get("fidelity_figure"))


def usable(row: dict) -> bool:
    return row.get("status") == "ok" and row.get("valid") in (1, True, "1") and \
        not row.get("_invalid") and row.get("fidelity_value") not in (None, "")


def real_values(rows: list[dict], fig: figures.Figure) -> dict[str, list[float]]:
    """interpreter version -> the figure's values in it (interpreters of the GIL kind
    that fig's policy models; a free-threaded build is none)."""
    out: dict[str, list[float]] = {}
    for r in rows:
        if r.get("fidelity_figure") == fig.id and r.get("source") == SOURCE_REAL and usable(r) and \
                figures.POLICY_OF_GIL.get(r.get("gil_kind") or "") == fig.policy:
            out.setdefault(str(r.get("interpreter_version")), []).append(float(r["fidelity_value"]))
    return dict(sorted(out.items(), key=lambda kv: _version_key(kv[0])))


def model_values(rows: list[dict], fig: figures.Figure) -> list[float]:
    return [float(r["fidelity_value"]) for r in rows
            if r.get("fidelity_figure") == fig.id and r.get("source") == SOURCE_MODEL
            and r.get("gil_policy") == fig.policy and usable(r)]


def _release(version: str) -> tuple:
    return tuple(int("".join(c for c in part if c.isdigit()) or 0) for part in version.split("."))


def reference_version(versions: list[str], policy: str) -> Optional[str]:
    """The newest patch release of the reference (3.11.7 over Debian's 3.11.2, say);
    without one, the first version found."""
    want = figures.REFERENCE[policy]
    matches = [v for v in versions if v == want or v.startswith(want + ".")]
    return max(matches, key=_release) if matches else (versions[0] if versions else None)


def summarize(rows: list[dict]) -> list[dict]:
    """One summary per figure present in `rows`, in the figure table's order."""
    rows = [r for r in rows if is_fidelity_row(r)]
    present = {(r["fidelity_figure"], r.get("gil_policy") if r.get("source") == SOURCE_MODEL else
                figures.POLICY_OF_GIL.get(r.get("gil_kind") or "")) for r in rows}
    out = []
    for fig in figures.all_figures():
        if (fig.id, fig.policy) not in present:
            continue
        real = real_values(rows, fig)
        model = model_values(rows, fig)
        ref = reference_version(list(real), fig.policy)
        s = {"figure": fig.id, "label": fig.label, "policy": fig.policy, "unit": fig.unit,
             "reference": ref, "versions": {v: median_iqr(vals)[0] for v, vals in real.items()},
             "spread": {v: median_iqr(vals) for v, vals in real.items()},
             "real_n": len(real.get(ref, [])) if ref else 0, "model_n": len(model),
             "mechanism": fig.mechanism}
        if ref and model:
            med, q1, q3 = median_iqr(real[ref])
            mmed, mq1, mq3 = median_iqr(model)
            text, ok = figures.verdict(med, q1, q3, mmed, fig.unit)
            s.update(real_median=med, real_q1=q1, real_q3=q3, model_median=mmed, model_q1=mq1,
                     model_q3=mq3, ratio=mmed / med if med else None, verdict=text, passed=ok)
        else:
            what = "no interpreter of its GIL kind" if not ref else "no model run"
            s.update(real_median=None, real_q1=None, real_q3=None, model_median=None, model_q1=None,
                     model_q3=None, ratio=None, verdict=f"no data ({what})", passed=False)
        out.append(s)
    return out


def main_thread_ratios(measurements: list[dict]) -> list[dict]:
    """The post's own CPU ratio, K threads against the interpreter's main thread, and the
    one-thread run against the main thread, per cpu figure and interpreter (medians over
    the repetitions), from the experiment's raw measurements. Shown, not judged: the
    difference is no GIL effect (bench/fidelity/NOTES.md E15). Older runs have no
    one-thread run: nothing."""
    groups: dict[tuple, list[dict]] = {}
    for m in measurements:
        raw = m.get("raw") or {}
        if m.get("source") == SOURCE_REAL and str(m.get("figure", "")).startswith("cpu:") and "ratio_main" in raw \
                and raw.get("valid") and m.get("interpreter"):
            groups.setdefault((m["figure"], m["interpreter"]["version"]), []).append(raw)
    out = []
    for (fig, version), raws in sorted(groups.items(), key=lambda kv: (kv[0][0], _version_key(kv[0][1]))):
        out.append({"figure": fig, "version": version, "n": len(raws),
                    "ratio_main": median_iqr(r["ratio_main"] for r in raws)[0],
                    "one_thread_over_main": median_iqr(r["one_thread_s"] / r["serial_s"] for r in raws)[0]})
    return out
