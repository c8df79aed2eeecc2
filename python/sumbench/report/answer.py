"""The answer first: one plain sentence per kernel, from the data, saying which way of
running it pays and how sure the numbers are. Standard library only: the report puts the
sentences at the top of its page, the sweep and scripts/main.sh print them last
(summary.py --format answer).

The sentence compares every mode at the worker count the verdicts use (the largest count
within the cores that all modes have: post_comparison.pick_common_workers), names each mode in
plain words (a hybrid layout with one thread per rank is MPI, with one rank it is OpenMP),
and marks what is not a plain result:
  unstable     the runner's mark: the repetitions' cv stayed above its threshold
  superlinear  a median speedup above SUPERLINEAR x the workers: faster than ideal, which
               CPU work on p cores cannot be; noise, or another reference
  oversubscribed  more workers than cores: time sharing, not parallel speed
  turns        threads that run one at a time (a real GIL, or the gil mode with a lock, on
               work that holds it: analysis.takes_turns) above SUPERLINEAR x 1: a lock cannot
               give that, so the serial reference ran slower (on a VM, on another vCPU)
Then it recommends: the modes within CLOSE of the best plain result ("use ..."), and the
ones that gain less than GAIN ("... do not speed it up").
"""

from collections import Counter

from .post_comparison import pick_common_workers
from .variants import params_text

SUPERLINEAR = 1.05   # median speedup above 1.05 x the workers: marked, never a plain result
CLOSE = 0.85         # within 15% of the best plain speedup: recommended
GAIN = 1.2           # below 1.2x at 2 or more workers: "does not speed it up"

# Plain words for the modes in a sentence; a mode not named here is "mode (kind)".
PLAIN = {"omp": "OpenMP threads", "mpi": "MPI processes", "hybrid": "MPI×OpenMP",
         "gil": "threads under a GIL-like lock", "cpython-threads": "CPython threads",
         "cpython-processes": "CPython processes"}


def plain_name(cat, point):
    """The mode of `point` in plain words; a hybrid layout that is not one says what it is."""
    mode = point.mode
    word = PLAIN.get(mode) or f"{mode} ({cat.mode(mode).get('kind', 'mode')})"
    if cat.multi_process(mode) and mode != "mpi" and point.threads and point.ranks:
        if point.threads == 1 and mode == "hybrid":
            return f"{PLAIN['mpi']} (hybrid {point.ranks}×1)"
        if point.ranks == 1 and mode == "hybrid":
            return f"{PLAIN['omp']} (hybrid 1×{point.threads})"
        if mode == "hybrid":
            return f"{word} {point.ranks}×{point.threads}"
    if point.interpreter and mode.startswith("cpython"):
        word += f" {point.interpreter}"
    if getattr(point, "params", None):   # a mode's own parameters: "xyz (threads) [grain 4]"
        word += f" [{params_text(point.params, cat)}]"
    return word


def series_label(cat, series):
    """A series' legend label; a hybrid series whose every layout is one thread per rank
    (or one rank) says that it is MPI (or OpenMP)."""
    names = {plain_name(cat, p) for p in series.points}
    if len(names) == 1 and " (hybrid " in next(iter(names)):
        return f"{series.label} = {next(iter(names)).split(' (hybrid')[0]}"
    return series.label


def marks(point):
    """What makes a point no plain result: [(kind, words)], kind unstable, superlinear or
    turns (docs/DESIGN.md, GIL policies: main thread)."""
    out = []
    if point.unstable:
        cv = f": cv {point.cv * 100:.0f}%" if point.cv is not None else ""
        out.append(("unstable", f"unstable{cv}"))
    if point.speedup is not None and point.workers and point.speedup > SUPERLINEAR * point.workers:
        out.append(("superlinear", f"above the ideal {point.workers}×"))
    elif getattr(point, "takes_turns", False) and point.speedup is not None and point.speedup > SUPERLINEAR:
        out.append(("turns", "above the 1× of threads that take turns: the serial reference ran slower"))
    return out


def _kind_label(cat, kernel):
    summary = cat.kernel(kernel).get("summary", "")
    return f"{summary.split(':')[0]} ({kernel})" if ":" in summary else kernel


def _join(words, last="and"):
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _entries(run, series, w):
    """(name, point) per mode at w workers: one per plain name (the mode's own first)."""
    found = {}
    for s in series:
        for p in s.points:
            if p.workers == w and p.speedup is not None:
                name = plain_name(run.cat, p)
                if name not in found or p.mode == s.mode and s.variant == 0:
                    found.setdefault(name, p)
    own = {PLAIN.get(p.mode) for p in found.values()}
    return [(n, p) for n, p in found.items()   # hybrid 2x1 beside mpi at 2 workers: mpi's
            if not (" (hybrid " in n and n.split(" (hybrid ")[0] in own)]


def sentence(run, kernel, scaling, series):
    """The answer for one kernel: a dict with the sentence and its parts, or None."""
    cands = [s for s in series if not run.cat.is_reference(s.mode)]
    w, over = pick_common_workers(run, cands)
    if w is None:   # no count every series has (series over nodes): the one most of them have
        counts = Counter(p.workers for s in cands for p in {q.workers: q for q in s.points
                                                             if q.speedup is not None and q.workers > 1
                                                             and run.within_cores(q)}.values())
        if not counts:
            return None
        w = max(counts, key=lambda c: (counts[c], c))
    entries = _entries(run, cands, w)
    if not entries:
        return None
    entries.sort(key=lambda e: -e[1].speedup)
    plain = [(n, p) for n, p in entries if not marks(p)] or entries
    best = max(p.speedup for _n, p in plain)
    parts, flagged = [], []
    for name, p in entries:
        m = [words for _k, words in marks(p)]
        flagged += [(name, p)] if m else []
        parts.append(f"{name} {p.speedup:.2f}×" + (f" ({'; '.join(m)})" if m else ""))
    use = [n for n, p in plain if p.speedup >= max(CLOSE * best, GAIN)]
    slow = [n for n, p in entries if p.speedup < GAIN]
    fast_marked = [n for n, p in flagged if p.speedup >= GAIN]
    if not use and fast_marked:   # the gains are there, but none is a plain result
        advice = (f"no firm advice: the modes that gain ({_join(fast_marked)}) are not plain results; "
                  "run again with more repetitions or on a quieter machine")
    elif not use:
        advice = f"nothing speeds it up at {w} workers"
    elif len(use) == len(entries):
        advice = "all of them speed it up about equally: any will do"
    else:
        advice = f"use {_join(use, 'or')}" + (f"; {_join(slow)} do not speed it up" if slow else "")
    reps = sorted({p.reps for _n, p in entries})
    rep_text = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]}–{reps[-1]}"
    sure = f"median of {rep_text} repetitions"
    sure += "; all stable" if not flagged else \
        f"; {len(flagged)} of {len(entries)} not a plain result (marked)"
    shaky = [p for s in series if run.cat.is_reference(s.mode) for p in s.points if p.unstable]
    if shaky:   # every speedup is relative to it
        names = [p.mode + (f" (cv {p.cv * 100:.0f}%)" if p.cv is not None else "") for p in shaky]
        sure += (f"; the reference {names[0]} is unstable" if len(names) == 1 else
                 f"; the references {_join(names)} are unstable")
    where = f"{w} workers" + (" (OVERSUBSCRIBED: more workers than cores)" if over else "")
    what = "" if scaling == "strong" else ", weak scaling (scaled speedup)"
    text = (f"{_kind_label(run.cat, kernel)}, {where}{what}: {', '.join(parts)}: {advice} "
            f"({sure}).")
    return {"run": run.label, "kernel": kernel, "scaling": scaling, "workers": w,
            "oversubscribed": over, "text": text, "reference_unstable": bool(shaky),
            "flagged": [{"name": n, "workers": p.workers, "marks": [k for k, _ in marks(p)]}
                        for n, p in flagged]}


def answers(run):
    """One answer per kernel of the run: its strong-scaling group, else its weak one."""
    out = []
    done = set()
    for (kernel, scaling), series in run.groups.items():
        if kernel in done or not run.cat.has_scaling(kernel):
            continue
        a = sentence(run, kernel, scaling, series)
        if a is not None:
            out.append(a)
            done.add(kernel)
    return out
