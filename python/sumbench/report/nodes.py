"""Nodes as a scaling dimension: time, speedup and efficiency against the node count at
a fixed layout per node (R ranks x T threads on every node), from the points of one
run. Computing only; node_figures.py draws it and tables.py tabulates it.

A node series holds the points of one mode whose ranks spread evenly over their nodes,
with the same ranks per node, threads per rank, lock variant and problem size per
the scaling (strong: the same total n; weak: the same n per worker), at two or more
node counts. Its reference is its point on the fewest nodes (normally 1), so:
  strong  S = T(N0) / T(N),                E = S / (N / N0)
  weak    E = T(N0) / T(N),  scaled speedup S = (N / N0) * E
which are the worker curves' definitions with p = N / N0 and the one-node layout as
the serial run. Standard library only.
"""

from collections import OrderedDict, defaultdict

from .speedup import Speedups


def node_parts(pts, split):
    """[(name, points)] of one mode: all its points; or, when one worker count ran on
    several node counts (a sweep over nodes), one part per layout per node, "RxT/node"
    as the node curves name it, so that 64 node counts make a few series, not 64; points
    whose ranks do not spread evenly over their nodes keep one part per node count."""
    if not split:
        return [("", pts)]
    parts = {}
    for p in pts:
        even = p.ranks % p.nodes == 0
        key = (0, p.ranks // p.nodes, p.threads) if even else (1, p.nodes, 0)
        name = f"{p.ranks // p.nodes}x{p.threads}/node" if even else f"{p.nodes} node{'s' if p.nodes != 1 else ''}"
        parts.setdefault(key, (name, []))[1].append(p)
    return [parts[k] for k in sorted(parts, key=lambda k: (k[0], -k[1] * k[2], k[1]))]


class NodeStep(Speedups):
    """One point of a node series, against the series' reference point."""

    def __init__(self, point, base, scaling):
        self.point = point
        self.base = base
        self.scaling = scaling

    @property
    def nodes(self):
        return self.point.nodes

    @property
    def ratio(self):
        """p of the node curve: nodes over the reference's nodes."""
        return self.point.nodes / self.base.nodes

    # -- speedup (speedup.Speedups) --------------------------------------------
    @property
    def _timed(self):
        return self.point

    @property
    def _reference(self):
        return self.base.median or None

    @property
    def _p(self):
        return self.ratio


class NodeSeries:
    def __init__(self, mode, ranks_per_node, threads, steps, label_extra=""):
        self.mode = mode
        self.ranks_per_node = ranks_per_node
        self.threads = threads
        self.steps = sorted(steps, key=lambda s: s.nodes)
        self.name = f"{mode} {ranks_per_node}x{threads}/node{label_extra}"
        self.label = self.name
        self.variant = 0      # index among series of the same mode (style variation)

    @property
    def base(self):
        return self.steps[0].base

    @property
    def points(self):
        return [s.point for s in self.steps]


def ranks_per_node(point):
    """Ranks on each node when they spread evenly over the point's nodes, else None."""
    ranks, nodes = point.ranks or 1, point.nodes or 1
    return ranks // nodes if ranks % nodes == 0 else None


def _size_key(point):
    """What must match along a node curve: the total n (strong) or n per worker (weak)."""
    if point.n is None:
        return None
    if point.scaling == "weak":
        return point.n / point.workers
    return point.n


def build_node_series(series_list, scaling):
    """Node series of one (kernel, scaling) from the points of its worker series (so the
    same lock variant is drawn); only those with two or more node counts."""
    groups = defaultdict(list)
    for s in series_list:
        for p in s.points:
            rpn = ranks_per_node(p)
            if rpn is None or not p.median:
                continue
            groups[(s.mode, rpn, p.threads or 1, _size_key(p))].append(p)
    sizes = defaultdict(set)
    for mode, rpn, threads, size in groups:
        sizes[(mode, rpn, threads)].add(size)
    out = []
    for (mode, rpn, threads, size), pts in groups.items():
        by_nodes = OrderedDict()
        for p in sorted(pts, key=lambda p: (p.nodes, -p.reps)):
            by_nodes.setdefault(p.nodes, p)   # the one with most repetitions
        if len(by_nodes) < 2:
            continue
        chosen = list(by_nodes.values())
        base = chosen[0]
        extra = ""
        if len(sizes[(mode, rpn, threads)]) > 1 and size is not None:
            extra = f" n={base.n}" if scaling == "strong" else f" n/worker={size:g}"
        out.append(NodeSeries(mode, rpn, threads,
                              [NodeStep(p, base, scaling) for p in chosen], extra))
    out.sort(key=lambda s: (s.mode, s.ranks_per_node, s.threads, s.name))
    counts = defaultdict(int)
    for s in out:
        s.variant = counts[s.mode]
        counts[s.mode] += 1
    return out


def node_groups(run):
    """(kernel, scaling) -> [NodeSeries] of a RunAnalysis, only where there are some."""
    found = OrderedDict()
    for (kernel, scaling), series in run.groups.items():
        movers = [s for s in series if not run.cat.is_reference(s.mode)]
        node_series = build_node_series(movers, scaling)
        if node_series:
            found[(kernel, scaling)] = node_series
    return found


def node_verdicts(run, groups):
    """One line per (kernel, scaling) with node series: each series' speedup and
    efficiency from its fewest to its most nodes, naming the layout per node."""
    lines = []
    for (kernel, scaling), series in groups.items():
        what = "speedup" if scaling == "strong" else "scaled speedup"
        parts = []
        for s in series:
            last = s.steps[-1]
            if last.speedup is None:
                continue
            mark = "" if run.within_cores(last.point) else ", oversubscribed"
            parts.append(f"{s.name} {last.speedup:.2f}× from {s.base.nodes} to {last.nodes} "
                         f"nodes ({last.efficiency:.0%} efficiency{mark})")
        if parts:
            lines.append((kernel, scaling, f"{kernel} ({scaling} scaling, {what} over nodes "
                                            f"at a fixed layout per node): " + ", ".join(parts)))
    return lines


def node_rows(run, groups):
    """Rows of tables/nodes.csv: every step of every node series."""
    from . import fits
    rows = []
    for (kernel, scaling), series in groups.items():
        for s in series:
            for st in s.steps:
                p = st.point
                rows.append({
                    "run": run.label, "kernel": kernel, "scaling": scaling, "series": s.name,
                    "mode": s.mode, "ranks_per_node": s.ranks_per_node, "threads": s.threads,
                    "nodes": p.nodes, "ranks": p.ranks, "workers": p.workers, "n": p.n,
                    "reps": p.reps, "median_s": p.median, "min_s": p.tmin, "max_s": p.tmax,
                    "base_nodes": s.base.nodes, "speedup": st.speedup,
                    "efficiency": st.efficiency,
                    "e": fits.karp_flatt(st.speedup, st.ratio) if st.ratio > 1 and st.speedup
                    else None,
                    "oversubscribed": 0 if run.within_cores(p) else 1,
                    "flags": ", ".join(p.flags(baseline=False))})
    return rows
