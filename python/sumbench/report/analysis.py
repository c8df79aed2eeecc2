"""Group results.csv rows into points and series; speedups and efficiencies.

Standard library only (fits.py holds the numpy part).

Speedup conventions (stated on the page too):
  strong scaling  S = T_serial / T_p at the same n; efficiency E = S / p.
  weak scaling    E = T_serial(n per worker) / T_p; scaled speedup S = p * E.
The serial reference of each mode is its catalogue's reference mode (sumbench's
`serial`; the CPython baseline's `cpython-serial`). When the serial point ran at
another n only (strong scaling), the speedup compares work rates,
(n_p / T_p) / (n_1 / T_1) ("rate-based").
Without any serial point a series falls back to its own 1-worker time
("self-relative"). The page flags both.
"""

import math
from collections import OrderedDict, defaultdict

from ..fidelity import scorecard
from ..schema import PARAMETER_COLUMNS, SPECS
from .variants import default_variant, main_variant, params_text, variant_modes, variant_text
from .nodes import node_groups, node_parts
from .speedup import Speedups
from .stats import median, quantile

class Point(Speedups):
    """All repetitions of one measurement point of one run."""

    def __init__(self, run, key):
        values = dict(zip(PARAMETER_COLUMNS, key))
        self.kernel, self.scaling, self.mode = values["kernel"], values["scaling"], values["mode"]
        self.ranks, self.threads, self.nodes, self.n = (values[c] for c in ("ranks", "threads",
                                                                           "nodes", "n"))
        self.policy, self.interval = values["gil_policy"], values["switch_interval_s"]
        self.check = values["check_interval"]             # Python 2's (legacy's) check interval
        self.interpreter = values["interpreter_version"]  # the CPython baseline's, one per version
        self.gil_kind = values["gil_kind"]                # its GIL: old, new or free-threaded
        # A mode's parameters that results.csv has no column of its own for (the
        # catalogue's, beyond the schema's): (column, value) pairs, the key's last item.
        self.params = dict(key[len(PARAMETER_COLUMNS)])
        self.run = run
        self.key = key   # every parameter column's value (schema.PARAMETER_COLUMNS), then params
        self.workers = (self.ranks or 1) * (self.threads or 1)
        self.source = ""
        self.times = []
        self.items = []
        self.latency = []
        self.oversubscribed = False
        self.unstable = False
        self.invalid = 0
        self.failed = []
        self.point_ids = []
        self.cv = None
        self.cores = None           # of the allocation it ran in: nodes x cores per node
        # set by attach_baselines()
        self.baseline = None
        self.baseline_kind = None   # "serial", "self" or None
        self.baseline_times = []
        self.takes_turns = False    # set by attach_baselines(): its threads run one at a time

    @property
    def layout(self):
        """RxT: ranks x threads per rank (the layout sumbench ran)."""
        return f"{self.ranks or 1}x{self.threads or 1}"

    @property
    def beyond_cores(self):
        """Oversubscribed: its rows say so, or its workers exceed the cores of the
        allocation it ran in (nodes x cores per node, never one node's for several)."""
        return self.oversubscribed or (self.cores is not None and self.workers > self.cores)

    def where(self, nodes=True):
        """The layout and, when asked, the node count: "2x1, 2 nodes"."""
        return f"{self.layout}, {_count(self.nodes, 'node')}" if nodes else self.layout

    # -- spread of the times -------------------------------------------------
    @property
    def reps(self):
        return len(self.times)

    @property
    def median(self):
        return median(self.times) if self.times else None

    @property
    def tmin(self):
        return min(self.times) if self.times else None

    @property
    def tmax(self):
        return max(self.times) if self.times else None

    @property
    def q1(self):
        return quantile(self.times, 0.25) if self.times else None

    @property
    def q3(self):
        return quantile(self.times, 0.75) if self.times else None

    @property
    def throughput(self):
        """Median items per second (the CSV column, else n / time_s)."""
        if self.items:
            return median(self.items)
        if self.times and self.n:
            return median([self.n / t for t in self.times if t > 0])
        return None

    # -- speedup (speedup.Speedups) --------------------------------------------
    @property
    def _timed(self):
        return self

    @property
    def _reference(self):
        return self.baseline

    @property
    def _p(self):
        return self.workers

    def flags(self, baseline=True):
        """Its marks; baseline=False leaves out how the worker curve's speedup was
        taken (for tables whose speedup has another reference)."""
        out = []
        if self.beyond_cores:
            out.append("oversubscribed")
        if self.unstable:
            out.append("unstable")
        if self.invalid:
            out.append(f"{self.invalid} invalid")
        if self.failed:
            out.append("/".join(sorted(set(self.failed))))
        if baseline and self.baseline_kind == "self":
            out.append("self-relative")
        if baseline and self.baseline_kind == "rate":
            out.append("rate-based speedup (serial at other n)")
        return out


def _key(row, variants, default_policy, extra=()):
    """The point of a row: the value of every parameter column (schema.PARAMETER_COLUMNS),
    then the (column, value) pairs of the `extra` columns it has (the catalogue's mode
    parameters beyond them: param_columns), so that rows of two settings never merge,
    in one run or across two; older rows' blanks read as what they ran
    (strong scaling, 1 rank, 1 thread, 1 node, and for the gil mode sumbench's default
    policy). 2 ranks on one node and on two nodes are different points."""
    values = {c: row.get(c) for c in PARAMETER_COLUMNS}
    values.update(scaling=row.get("scaling") or "strong", ranks=row.get("ranks") or 1,
                  threads=row.get("threads") or 1, nodes=row.get("nodes") or 1)
    if row["mode"] in variants:
        values["gil_policy"] = row.get("gil_policy") or default_policy
    for column in ("gil_policy", "interpreter", "interpreter_version", "gil_kind", "fidelity_figure"):
        values[column] = values[column] or ""
    params = tuple((c, row[c]) for c in extra if row.get(c) not in (None, ""))
    return tuple(values[c] for c in PARAMETER_COLUMNS) + (params,)


def extra_columns(cat):
    """The catalogue's mode parameter columns that the schema does not have (results.csv
    carries them after its own, tidy_table.rebuild_results)."""
    return [c for c in cat.param_columns() if c not in SPECS]


def build_points(sweep):
    points = OrderedDict()
    variants = variant_modes(sweep.catalogue)
    default_policy = default_variant(sweep.catalogue)[0]
    extra = extra_columns(sweep.catalogue)
    for row in sweep.rows:
        if row.get("fidelity_figure"):
            continue   # the fidelity experiment's: see tables.fidelity_tables
        key = _key(row, variants, default_policy, extra)
        pt = points.get(key)
        if pt is None:
            pt = points[key] = Point(sweep.label, key)
        pt.source = row.get("source") or pt.source
        if row["point_id"] not in pt.point_ids:
            pt.point_ids.append(row["point_id"])
        planned = sweep.statuses.get(row["point_id"]) or {}
        if row.get("oversubscribed") == 1 or planned.get("oversubscribed"):
            pt.oversubscribed = True   # sumbench's check, or the runner's plan (allocation)
        if row.get("unstable") == 1:
            pt.unstable = True
        if row.get("cv") is not None:
            pt.cv = row["cv"]
        if row["status"] != "ok":
            pt.failed.append(row["status"])
            continue
        if row.get("valid") == 0 or row.get("_invalid"):
            pt.invalid += 1   # failed validation, or not a measurement (schema's rules)
            continue
        if row.get("time_s") is not None:
            pt.times.append(row["time_s"])
        if row.get("items_per_s") is not None:
            pt.items.append(row["items_per_s"])
        if row.get("io_latency_s") is not None:
            pt.latency.append(row["io_latency_s"])
    return list(points.values())


# Kernel kinds (the catalogue's) whose work holds a GIL the whole time, so that threads under
# one run one at a time; an io-bound or latency kernel releases it while it waits.
LOCK_HELD_KINDS = {"cpu-bound", "memory-bound", "combine"}
NO_LOCK = {"", "none", "free-threaded"}   # the gil mode's policy none; a free-threaded CPython


def takes_turns(pt, cat):
    """Whether the point's threads run one at a time: CPython's threads under its GIL (old or
    new), or the gil mode under a locking policy, on a kernel whose work holds the lock."""
    if cat.kernel(pt.kernel).get("kind") not in LOCK_HELD_KINDS or pt.workers < 2:
        return False
    if pt.mode == "cpython-threads":
        return pt.gil_kind not in NO_LOCK
    return pt.mode == "gil" and pt.policy not in NO_LOCK


def attach_baselines(points, cat):
    by_base = defaultdict(list)
    for pt in points:
        pt.takes_turns = takes_turns(pt, cat)
        if cat.is_reference(pt.mode) and pt.median:
            by_base[(pt.kernel, pt.scaling, pt.mode, pt.interpreter)].append(pt)
    for pt in points:
        if not pt.median:
            continue
        cands = by_base.get((pt.kernel, pt.scaling, cat.reference_of(pt.mode), pt.interpreter), [])
        wanted = [pt.n]
        if pt.scaling == "weak" and pt.n and pt.workers > 1 and pt.n % pt.workers == 0:
            wanted.append(pt.n // pt.workers)   # n column holding the total size
        match = None
        for n in wanted:
            found = sorted((c for c in cands if c.n == n), key=lambda c: c.workers)
            if found:
                match = found[0]
                break
        if match is not None:
            pt.baseline, pt.baseline_kind = match.median, "serial"
            pt.baseline_times = match.times
        elif pt.scaling == "strong" and pt.n and any(c.n for c in cands):
            # The serial reference ran at another n (e.g. a kernel whose default n
            # follows the worker count): compare work rates, n / time.
            near = min((c for c in cands if c.n),
                       key=lambda c: (abs(math.log(c.n / pt.n)), c.workers))
            pt.baseline = near.median * pt.n / near.n
            pt.baseline_kind = "rate"
            pt.baseline_times = near.times
    # Fallback: a series' own 1-worker time.
    for pt in points:
        if pt.baseline is not None or not pt.median:
            continue
        for other in points:
            if (other.workers == 1 and other.median and other.mode == pt.mode
                    and other.kernel == pt.kernel and other.scaling == pt.scaling
                    and other.policy == pt.policy and other.interval == pt.interval
                    and other.check == pt.check and other.params == pt.params
                    and other.interpreter == pt.interpreter
                    and (other.n == pt.n or pt.scaling == "weak")):
                pt.baseline, pt.baseline_kind = other.median, "self"
                pt.baseline_times = other.times
                break


class Series:
    def __init__(self, name, mode, points, label=None):
        self.name = name            # short: verdicts and tables ("gil")
        self.label = label or name  # legend ("gil (cpython, 5 ms)")
        self.mode = mode
        self.points = sorted(points, key=lambda p: p.workers)
        self.variant = 0    # index among series of the same mode (style variation)

    @property
    def nodes(self):
        """The node counts of its points, ascending."""
        return sorted({p.nodes for p in self.points})


def _count(n, what):
    return f"{n} {what}{'s' if n != 1 else ''}"


def _newest_first(version):
    return tuple(-int("".join(c for c in part if c.isdigit()) or 0) for part in version.split("."))


def build_series(points, cat):
    """Main curves of one (run, kernel, scaling): one series per mode/variant.

    Modes with variants (gil): only the main (policy, interval) variant; a mode with
    points on several nodes: one series per layout per node (node_parts); modes of
    ranks x threads: one series per rank
    count when several; any mode with two points at one worker count: per n."""
    variants = variant_modes(cat)
    variant = main_variant(points, cat)
    chosen = [p for p in points
              if p.mode not in variants or (p.policy, p.interval, p.check) == variant]
    by_mode = defaultdict(list)
    for p in chosen:
        by_mode[p.mode].append(p)
    series = []
    for mode in sorted(by_mode, key=lambda m: (cat.mode_rank(m), m)):
        pts = by_mode[mode]
        at_workers = defaultdict(set)
        for p in pts:
            at_workers[p.workers].add(p.nodes)
        # Several node counts at one worker count, or any point on several nodes: a
        # series per layout per node (R×T/node), not one per node or rank count.
        split_nodes = any(len(n) > 1 for n in at_workers.values()) or any(p.nodes > 1 for p in pts)
        versions = sorted({p.interpreter for p in pts}, key=_newest_first)  # CPython baseline
        groups = OrderedDict()
        for where, part in node_parts(pts, split_nodes):
            split_ranks = len({p.ranks for p in part}) > 1 and len({p.threads for p in part}) > 1
            for p in sorted(part, key=lambda p: (versions.index(p.interpreter),
                                                 p.ranks if split_ranks else 0, p.n or 0)):
                name = ", ".join([mode] + ([where] if where else []) +
                                 ([_count(p.ranks, "rank")] if split_ranks else []))
                name += f" {p.interpreter}" if len(versions) > 1 else ""
                name += f" ({params_text(p.params, cat)})" if p.params else ""  # one series each
                groups.setdefault(name, []).append(p)
        final = OrderedDict()
        for name, gpts in groups.items():
            if len({p.workers for p in gpts}) < len(gpts):
                for p in gpts:
                    final.setdefault(f"{name}, n={p.n}", []).append(p)
            else:
                final[name] = gpts
        for i, (name, gpts) in enumerate(final.items()):
            label = name
            if mode in variants:
                label = f"{name} ({variant_text(variant)})"
            s = Series(name, mode, gpts, label)
            s.variant = i
            series.append(s)
    return series


class RunAnalysis:
    """Everything the figures and tables need from one sweep."""

    def __init__(self, sweep):
        self.sweep = sweep
        self.cat = sweep.catalogue
        self.label = sweep.label
        self.points = build_points(sweep)
        attach_baselines(self.points, self.cat)
        self.fidelity = scorecard.for_folder(sweep.path, sweep.rows)  # model vs real interpreter
        # The core count is the allocation's: a point on N nodes had N x the cores of
        # one node (a combined Slurm sweep mixes allocations); self.cores is the largest.
        self.cores = sweep.cores()
        self.cores_per_node = sweep.cores_per_node()
        for p in self.points:
            p.cores = p.nodes * self.cores_per_node if self.cores_per_node else self.cores
        self.node_counts = sorted({p.nodes for p in self.points})
        self.groups = OrderedDict()   # (kernel, scaling) -> [Series]
        keys = sorted({(p.kernel, p.scaling) for p in self.points},
                      key=lambda k: (self.cat.kernel_rank(k[0]), k[0], k[1] != "strong"))
        for key in keys:
            if not self.cat.has_scaling(key[0]):
                continue   # measures latency, not scaling: see the GIL figures
            pts = [p for p in self.points if (p.kernel, p.scaling) == key]
            self.groups[key] = build_series(pts, self.cat)
        self.node_groups = node_groups(self)   # (kernel, scaling) -> [NodeSeries]

    @property
    def multi_node(self):
        """Whether any point ran on more than one node (layouts then name the nodes)."""
        return bool(self.node_counts) and self.node_counts[-1] > 1

    def within_cores(self, p):
        return not p.beyond_cores

    def oversub_boundary(self, workers_seen):
        """x where the oversubscribed region starts (between two worker counts)."""
        over = sorted({p.workers for p in self.points if p.beyond_cores})
        below = sorted({p.workers for p in self.points if not p.beyond_cores})
        if self.cores:
            above = [w for w in workers_seen if w > self.cores]
            if not above and not over:
                return None
            nxt = min(above + [w for w in over if w > self.cores] or [self.cores * 2])
            return (self.cores * nxt) ** 0.5
        if over:
            lo = max([w for w in below if w < over[0]] or [over[0] / 2.0])
            return (lo * over[0]) ** 0.5
        return None
