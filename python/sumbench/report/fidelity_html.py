"""The "model vs real interpreter" section of the page: its figure, the tally of the figures
that discriminate, the post's own ratio (seed:K) for the model and the interpreter, and one
table per run with every figure's verdict, each control's, and whether the figure
discriminates; as data for the template (page.py renders it). The verdicts are the data's
(sumbench.fidelity.scorecard, under sumbench.fidelity.verdict's rule); nothing here judges."""

from ..fidelity import scorecard
from ..fidelity import text as fidelity_text
from ..fidelity import verdict as fidelity_verdict

HEADERS = ["figure", "what", "policy", "interpreter", "interpreter median [IQR]", "model median [IQR]",
           "judged: interpreter / model", "model / interpreter [90% CI]", "verdict",
           "controls (and legacy's defaults)", "discriminates",
           "other versions (each judged as the model would be: a check of the rule)"]


def _ci(r, fmt_ratio):
    """A verdict's ratio with its confidence interval, or "—"."""
    if r.get("ratio") is None:
        return "—"
    if r.get("low") is None:
        return fmt_ratio(r["ratio"])
    return f"{fmt_ratio(r['ratio'])} [{r['low']:.2f}, {r['high']:.2f}]"


def _controls(s, flag, fmt_ratio):
    """One line per control (and legacy's defaults): its outcome and CI; a control that does
    not fail is flagged, as it keeps the figure from discriminating."""
    lines = []
    for r in s["roles"][1:]:
        name = scorecard.control_name(r) if r["role"] in scorecard.CONTROLS else r["policy"]
        ci = "" if r.get("ratio") is None else " " + _ci(r, fmt_ratio)
        text = f"{name}: {r['outcome']}{ci}"
        lines.append(text if r["outcome"] == fidelity_verdict.FAIL or r["role"] == "defaults" else flag(text))
    return {"lines": lines} if lines else "—"


def _tally(rows):
    t = scorecard.tally(rows)
    text = (f"{t['discriminating']} of {t['figures']} figures discriminate (their policy passes "
            f"{t['passed']})")
    if t["legacy_defaults"]:
        text += (f"; legacy with sumbench's defaults (no calibration flag): {t['defaults_discriminating']} "
                 f"of {t['legacy_defaults']} discriminate, {t['defaults_passed']} pass")
    if t["peer_figures"]:
        text += ". The rule's own check: " + fidelity_text.peer_sentence(t)
    return {"text": {"text": text + ".", "kind": "strong"},
            "attrs": {"data-discriminating": t["discriminating"], "data-figures": t["figures"],
                      "data-peer-passable": t["peer_passable"]}}


def _seed(rows, fmt_value):
    """The post's own comparison (K threads against the serial loop), model and interpreter."""
    seeds = [s for s in rows if s.get("kind") == "seed"]
    if not seeds:
        return None
    bits = [f"{s['figure']} {s['policy']}: {s['reference'] or 'no interpreter'} "
            f"{fmt_value(s.get('real_value'), s['unit'])}, model {fmt_value(s.get('model_value'), s['unit'])} "
            f"({s['outcome']})" for s in seeds]
    return {"text": "The post's own comparison, K threads against the serial loop (time with K threads "
                    "over the serial loop's; the interpreter's serial loop runs in its main thread), "
                    "interpreter and model: " + "; ".join(bits) + ".",
            "attrs": {"data-seed": len(seeds)}}


def _row(s, flag, fmt_value, fmt_ratio):
    u, ru = s["unit"], s.get("raw_unit", s["unit"])

    def spread(w):
        if s.get(w + "_median") is None:
            return "—"
        return (f"{fmt_value(s[w + '_median'], ru)} [{fmt_value(s[w + '_q1'], ru)}, "
                f"{fmt_value(s[w + '_q3'], ru)}]")
    peers = s.get("peers") or {}
    others = ", ".join(f"{v} {fmt_value(m, u)}" + (f": {peers[v]['outcome']}" if v in peers else "")
                       for v, m in s["versions"].items() if m is not None and v != s["reference"])
    verdict = s["verdict"] if s["passed"] else flag(f"{s['verdict']}: not reproduced: {s['mechanism']}")
    disc = "yes" if s["discriminates"] else flag(f"does not discriminate: {s['discrimination']}")
    judged = f"{fmt_value(s.get('real_value'), u)} / {fmt_value(s.get('model_value'), u)}"
    return [{"text": s["figure"], "kind": "code"}, s["label"], s["policy"], s["reference"] or "—",
            spread("real"), spread("model"), judged, _ci(s, fmt_ratio), verdict,
            _controls(s, flag, fmt_ratio), disc, others or "—"]


def fidelity_section(figs, summaries, multi, figure, table, flag, fmt_value, fmt_ratio):
    """The section's view: a one-line note when no run has fidelity rows."""
    if not any(summaries.values()):
        return {"id": "fidelity", "title": "Model vs real interpreter", "attrs": {"data-fidelity": "0"},
                "missing": "No fidelity rows in this folder: the gil policies have not been measured "
                           "against real interpreters here; run runners/fidelity.py --out FOLDER (it "
                           "joins a sweep folder) to fill this."}
    parts = [{"figures": [figure(f) for f in figs]}]
    for run, rows in summaries.items():
        if not rows:
            continue
        paragraphs = [_tally(rows)] + [p for p in (_seed(rows, fmt_value),) if p]
        parts.append({"heading": run if multi else None, "paragraphs": paragraphs,
                      "table": table(HEADERS, [_row(s, flag, fmt_value, fmt_ratio) for s in rows],
                                     num_cols=(7,), cls="fidelity")})
    parts.append({"paragraphs": [{"text": "Also in tables/fidelity.csv (every control as policy:role:outcome)."}]})
    return {"id": "fidelity", "title": "Model vs real interpreter", "attrs": {"data-fidelity": "1"},
            "intro": ["Each figure in the real interpreter and in the sumbench policy that models it "
                      "(legacy: Python 2.7's old GIL; cpython: Python 3's new GIL, 3.11 the reference), and "
                      "in the controls (fifo, none, and the crossed pairing: cpython against 2.7, legacy "
                      "against 3.x), interleaved in one run. " + fidelity_text.RULE[0].upper()
                      + fidelity_text.RULE[1:] + " Only a figure that discriminates counts as agreement; a "
                      "policy is never the interpreter's behaviour where its verdict is not pass. seed "
                      "figures are the post's own comparison, K threads against the serial loop. The figure "
                      "draws each verdict's ratio with its confidence interval, the controls' ratios, and "
                      "the band of the rule."],
            "parts": parts}
