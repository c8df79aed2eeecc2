"""The printed fidelity table (runners/fidelity.py, table.txt): rendering only;
scorecard.py computes the rows and verdict.py the verdicts."""

from __future__ import annotations

from typing import Optional

from . import plan, scorecard, verdict
from .figures import fmt

RULE = (f"rule: the model/real ratio of the medians (convoy: after each side's C = 0 overshoot; "
        f"I/O convoy: relative to each side's C = 0), {verdict.LEVEL:.0%} bootstrap CI over runs "
        f"({verdict.RESAMPLES} resamples, seed {verdict.SEED}); pass: inside [{verdict.BAND[0]}, {verdict.BAND[1]}], "
        f"fail: wholly outside, else inconclusive; convoys of 2-3 CPU threads (cpython) also compare the "
        f"shares of waits per state (+-{verdict.STATE_BAND}). A figure discriminates when its policy passes "
        f"and every control (fifo, none, the crossed pairing) fails. legacy is judged calibrated (--gil-tick "
        f"from Python 2.7, each repetition) and with sumbench's defaults (no flag); cpython has no "
        f"calibration flag: its runs are its defaults.")


def peer_sentence(t: dict) -> str:
    """What the peers (other interpreters judged as the model) say about the rule."""
    return (f"of the {t['peer_figures']} figures where another interpreter was judged against the reference as "
            f"the model is, one passes on {t['peer_passable']}; on {t['peer_too_wide']} every one is "
            f"inconclusive (the runs' spread is wider than the band: no model can be expected to pass there); "
            f"on {t['peer_differ']} none passes and one fails (the versions differ)")


def _spread(s: dict, which: str) -> str:
    u = s.get("raw_unit", s["unit"])
    return f"{fmt(s.get(which + '_median'), u)} [{fmt(s.get(which + '_q1'), u)}, {fmt(s.get(which + '_q3'), u)}]"


def _ci(r: dict) -> str:
    if r.get("ratio") is None or r.get("low") is None:
        return "-"
    return f"{r['ratio']:.2f} [{r['low']:.2f}, {r['high']:.2f}]"


def role_line(r: dict) -> str:
    return f"{scorecard.control_name(r) if r['role'] in scorecard.CONTROLS else r['policy']:16} {_ci(r):22} {r['outcome']}" + \
        (f"  ({r['why']})" if r["outcome"] not in (verdict.PASS, verdict.FAIL) and r.get("why") else "")


def states_line(st: Optional[dict]) -> Optional[str]:
    if not st or not st.get("real"):
        return None
    shares = " ".join(f"{k + 1}:{100 * a:.0f}|{100 * b:.0f}" for k, (a, b) in enumerate(zip(st["real"], st["model"]))
                      if a > 0.005 or b > 0.005)
    return f"waits per state (intervals: % interpreter|model): {shares}; {st['outcome']}"


def table_lines(table: list[dict], main_thread: Optional[list[dict]] = None, load: Optional[dict] = None) -> list[str]:
    """Per figure: the interpreter's and the model's per-run medians and IQRs, the value
    judged, the verdict of the policy and of each control, and whether it discriminates;
    then the tally, and the one-thread-against-main-thread ratios (no GIL effect)."""
    t = scorecard.tally(table)
    lines = [RULE, "",
             f"{t['discriminating']} of {t['figures']} figures discriminate (agreement); the policy passes "
             f"{t['passed']}" + (f"; legacy with sumbench's defaults (no calibration flag): "
                                 f"{t['defaults_discriminating']} of {t['legacy_defaults']} discriminate, "
                                 f"{t['defaults_passed']} pass" if t["legacy_defaults"] else "")]
    if t["peer_figures"]:
        lines.append("rule check: " + peer_sentence(t))
    if load:
        lines.append(f"load: noisy runs (others used > 10% of the machine during the run): "
                     f"{load.get('noisy_runs', '?')}; quiet windows before the groups: {load.get('quiet_windows', '?')}")
        if load.get("recording") == "noisy":
            lines.append("NOISY RECORDING: more than 5% of the runs were noisy; every verdict above counts them "
                         "all. Repeat the recording whole on a quiet machine; do not re-run parts of it.")
    for s in table:
        u = s["unit"]
        lines += ["", f"{s['figure']} {s['policy']} vs {s['reference'] or '-'}: {s['label']} "
                      f"({s['real_n']} interpreter, {s['model_n']} model runs; noisy: {s['real_noisy']}, "
                      f"{s['roles'][0]['noisy']})",
                  f"    runs: interpreter {_spread(s, 'real')}, model {_spread(s, 'model')}"]
        if s["kind"] in ("convoy", "ioconvoy"):
            what = "beyond the sleep's own overshoot" if s["kind"] == "convoy" else "relative to C=0"
            lines.append(f"    judged ({what}): interpreter {fmt(s['real_value'], u)}, model {fmt(s['model_value'], u)}")
        lines += [f"    {role_line(r)}" for r in s["roles"]]
        st = states_line(s.get("states"))
        if st:
            lines.append(f"    {st}")
        verdict_word = "discriminates" if s["discriminates"] else "does not discriminate"
        lines.append(f"    -> {verdict_word}: {s['discrimination']}")
        if s.get("defaults"):
            d = s["defaults"]
            lines.append(f"    -> defaults: {'discriminate' if d['discriminates'] else 'do not discriminate'}: "
                         f"{d['discrimination']}")
        if not s["passed"]:
            lines.append(f"    not reproduced ({s['outcome']}): {s['mechanism']}")
        if s.get("peers"):
            passed = sum(p["outcome"] == verdict.PASS for p in s["peers"].values())
            lines.append(f"    peers (each other interpreter judged as the model, same rule): {passed} of "
                         f"{len(s['peers'])} pass: " + ", ".join(f"{v} {p['outcome']} {_ci(p)}" for v, p in s["peers"].items()))
        versions = {k: v for k, v in s["versions"].items() if v is not None}
        if len(versions) > 1:
            lines.append("    across versions: " + ", ".join(f"{k} {fmt(v, u)}" for k, v in versions.items()))
    if main_thread:
        lines += ["", "one thread against the interpreter's main thread (the part of seed:K that is no GIL "
                      "effect, docs/DESIGN.md, GIL policies: main thread; not judged):"]
        for m in main_thread:
            line = (f"    {m['figure']:8} {m['version']:9} K threads / main {fmt(m['ratio_main'], 'x')}, "
                    f"1 thread / main {fmt(m['one_thread_over_main'], 'x')} ({m['n']} runs)")
            if m.get("placed"):
                line += (f"; on one vCPU in {m['same_cpu']} of {m['placed']}: "
                         f"{fmt(m['one_thread_over_main_same'], 'x')}, apart: {fmt(m['one_thread_over_main_apart'], 'x')}")
            lines.append(line)
    return lines


def plan_lines(run) -> list[str]:
    """What each repetition of `run` (experiment.Run) executes, and the estimate."""
    lines = []
    for g in run.groups:
        real = plan.real_runs(g, run.interps)
        lines.append(f"{g.name:12} {len(real):3} interpreter runs, model: " +
                     ", ".join(f"{p}@{s}" for p, s in sorted(g.model)))
    n = sum(len(plan.real_runs(g, run.interps)) for g in run.groups)
    lines.append(f"per repetition: {n} interpreter runs and {sum(len(g.model) for g in run.groups)} model runs in "
                 f"{len(run.groups)} groups; {run.cfg['repetitions']} repetitions: about "
                 f"{run.estimate_s() / 60:.0f} min on a quiet machine (more while --quiet-wait waits)")
    return lines
