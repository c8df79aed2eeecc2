"""The "model vs real interpreter" section of the page: its figure and one table per run,
as data for the template (page.py renders it). The verdicts are the data's
(fidelity.summary); nothing here judges."""


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
        body = []
        for s in rows:
            u = s["unit"]

            def spread(w):
                if s.get(w + "_median") is None:
                    return "—"
                return (f"{fmt_value(s[w + '_median'], u)} [{fmt_value(s[w + '_q1'], u)}, "
                        f"{fmt_value(s[w + '_q3'], u)}]")
            others = ", ".join(f"{v} {fmt_value(m, u)}" for v, m in s["versions"].items()
                               if m is not None and v != s["reference"])
            verdict = s["verdict"] if s["passed"] else flag(f"{s['verdict']}: not reproduced: {s['mechanism']}")
            body.append([{"text": s["figure"], "kind": "code"}, s["label"], s["policy"],
                         s["reference"] or "—", spread("real"), spread("model"),
                         fmt_ratio(s["ratio"]) if s.get("ratio") else "—", verdict, others])
        parts.append({"heading": run if multi else None,
                      "table": table(["figure", "what", "policy", "interpreter", "interpreter median [IQR]",
                                      "model median [IQR]", "model / interpreter", "verdict",
                                      "other versions (median)"], body, num_cols=(6,), cls="fidelity")})
    parts.append({"paragraphs": [{"text": "Also in tables/fidelity.csv."}]})
    return {"id": "fidelity", "title": "Model vs real interpreter", "attrs": {"data-fidelity": "1"},
            "intro": ["Each figure in the real interpreter and in the sumbench policy that models it "
                      "(legacy: Python 2.7's old GIL; cpython: Python 3's new GIL, 3.11 the reference), "
                      "interleaved in one run. The verdict is the fidelity experiment's rule "
                      "(sumbench.fidelity.figures); the figure draws the band of its ratio. A policy is "
                      "never the interpreter's behaviour where the verdict says FAIL."],
            "parts": parts}
