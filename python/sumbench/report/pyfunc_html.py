"""The report's "Your function" section (sumbench-py): the answer sentence per function
and interpreter, the models an interpreter lacks, the cost of every phase, and the post's
loop in sumbench's modes and the CPython baseline when they are in the same folder.
Rendering only: sumbench.pyfunc.answer computes it (tables.compute); page.py's template
draws the section dict returned here."""

from ..pyfunc import record
from .units import fmt_n, fmt_seconds

PHASE_HEADS = ["start", "send", "compute", "return", "stop", "combine"]
COSTS_NOTE = ("What each model pays, per point (medians over valid repetitions; the phases of one "
              "repetition may overlap between workers, so they need not add up to the time): start until "
              "every worker is ready (pools: the constructor; a pool starts its workers on demand, in "
              "send), send until the last worker holds its slice, compute the slowest call of the "
              "function, return the slowest partial's way back (pickling, pipe, unpickling), stop joining "
              "the workers, combine the reducer. Also in tables/pyfunc_costs.csv.")


def pyfunc_section(summaries, multi, figures, t, flag):
    """The section dict; `figures` are page-ready figure dicts, `t` and `flag` page.py's
    table and flag cell builders. None when no folder has sumbench-py rows: the page then
    says in one line what to run."""
    if not any(summaries.values()):
        return None
    parts = [{"paragraphs": [{"text": "Speedup = median serial time (FUNCTION(0, n) in the main thread of the "
                                      "same interpreter) / median time of the model, start-up included, as the "
                                      "post timed processes; every model's combined result was checked against "
                                      "the serial one."}],
              "figures": list(figures)}]
    for run, s in summaries.items():
        if not s:
            continue
        paragraphs = [{"text": a["line"], "cls": "answer"} for a in s["answers"]]
        paragraphs += [{"text": "Not measured here: " + n, "cls": "note"} for n in s["notes"]]
        if s["beside"]:
            paragraphs.append({"text": "The post's loop in the same folder (sumbench's modes, the gil model, "
                                       "the CPython baseline): " + "; ".join(s["beside"])})
        paragraphs.append({"text": COSTS_NOTE})
        rows = s["costs"]
        table = t(["function", "interpreter", "mode", "p", "reps", "time"] + PHASE_HEADS +
                  ["bytes back", "workers used", "flags"],
                  [[r["function"], r["interpreter"], r["mode"], str(r["workers"]), str(r["reps"]),
                    fmt_seconds(r["time_s"])] + [fmt_seconds(r[k]) for k in record.PHASES] +
                   [fmt_n(r["bytes_back"]), fmt_n(r["workers_used"]), flag(r["flags"])]
                   for r in rows],
                  num_cols=tuple(range(3, 15)), cls="pyfunc-costs",
                  row_classes=["over" if r["_over"] else "" for r in rows])
        parts.append({"heading": run if multi else "", "paragraphs": paragraphs, "table": table})
    return {"id": "pyfunc", "title": "Your function (sumbench-py)", "intro": [], "parts": parts,
            "attrs": {"data-pyfunc": 1}}
