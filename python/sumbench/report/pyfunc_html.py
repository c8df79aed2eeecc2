"""The report's "Your function" section (sumbench-py): the answer sentence per function
and interpreter, the models an interpreter lacks, the cost of every phase, and the post's
loop in sumbench's modes and the CPython baseline when they are in the same folder.
Rendering only: sumbench.pyfunc.answer computes it (tables.compute)."""

from ..pyfunc import record

PHASE_HEADS = ["start [s]", "send [s]", "compute [s]", "return [s]", "stop [s]", "combine [s]"]


def pyfunc_html(summaries, multi, figures=()):
    from .page import esc, num, table   # page imports this module
    out = ['<section id="pyfunc"><h2>Your function (sumbench-py)</h2>']
    if not any(summaries.values()):
        out.append('<p data-pyfunc="0">No sumbench-py rows in this folder. <code>sumbench-py '
                   "MODULE:FUNCTION --n N --out FOLDER</code> measures your own function under every "
                   "concurrency model of every CPython found (it joins a sweep folder).</p></section>")
        return "".join(out)
    out.append('<p data-pyfunc="1">Speedup = median serial time (FUNCTION(0, n) in the main thread of '
               "the same interpreter) / median time of the model, start-up included, as the post timed "
               "processes; every model's combined result was checked against the serial one.</p>")
    out += list(figures)
    for run, s in summaries.items():
        if not s:
            continue
        if multi:
            out.append(f"<h3>{esc(run)}</h3>")
        out.append('<ul class="verdicts">')
        out += [f'<li class="answer" data-function="{esc(a["function"])}" data-interpreter="{esc(a["interpreter"])}">'
                f'{esc(a["line"])}</li>' for a in s["answers"]]
        out.append("</ul>")
        if s["notes"]:
            out.append("<p>Not measured here:</p><ul>" + "".join(f'<li class="note">{esc(n)}</li>'
                                                                 for n in s["notes"]) + "</ul>")
        if s["beside"]:
            out.append("<p>The post's loop in the same folder (sumbench's modes, the gil model, the CPython "
                       "baseline):</p><ul>" + "".join(f"<li>{esc(line)}</li>" for line in s["beside"]) + "</ul>")
        rows = s["costs"]
        out.append("<p>What each model pays, per point (medians over valid repetitions; the phases of "
                   "one repetition may overlap between workers, so they need not add up to the time): "
                   "<b>start</b> until every worker is ready (pools: the constructor; a pool starts its "
                   "workers on demand, in send), <b>send</b> until the last worker holds its slice, "
                   "<b>compute</b> the slowest call of the function, <b>return</b> the slowest partial's "
                   "way back (pickling, pipe, unpickling), <b>stop</b> joining the workers, <b>combine</b> "
                   "the reducer. Also in tables/pyfunc_costs.csv.</p>")
        out.append(table(["function", "interpreter", "mode", "p", "reps", "time [s]"] + PHASE_HEADS +
                         ["bytes back", "workers used", "flags"],
                         [[esc(r["function"]), esc(r["interpreter"]), esc(r["mode"]), str(r["workers"]),
                           str(r["reps"]), num(r["time_s"])] + [num(r[k]) for k in record.PHASES] +
                          [num(r["bytes_back"]), num(r["workers_used"]),
                           f'<span class="flag">{esc(r["flags"])}</span>' if r["flags"] else ""]
                          for r in rows],
                         num_cols=tuple(range(3, 15)), cls="pyfunc-costs",
                         row_class=lambda i: "over" if rows[i]["_over"] else ""))
    out.append("</section>")
    return "".join(out)
