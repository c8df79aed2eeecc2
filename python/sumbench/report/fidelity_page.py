"""The report page's "model vs real interpreter" section (rendering only: the summaries are
sumbench.fidelity.summary's): the figure, the tally of discriminating figures, and per
figure the policy's verdict, every control's, and whether it discriminates."""

from ..fidelity import summary as fidelity_summary
from ..fidelity import text as fidelity_text
from ..fidelity.figures import fmt as fmt_figure


def _page():
    from . import page   # page imports this module: import it back when called
    return page


def _controls_html(s):
    esc = _page().esc
    out = []
    for r in s["roles"][1:]:
        name = fidelity_summary.control_name(r) if r["role"] in fidelity_summary.CONTROLS else r["policy"]
        ci = f" {r['ratio']:.2f} [{r['low']:.2f}, {r['high']:.2f}]" if r.get("low") is not None else ""
        cls = "" if r["outcome"] in ("fail",) or r["role"] == "defaults" else ' class="flag"'
        out.append(f"<span{cls}>{esc(name)}: {esc(r['outcome'])}{esc(ci)}</span>")
    return "<br>".join(out)


def fidelity_html(figs, summaries, multi):
    """The "model vs real interpreter" section: its figure and one table per run."""
    esc, table, figure_html = _page().esc, _page().table, _page()._figure_html
    out = ['<section id="fidelity"><h2>Model vs real interpreter</h2>']
    if not any(summaries.values()):
        out.append('<p class="note" data-fidelity="0">No fidelity rows in this folder: the gil '
                   "policies have not been measured against real interpreters here. "
                   "<code>runners/fidelity.py --out FOLDER</code> adds them (it joins a sweep "
                   "folder).</p></section>")
        return "".join(out)
    out.append(f'<p data-fidelity="1">Each figure in the real interpreter and in the sumbench policy '
               "that models it (legacy: Python 2.7's old GIL; cpython: Python 3's new GIL, 3.11 the "
               "reference), and in the controls (fifo, none, and the crossed pairing: cpython against 2.7, "
               f"legacy against 3.x), interleaved in one run. {esc(fidelity_text.RULE)} Only a figure that "
               "discriminates counts as agreement; <em>seed</em> figures are the post's own comparison, "
               "K threads against the serial loop.</p>")
    out += [figure_html(f) for f in figs]
    for run, rows in summaries.items():
        if not rows:
            continue
        if multi:
            out.append(f"<h3>{esc(run)}</h3>")
        t = fidelity_summary.tally(rows)
        out.append(f'<p data-discriminating="{t["discriminating"]}"><strong>{t["discriminating"]} of '
                   f'{t["figures"]} figures discriminate</strong> (their policy passes {t["passed"]})'
                   + (f"; legacy with sumbench's defaults: {t['defaults_discriminating']} of "
                      f"{t['legacy_defaults']} discriminate" if t["legacy_defaults"] else "") + ".</p>")
        body = []
        for s in rows:
            u, ru = s["unit"], s.get("raw_unit", s["unit"])
            spread = lambda w: (f"{fmt_figure(s[w + '_median'], ru)} [{fmt_figure(s[w + '_q1'], ru)}, "  # noqa: E731
                                f"{fmt_figure(s[w + '_q3'], ru)}]")
            others = ", ".join(f"{v} {fmt_figure(m, u)}" for v, m in s["versions"].items()
                               if m is not None and v != s["reference"])
            ci = f"{s['ratio']:.2f} [{s['low']:.2f}, {s['high']:.2f}]" if s.get("low") is not None else "—"
            verdict = esc(s["verdict"]) if s["passed"] else \
                f'<span class="flag">{esc(s["verdict"])}</span>: not reproduced: {esc(s["mechanism"])}'
            disc = ("yes" if s["discriminates"] else
                    f'<span class="flag">does not discriminate</span>: {esc(s["discrimination"])}')
            body.append([f"<code>{esc(s['figure'])}</code> {esc(s['label'])}", esc(s["policy"]),
                         esc(s["reference"] or "—"), esc(spread("real")), esc(spread("model")),
                         esc(f"{fmt_figure(s.get('real_value'), u)} / {fmt_figure(s.get('model_value'), u)}"),
                         esc(ci), verdict, _controls_html(s), disc, esc(others)])
        out.append(table(["figure", "policy", "interpreter", "interpreter median [IQR]", "model median [IQR]",
                          "judged: interpreter / model", "model / interpreter [90% CI]", "verdict",
                          "controls (and legacy's defaults)", "discriminates", "other versions"],
                         body, cls="fidelity"))
    out.append("<p>Also in tables/fidelity.csv.</p></section>")
    return "".join(out)
