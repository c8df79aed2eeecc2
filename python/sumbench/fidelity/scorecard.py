"""The fidelity run's measurements -> one summary per judged figure: the reference
interpreter's and the model's values, the verdict of the right policy and of each control
(sumbench.fidelity.verdict), whether the figure discriminates, and every interpreter's
value. Used by runners/fidelity.py (its table) and by the report; standard library only.

A measurement is one run on one side: {"figure", "source" (sumbench: the model, cpython:
a real interpreter), "policy" (the model's: cpython, legacy, legacy-defaults, fifo, none;
a real one's: the policy of its GIL), "interpreter" {"version", "gil"}, "repetition",
"value", "waits" (convoy: every wait's added latency), "noisy"}. raw.json holds them; a
folder without one (or an older format) is read from its tidy rows, which have no
per-wait samples.
"""

from __future__ import annotations

import os
import statistics
from typing import Iterable, Optional

from ..io import read_json_object
from . import figures, verdict

SOURCE_MODEL, SOURCE_REAL = "sumbench", "cpython"
CONTROLS = ("fifo", "none", "crossed")


def median_iqr(values: Iterable[float]) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """(median, first quartile, third quartile), inclusive quartiles; Nones when empty."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None, None, None
    if len(v) == 1:
        return v[0], v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return statistics.median(v), q[0], q[2]


def _release(version: str) -> tuple:
    return tuple(int("".join(c for c in part if c.isdigit()) or 0) for part in version.split("."))


def reference_version(versions: list[str], policy: str) -> Optional[str]:
    """The newest patch release of the reference (3.11.7 over Debian's 3.11.2, say);
    without one, the first version found."""
    want = figures.REFERENCE[policy]
    matches = [v for v in versions if v == want or v.startswith(want + ".")]
    return max(matches, key=_release) if matches else (versions[0] if versions else None)


def usable(row: dict) -> bool:
    return row.get("status") == "ok" and row.get("valid") in (1, True, "1") and \
        not row.get("_invalid") and row.get("fidelity_value") not in (None, "")


def from_rows(rows: list[dict]) -> list[dict]:
    """Measurements from tidy fidelity rows (results.csv): values only, no per-wait samples."""
    out = []
    for r in rows:
        if not r.get("fidelity_figure") or not usable(r):
            continue
        real = r.get("source") == SOURCE_REAL
        out.append({"figure": r["fidelity_figure"], "source": r.get("source"), "value": float(r["fidelity_value"]),
                    "repetition": r.get("repetition"),
                    "policy": figures.POLICY_OF_GIL.get(r.get("gil_kind") or "") if real else r.get("gil_policy"),
                    "interpreter": {"version": str(r.get("interpreter_version")), "gil": r.get("gil_kind")}
                    if real else None})
    return out


def from_v1(doc: dict) -> list[dict]:
    """Measurements of the first format (sumbench.fidelity/1, fidelity.json beside the
    folder's command.txt: the recording of 2026-11-29), whose rows name the model
    "model:POLICY" and an interpreter by its version."""
    out = []
    for r in doc.get("rows") or []:
        src = str(r.get("source", ""))
        model = src.startswith("model:")
        out.append({"figure": r.get("figure"), "value": r.get("value"), "repetition": r.get("repetition"),
                    "source": SOURCE_MODEL if model else SOURCE_REAL, "raw": r.get("raw"),
                    "policy": src[6:] if model else ("legacy" if r.get("family") == "2" else "cpython"),
                    "interpreter": None if model else {"version": src, "gil": "old" if r.get("family") == "2" else "new"}})
    return out


def for_folder(folder: str, rows: list[dict]) -> list[dict]:
    """The summaries of a folder's fidelity run: from points/fidelity/raw.json when it holds
    measurements (every format since the package's), from the first format's fidelity.json,
    else from the tidy rows."""
    for path, get in ((os.path.join(folder, "points", "fidelity", "raw.json"), lambda d: d.get("measurements")),
                      (os.path.join(folder, "fidelity.json"), from_v1)):
        doc = read_json_object(path) if os.path.isfile(path) else None
        ms = get(doc) if doc else None
        if isinstance(ms, list) and ms:
            return summarize(ms)
    return summarize(from_rows(rows))


def _ok(m) -> bool:
    """A usable measurement: a figure, a side, a finite value, a valid run (a hand-edited or
    torn raw.json must not stop a report: what is not one is left out)."""
    if not isinstance(m, dict) or not isinstance(m.get("figure"), str) or \
            m.get("source") not in (SOURCE_MODEL, SOURCE_REAL):
        return False
    v = m.get("value")
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
        return False
    if m["source"] == SOURCE_REAL and not isinstance(m.get("interpreter"), dict):
        return False
    raw = m.get("raw")
    return not (isinstance(raw, dict) and raw.get("valid") is False)


class _Index(dict):
    """Measurements by (figure, model policy) and (figure, real interpreter version)."""

    def __init__(self, ms: list[dict]):
        super().__init__()
        for m in ms:
            key = (m["figure"], m.get("policy")) if m["source"] == SOURCE_MODEL else \
                (m["figure"], "real", (m.get("interpreter") or {}).get("version"))
            self.setdefault(key, []).append(m)


def _values(ms: _Index, figure: str, policy: str, version: Optional[str] = None) -> list[dict]:
    """The runs of `figure`: the model's with `policy`, or a real interpreter's of that version."""
    return ms.get((figure, policy) if version is None else (figure, "real", version), [])


def _side(ms: _Index, fig: figures.Figure, figure_id: str, policy: str, version: Optional[str] = None):
    runs = _values(ms, figure_id, policy, version)
    base = None
    if fig.kind in figures.BASELINE_OP:   # the same side's C = 0 runs at the same setting
        stem, _c, setting = figure_id.split(":")
        base = [m["value"] for m in _values(ms, f"{stem}:0:{setting}", policy, version)]
    side = verdict.Side([m["value"] for m in runs], base or (), figures.BASELINE_OP.get(fig.kind, "") if base else "")
    return side, runs, base


def _judge(model: verdict.Side, real: verdict.Side, fig: figures.Figure, model_base, real_base,
           model_runs: list[dict], real_runs: list[dict]) -> verdict.Verdict:
    if fig.kind in figures.BASELINE_OP and (not real_base or not model_base):
        who = "the interpreter" if not real_base else "the model"
        v = verdict.Verdict(verdict.NO_DATA, why=f"no C = 0 runs of {who} (a run recorded before issue 20): "
                                                 "the baseline cannot be taken out")
    else:
        v = verdict.judge(model, real)
    if fig.kind == "convoy" and fig.policy == "cpython" and fig.threads >= 2:
        interval = float(fig.interval[:-2]) / 1000
        v = verdict.combine(v, verdict.compare_states([m.get("waits") or [] for m in model_runs],
                                                      [m.get("waits") or [] for m in real_runs], interval))
    return v


def _statistic(side: verdict.Side) -> Optional[float]:
    if not side.values or (side.op and not side.baseline):
        return None
    return side.statistic()


def discrimination(right: dict, controls: list[dict]) -> tuple[bool, str]:
    """Whether a figure discriminates (its policy passes, every control fails), and why not."""
    if right["outcome"] != verdict.PASS:
        return False, f"{right['policy']} itself: {right['outcome']}"
    missing = [control_name(c) for c in controls if c["outcome"] == verdict.NO_DATA]
    other = [f"{control_name(c)}: {c['outcome']}" for c in controls if c["outcome"] not in (verdict.FAIL, verdict.NO_DATA)]
    if not other and len(missing) == len(controls):
        return False, "no control was measured (a run recorded before issue 20)"
    if other or missing:
        return False, "; ".join(other + ([f"not measured: {', '.join(missing)}"] if missing else []))
    return True, "the policy passes and every control fails"


def control_name(role: dict) -> str:
    """fifo, none, or the crossed pairing: cpython against 2.7, legacy against 3.x."""
    if role["role"] != "crossed":
        return role["policy"]
    return f"{role['policy']} vs " + ("2.7" if role["policy"] == "cpython" else "3.x")


def summarize(ms: list[dict]) -> list[dict]:
    """One summary per judged figure present in the measurements, in the table's order."""
    ms = [m for m in ms if _ok(m)]
    present = {(m["figure"], m.get("policy")) for m in ms if m["source"] == SOURCE_REAL}  # the model's may be controls
    all_ms, ms = ms, _Index(ms)
    out = []
    for fig in figures.judged():
        if (fig.id, fig.policy) not in present:
            continue
        gil = figures.GIL_OF_POLICY[fig.policy]
        versions = sorted({m["interpreter"]["version"] for m in all_ms if m["source"] == SOURCE_REAL
                           and m["figure"] == fig.id and (m.get("interpreter") or {}).get("gil") == gil}, key=_release)
        ref = reference_version(versions, fig.policy)
        real, real_runs, real_base = _side(ms, fig, fig.id, fig.policy, ref) if ref else (verdict.Side([]), [], None)
        roles = []
        for role, model_id, policy in fig.roles():
            model, model_runs, model_base = _side(ms, fig, model_id, policy)
            if not model.values and policy == "legacy":   # no Python 2.7 to calibrate: the defaults ran
                policy = figures.DEFAULTS
                model, model_runs, model_base = _side(ms, fig, model_id, policy)
            v = _judge(model, real, fig, model_base, real_base, model_runs, real_runs) if ref else \
                verdict.Verdict(verdict.NO_DATA, why="no interpreter of its GIL kind")
            roles.append(dict(v.as_dict(), role=role, policy=policy, figure=model_id, n=len(model.values),
                              noisy=sum(1 for m in model_runs if m.get("noisy"))))
        right = roles[0]
        controls = [r for r in roles if r["role"] in CONTROLS]
        ok, why = discrimination(right, controls)
        s = {"figure": fig.id, "label": fig.label, "policy": fig.policy, "unit": fig.unit, "raw_unit": fig.raw_unit,
             "kind": fig.kind,
             "reference": ref, "real_n": len(real.values), "model_n": right["n"],
             "real_noisy": sum(1 for m in real_runs if m.get("noisy")),
             "versions": {v: _statistic(_side(ms, fig, fig.id, fig.policy, v)[0]) for v in versions},
             "real_value": _statistic(real), "model_value": _statistic(_side(ms, fig, fig.id, fig.policy)[0]),
             "ratio": right["ratio"], "low": right["low"], "high": right["high"], "outcome": right["outcome"],
             "verdict": f"{right['outcome']}: {right['why']}" if right["why"] else right["outcome"],
             "passed": right["outcome"] == verdict.PASS, "roles": roles, "discriminates": ok,
             "discrimination": why, "mechanism": fig.mechanism, "states": right.get("states")}
        med, q1, q3 = median_iqr(real.values)
        mmed, mq1, mq3 = median_iqr(_side(ms, fig, fig.id, fig.policy)[0].values)
        s.update(real_median=med, real_q1=q1, real_q3=q3, model_median=mmed, model_q1=mq1, model_q3=mq3,
                 spread={v: median_iqr(_side(ms, fig, fig.id, fig.policy, v)[0].values) for v in versions})
        s["peers"] = peers(ms, fig, versions, ref, real, real_base, real_runs)
        if fig.policy == "legacy":
            d = next(r for r in roles if r["role"] == "defaults")
            s["defaults"] = dict(d, discriminates=discrimination(d, controls)[0],
                                 discrimination=discrimination(d, controls)[1])
        out.append(s)
    return out


JUDGED = (verdict.PASS, verdict.FAIL, verdict.INCONCLUSIVE)  # peer verdicts that say something


def peers(ms: _Index, fig: figures.Figure, versions: list[str], ref: Optional[str], real: verdict.Side,
          real_base, real_runs: list[dict]) -> dict:
    """Each other interpreter of the figure's GIL kind judged as if it were the model, against
    the reference, under the same rule: a check of the rule, not of the model. Where every
    other interpreter is inconclusive, the runs' own spread is wider than the band, and a
    model cannot be expected to pass there either; where one fails, the versions differ."""
    out = {}
    for v in versions:
        if v == ref or ref is None:
            continue
        side, runs, base = _side(ms, fig, fig.id, fig.policy, v)
        j = _judge(side, real, fig, base, real_base, runs, real_runs).as_dict()
        out[v] = {k: j.get(k) for k in ("outcome", "ratio", "low", "high")}
    return out


def tally(table: list[dict]) -> dict:
    """How many figures were judged, passed by their policy, and discriminate (the count
    that is agreement); legacy's defaults alike."""
    defaults = [s["defaults"] for s in table if s.get("defaults")]
    return {"figures": len(table), "passed": sum(s["passed"] for s in table),
            "discriminating": sum(s["discriminates"] for s in table),
            "legacy_defaults": len(defaults), "defaults_passed": sum(d["outcome"] == verdict.PASS for d in defaults),
            "defaults_discriminating": sum(d["discriminates"] for d in defaults),
            **peer_tally(table)}


def peer_tally(table: list[dict]) -> dict:
    """Of the figures with another interpreter judged (pass, fail or inconclusive): on how many
    one passes; on how many every one is inconclusive (the spread is wider than the band); on
    how many none passes and one fails (the versions differ)."""
    judged = [[p["outcome"] for p in (s.get("peers") or {}).values() if p["outcome"] in JUDGED] for s in table]
    judged = [j for j in judged if j]
    return {"peer_figures": len(judged), "peer_passable": sum(verdict.PASS in j for j in judged),
            "peer_too_wide": sum(all(o == verdict.INCONCLUSIVE for o in j) for j in judged),
            "peer_differ": sum(verdict.PASS not in j and verdict.FAIL in j for j in judged)}


def main_thread_ratios(measurements: list[dict]) -> list[dict]:
    """One thread against the interpreter's main thread, per cpu figure and interpreter
    (medians over the repetitions), from the raw measurements: the part of seed:K that is
    no GIL effect (docs/DESIGN.md, GIL policies: CPU denominator). Older runs have no one-thread
    run: nothing."""
    groups: dict[tuple, list[dict]] = {}
    for m in measurements:
        raw = m.get("raw") or {}
        if m.get("source") == SOURCE_REAL and str(m.get("figure", "")).startswith("cpu:") and "ratio_main" in raw \
                and raw.get("valid") and m.get("interpreter"):
            groups.setdefault((m["figure"], m["interpreter"]["version"]), []).append(raw)
    out = []
    for (fig, version), raws in sorted(groups.items(), key=lambda kv: (kv[0][0], _release(kv[0][1]))):
        row = {"figure": fig, "version": version, "n": len(raws),
               "ratio_main": median_iqr(r["ratio_main"] for r in raws)[0],
               "one_thread_over_main": median_iqr(r["one_thread_s"] / r["serial_s"] for r in raws)[0]}
        # Where the main thread's loop and the one worker's ended (runs that noted it): on one
        # vCPU the main thread is as fast as a worker (docs/DESIGN.md, GIL policies: main thread).
        placed = [r for r in raws if r.get("serial_cpu") is not None and r.get("one_thread_cpu") is not None]
        if placed:
            same = [r for r in placed if r["serial_cpu"] == r["one_thread_cpu"]]
            apart = [r for r in placed if r["serial_cpu"] != r["one_thread_cpu"]]
            row.update(placed=len(placed), same_cpu=len(same),
                       one_thread_over_main_same=median_iqr(r["one_thread_s"] / r["serial_s"] for r in same)[0],
                       one_thread_over_main_apart=median_iqr(r["one_thread_s"] / r["serial_s"] for r in apart)[0])
        out.append(row)
    return out
