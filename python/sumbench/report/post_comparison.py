"""The blog post's comparison: which kernels and modes it shows, and the bars (one
point per kernel and mode at a worker count that every mode has, the same count the
verdicts use). Computing only; figures.summary_figure draws it."""

from .variants import main_variant


def pick_common_workers(run, series_list):
    """Largest worker count > 1 that every series has (with data), preferring <= cores.

    Returns (workers or None, oversubscribed flag)."""
    sets_ok, sets_all = [], []
    for s in series_list:
        good = [p for p in s.points if p.speedup is not None and p.workers > 1]
        if not good:
            continue
        sets_all.append({p.workers for p in good})
        ok = {p.workers for p in good if run.within_cores(p)}
        if ok:  # a series with oversubscribed points only (mpi 4x1 on 2 cores) has no say here
            sets_ok.append(ok)
    if not sets_all:
        return None, False
    common = set.intersection(*sets_ok) if sets_ok else set()
    if common:
        return max(common), False
    common = set.intersection(*sets_all)
    if common:
        return max(common), True
    return None, False


def summary_modes(cat):
    """[(mode, label)] of the blog post's comparison: sumbench's reference mode and every
    mode that is not a reference, in the catalogue's order."""
    main = cat.doc["reference_mode"]
    return [(m["name"], m["name"] if m["name"] == main else f"{m['kind']} ({m['name']})")
            for m in cat.modes if m["name"] == main or not m.get("reference")]


def summary_kernels(cat):
    """[(kernel, label)] of the comparison: the kernels of the catalogue's summary kinds
    (CPU-bound and I/O-bound; a kind is in unless sumbench's kind table says why not)."""
    out = []
    for name in cat.kernels_of_kind(*cat.summary_kinds()):
        summary = cat.kernel(name).get("summary", "")
        out.append((name, f"{summary.split(':')[0]} ({name})" if ":" in summary else name))
    return out


def summary_data(run):
    """Bars for the blog-post comparison: {kernel: {mode: Point}}, workers, note."""
    kernels = [(k, label) for k, label in summary_kernels(run.cat)
               if run.groups.get((k, "strong")) or run.groups.get((k, "weak"))]
    if not kernels:
        return None
    scaling = "strong" if any(run.groups.get((k, "strong")) for k, _ in kernels) else "weak"
    modes = dict(summary_modes(run.cat))
    selected = {}
    for k, _ in kernels:
        for s in run.groups.get((k, scaling), []):
            if s.mode in modes and s.variant == 0:
                selected[(k, s.mode)] = s
    movers = [s for (k, m), s in selected.items() if not run.cat.is_reference(m)]
    w, over = pick_common_workers(run, movers)
    bars = {}
    for (k, mode), s in selected.items():
        if run.cat.is_reference(mode):
            pt = next((p for p in s.points if p.workers == 1 and p.speedup), None)
        elif w is not None:
            pt = next((p for p in s.points if p.workers == w and p.speedup), None)
        else:
            good = [p for p in s.points if p.speedup and p.workers > 1]
            pt = ([p for p in good if run.within_cores(p)] or good or [None])[-1]
        if pt is not None:
            bars[(k, mode)] = pt
    if not bars:
        return None
    return {"kernels": kernels, "modes": list(modes.items()), "scaling": scaling, "workers": w,
            "oversubscribed": over, "bars": bars, "variant": main_variant(run.points, run.cat)}
