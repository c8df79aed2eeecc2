"""The code that runs inside the measured interpreter: one JSON spec in, JSON lines out.

Standalone on purpose: the standard library only, no import from the sumbench package,
and nothing newer than what CPython 2.7 and 3.6-3.13 share (no f-strings, no
annotations), so that the same file runs unchanged in every interpreter the baseline
(sumbench/baseline/orchestrate.py) and the fidelity experiment (sumbench/fidelity/) run.

usage:  PYTHON child.py [SPEC]     SPEC: a JSON object; '-' or none: read it from stdin

SPEC keys (all but "experiment" optional):
  experiment       info | calibrate | cpu | convoy | ioconvoy | handoff | point
  threads          cpu: K threads sharing the loop (default 2); convoy, ioconvoy: C CPU
                   threads beside the I/O thread(s) (default 1; 0: the I/O alone);
                   handoff: always 2
  io_threads       ioconvoy: I/O threads, each with its own socketpair (1 or 2; default 1)
  n                cpu, calibrate: iterations of the post's loop (default 2000000)
  waits, wait_s    convoy: the I/O thread's sleeps, time.sleep(wait_s) (200, 0.001)
  duration_s       handoff: how long the two threads ping-pong (default 0.5); ioconvoy: how
                   long each I/O thread runs its operations
  switch_interval_s  3.x: sys.setswitchinterval (default: the interpreter's own, 5 ms)
  check_interval     2.x: sys.setcheckinterval (default: the interpreter's own, 100)
  repetitions      lines to print, one per repetition (default 1)
  point: kernel (sum|sleep|convoy), mode (cpython-serial|-threads|-processes), workers,
         scaling (strong|weak), n_per_worker, max_workers, sleep_ms, and waits for convoy

Each repetition prints one line: {"schema": SCHEMA, "interpreter": {...},
"experiment": ..., "spec": {...}, "repetition": r, "result": {...}}.
  info      start_method: how multiprocessing starts its workers here
  cpu       serial_s: the loop over n in the main thread; one_thread_s: the same loop in
            one threading.Thread (start to join); threads_s: the same n split into K
            contiguous parts run by K threads (first start to last join), in that order,
            paired per repetition. ratio = threads_s / one_thread_s: what K threads cost
            against one thread of the same interpreter, the figure the gil model is judged
            on (sumbench's is gil at K threads over gil at 1). ratio_main = threads_s /
            serial_s: the post's own ratio, against the main thread; on a 2-CPU VM an
            interpreter's worker thread can run the loop faster than its main thread,
            which is no GIL effect (docs/DESIGN.md, GIL policies: CPU denominator)
  convoy    added_s_mean: mean over the waits of (measured wait - wait_s), the I/O
            thread's measurement including re-taking the GIL; also median, p90, max, and
            added_s: every wait's, in run order (the per-wait samples)
  ioconvoy  Beazley's I/O convoy (bpo-7946): each I/O thread does 1-byte ping-pongs over
            its own socketpair (a.send, b.recv: both release the GIL around the syscall)
            for duration_s while C threads spin the post's loop; every byte is checked.
            ops_per_s: the sum over I/O threads of its operations over its time; ops,
            elapsed_s per I/O thread
  handoff   handoffs: times a thread found that the other one ran since its own last
            iteration (a GIL switch between two spinning threads); s_per_handoff
  calibrate s_per_iteration of the loop; on CPython 2, ticks_per_iteration measured
            from the thread state's tick_counter (one per check interval) through
            ctypes, and s_per_tick: what one "bytecode" of sys.setcheckinterval costs
  point     one measurement of the blog post's experiment: n, time_s (first start to
            last join plus the combine), launch_s, combine_bytes, io_latency_s, problems
Every result has "valid". A setting the interpreter does not have (a check interval on
3.x, a switch interval on 2.x) is bad input. Bad input: one line on stderr naming the
value, exit status 2.
"""
from __future__ import division, print_function

import json
import multiprocessing
import platform
import sys
import threading
import time

SCHEMA = "sumbench.gilchild/1"
PY2 = sys.version_info[0] == 2
try:
    rng = xrange  # the post's loop, lazily, on Python 2
except NameError:
    rng = range
clock = getattr(time, "perf_counter", time.time)  # 2.7: gettimeofday, 1 us resolution

EXPERIMENTS = ("info", "calibrate", "cpu", "convoy", "ioconvoy", "handoff", "point")
DEFAULTS = {"threads": None, "io_threads": 1, "n": 2000000, "waits": 200, "wait_s": 0.001, "duration_s": 0.5,
            "switch_interval_s": None, "check_interval": None, "repetitions": 1,
            "kernel": None, "mode": None, "workers": 1, "scaling": "strong", "n_per_worker": 1,
            "max_workers": 1, "sleep_ms": 100.0}
LIMITS = {"threads": (0, 64), "io_threads": (1, 2), "n": (1, 10 ** 10), "waits": (1, 10 ** 6), "repetitions": (1, 1000),
          "check_interval": (1, 10 ** 6), "workers": (1, 4096), "n_per_worker": (1, 10 ** 10),
          "max_workers": (1, 4096)}
FLOAT_LIMITS = {"wait_s": (1e-6, 10.0), "duration_s": (1e-3, 600.0), "switch_interval_s": (1e-6, 10.0),
                "sleep_ms": (1e-3, 6e4)}
CHOICES = {"kernel": (None, "sum", "sleep", "convoy"), "scaling": ("strong", "weak"),
           "mode": (None, "cpython-serial", "cpython-threads", "cpython-processes")}
CHUNK = 2000      # convoy: CPU threads check the stop flag every CHUNK iterations
SLACK_S = 2e-6    # timer noise allowed when checking a sleep lasted its duration


class BadSpec(Exception):
    pass


def heavy_calculation(begin, end):
    """The post's loop: ``for i in range(n): count += i``, on [begin, end)."""
    count = 0
    for i in rng(begin, end):
        count += i
    return count


def start_method():
    if not hasattr(multiprocessing, "get_all_start_methods"):
        return "fork"  # Python 2: fork, the only one
    methods = multiprocessing.get_all_start_methods()
    return "fork" if "fork" in methods else multiprocessing.get_start_method()


def interpreter():
    enabled = getattr(sys, "_is_gil_enabled", None)
    try:
        import sysconfig
        ft_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    except Exception:  # 2.7's sysconfig has no such variable
        ft_build = False
    if callable(enabled) and not enabled():
        gil = "free-threaded"
    else:
        gil = "old" if sys.version_info[:2] < (3, 2) else "new"
    info = {"implementation": platform.python_implementation(), "version": platform.python_version(),
            "version_info": list(sys.version_info[:3]), "executable": sys.executable, "gil": gil,
            "free_threaded_build": ft_build, "compiler": platform.python_compiler()}
    if PY2:
        info["check_interval"] = sys.getcheckinterval()
    else:
        info["switch_interval_s"] = sys.getswitchinterval()
    return info


def check_spec(spec):
    if not isinstance(spec, dict):
        raise BadSpec("the spec must be a JSON object, got %r" % (spec,))
    unknown = sorted(set(spec) - set(DEFAULTS) - set(["experiment"]))
    if unknown:
        raise BadSpec("unknown spec key %r; allowed: experiment, %s" % (unknown[0], ", ".join(sorted(DEFAULTS))))
    if spec.get("experiment") not in EXPERIMENTS:
        raise BadSpec("experiment %r is not one of %s" % (spec.get("experiment"), ", ".join(EXPERIMENTS)))
    out = dict(DEFAULTS)
    out.update(spec)
    for key, (low, high) in LIMITS.items():
        v = out[key]
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high):
            raise BadSpec("%s=%r: allowed are whole numbers from %d to %d" % (key, v, low, high))
    for key, (low, high) in FLOAT_LIMITS.items():
        v = out[key]
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not low <= v <= high):
            raise BadSpec("%s=%r: allowed are numbers from %g to %g" % (key, v, low, high))
    for key, allowed in CHOICES.items():
        if out[key] not in allowed:
            raise BadSpec("%s=%r: allowed are %s" % (key, out[key], ", ".join(a for a in allowed if a)))
    if out["experiment"] == "point" and not (out["kernel"] and out["mode"]):
        raise BadSpec("the point experiment needs a kernel and a mode")
    if out["kernel"] == "convoy" and out["mode"] != "cpython-threads":
        raise BadSpec("mode=%r: the convoy runs in cpython-threads only" % (out["mode"],))
    if out["check_interval"] is not None and not PY2:
        raise BadSpec("check_interval=%r: Python %s has no sys.setcheckinterval; use switch_interval_s"
                      % (out["check_interval"], platform.python_version()))
    if out["switch_interval_s"] is not None and PY2:
        raise BadSpec("switch_interval_s=%r: Python 2 has no sys.setswitchinterval; use check_interval"
                      % (out["switch_interval_s"],))
    if out["threads"] is None:
        out["threads"] = 2 if out["experiment"] in ("cpu", "handoff") else 1
    if out["threads"] == 0 and out["experiment"] not in ("convoy", "ioconvoy"):
        raise BadSpec("threads=0: only the convoy and ioconvoy experiments run with no CPU thread")
    if out["experiment"] == "handoff" and out["threads"] != 2:
        raise BadSpec("threads=%r: the handoff experiment runs exactly 2 threads" % (out["threads"],))
    return out


def apply_interval(spec):
    if PY2 and spec["check_interval"] is not None:
        sys.setcheckinterval(spec["check_interval"])
    if not PY2 and spec["switch_interval_s"] is not None:
        sys.setswitchinterval(spec["switch_interval_s"])


def run_threads(targets):
    """Start one thread per callable, join them all; seconds from first start to last join."""
    threads = [threading.Thread(target=t) for t in targets]
    t0 = clock()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clock() - t0


def cpu_now():
    """The CPU the calling thread last ran on (field 39 of /proc/thread-self/stat, Linux
    3.17+), or None. The main thread and a worker can land on vCPUs of different speed
    (docs/DESIGN.md, GIL policies: main thread), so the cpu experiment notes both."""
    try:
        with open("/proc/thread-self/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[36])
    except (IOError, OSError, IndexError, ValueError):
        return None


def exp_cpu(spec):
    n, k = spec["n"], spec["threads"]
    t0 = clock()
    total = heavy_calculation(0, n)
    serial_s = clock() - t0
    serial_cpu = cpu_now()
    one, one_cpu = [None], [None]

    def alone():
        one[0] = heavy_calculation(0, n)
        one_cpu[0] = cpu_now()

    one_thread_s = run_threads([alone])
    parts = [None] * k

    def part(i):
        begin, end = n * i // k, n * (i + 1) // k
        return lambda: parts.__setitem__(i, heavy_calculation(begin, end))

    threads_s = run_threads([part(i) for i in range(k)])
    valid = total == n * (n - 1) // 2 and one[0] == total and sum(parts) == total
    return {"serial_s": serial_s, "one_thread_s": one_thread_s, "threads_s": threads_s,
            "ratio": threads_s / one_thread_s, "ratio_main": threads_s / serial_s, "valid": valid,
            "serial_cpu": serial_cpu, "one_thread_cpu": one_cpu[0]}


def quantile(sorted_values, q):
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def spin_threads(cpus, stop):
    """C threads spinning the post's loop until stop[0]; started, and all spinning, on return.
    (threads, done, check): check() gives the problems of their counts."""
    ready, ready_lock = [0], threading.Lock()
    done, counts = [0] * cpus, [0] * cpus

    def cpu(i):
        def body():
            with ready_lock:
                ready[0] += 1
            count = 0
            while not stop[0]:
                for j in rng(CHUNK):
                    count += j
                done[i] += CHUNK
            counts[i] = count
        return body

    threads = [threading.Thread(target=cpu(i)) for i in range(cpus)]
    for t in threads:
        t.start()
    while True:
        with ready_lock:
            if ready[0] == cpus:
                break
        time.sleep(0.001)

    def check():
        return ["cpu thread %d: count %d after %d iterations" % (i, counts[i], done[i])
                for i in range(cpus) if counts[i] != (done[i] // CHUNK) * (CHUNK * (CHUNK - 1) // 2)]
    return threads, done, check


def exp_convoy(spec):
    """One I/O thread does `waits` sleeps while C threads spin the post's loop."""
    cpus, waits, wait_s = spec["threads"], spec["waits"], spec["wait_s"]
    stop, added = [False], []

    def io():
        try:
            for _ in rng(waits):
                a = clock()
                time.sleep(wait_s)
                added.append(clock() - a - wait_s)
        finally:
            stop[0] = True

    threads, done, check = spin_threads(cpus, stop)  # every CPU thread spins before the I/O starts
    try:
        wall = run_threads([io])
    finally:
        stop[0] = True
        for t in threads:
            t.join()
    s = sorted(added)
    problems = ["%d of %d waits ran" % (len(added), waits)] if len(added) != waits else []
    short = [a for a in added if a < -SLACK_S]
    if short:
        problems.append("%d waits shorter than %gs (min %.6fs)" % (len(short), wait_s, wait_s + min(short)))
    problems += check()  # each CPU thread's count is the loop's sum over its chunks
    return {"added_s_mean": sum(added) / len(added), "added_s_median": quantile(s, 0.5),
            "added_s_p90": quantile(s, 0.9), "added_s_max": s[-1], "waits": len(added),
            "added_s": [round(a, 7) for a in added],
            "io_wall_s": wall, "cpu_iterations": done, "problems": problems, "valid": not problems}


def exp_ioconvoy(spec):
    """Beazley's I/O convoy (child_io.py, beside this file)."""
    sys.dont_write_bytecode = True
    import child_io
    return child_io.exp_ioconvoy(spec, sys.modules[__name__])


def exp_handoff(spec):
    """Two threads spin; each iteration notes who ran last. A change is a GIL hand-off."""
    state = {"last": -1, "handoffs": 0, "stop": False}
    iterations = [0, 0]

    def spinner(me):
        def body():
            handoffs, its = 0, 0
            while not state["stop"]:
                if state["last"] != me:
                    state["last"] = me
                    handoffs += 1
                its += 1
            state["handoffs"] += handoffs  # the GIL makes this += safe enough: one per thread
            iterations[me] = its
        return body

    threads = [threading.Thread(target=spinner(i)) for i in (0, 1)]
    t0 = clock()
    for t in threads:
        t.start()
    time.sleep(spec["duration_s"])
    state["stop"] = True
    for t in threads:
        t.join()
    wall = clock() - t0
    h = max(state["handoffs"] - 1, 0)  # the first one is the first thread starting
    return {"handoffs": h, "wall_s": wall, "s_per_handoff": wall / h if h else None,
            "iterations": iterations, "valid": all(iterations)}


def exp_calibrate(spec):
    n = spec["n"]
    t0 = clock()
    heavy_calculation(0, n)
    s_per_iteration = (clock() - t0) / n
    out = {"s_per_iteration": s_per_iteration, "ticks_per_iteration": None, "s_per_tick": None,
           "tick_source": None, "valid": s_per_iteration > 0}
    ticks = ticks_per_iteration(n) if PY2 else None
    if ticks:
        out.update(ticks_per_iteration=ticks, s_per_tick=s_per_iteration / ticks,
                   tick_source="PyThreadState.tick_counter (ctypes)")
    return out


def ticks_per_iteration(n):
    """Python 2: eval-loop ticks per iteration of the loop, from tstate->tick_counter.

    CPython 2 resets _Py_Ticker to the check interval N and checks when it drops below
    zero, so tick_counter grows by one per N + 1 ticks (Python/ceval.c). The struct
    mirrors PyThreadState's head in 2.7's Include/pystate.h up to tick_counter. None
    when ctypes is missing or the counter does not move.
    """
    try:
        import ctypes
    except ImportError:
        return None
    P, I = ctypes.c_void_p, ctypes.c_int

    class ThreadStateHead(ctypes.Structure):
        _fields_ = [("next", P), ("interp", P), ("frame", P), ("recursion_depth", I), ("tracing", I),
                    ("use_tracing", I), ("c_profilefunc", P), ("c_tracefunc", P), ("c_profileobj", P),
                    ("c_traceobj", P), ("curexc_type", P), ("curexc_value", P), ("curexc_traceback", P),
                    ("exc_type", P), ("exc_value", P), ("exc_traceback", P), ("dict", P),
                    ("tick_counter", I)]

    get = ctypes.pythonapi.PyThreadState_Get
    get.restype = P
    head = ThreadStateHead.from_address(get())
    before = head.tick_counter
    heavy_calculation(0, n)
    delta = head.tick_counter - before
    return delta * (sys.getcheckinterval() + 1) / n if delta > 0 else None


def exp_point(spec):
    """The blog post's experiment, one point (child_point.py, beside this file)."""
    sys.dont_write_bytecode = True   # no child_point.pyc left in the package (Python 2 puts it beside)
    import child_point
    return child_point.exp_point(spec, sys.modules[__name__])


def main(argv=None):
    argv = sys.argv if argv is None else argv
    if len(argv) > 2:
        sys.stderr.write("usage: %s child.py [SPEC] (a JSON object; - or none: stdin)\n" % sys.executable)
        return 2
    text = sys.stdin.read() if len(argv) < 2 or argv[1] == "-" else argv[1]
    try:
        try:
            spec = json.loads(text)
        except ValueError:
            raise BadSpec("SPEC %r is not JSON" % (text[:80],))
        spec = check_spec(spec)
    except BadSpec as e:
        sys.stderr.write("child.py: bad spec: %s\n" % (e,))
        return 2
    apply_interval(spec)
    info = interpreter()
    run = {"calibrate": exp_calibrate, "cpu": exp_cpu, "convoy": exp_convoy, "ioconvoy": exp_ioconvoy,
           "handoff": exp_handoff,
           "point": exp_point, "info": lambda s: {"start_method": start_method(), "valid": True}}
    for r in range(spec["repetitions"] if spec["experiment"] != "info" else 1):
        line = {"schema": SCHEMA, "interpreter": info, "experiment": spec["experiment"], "spec": spec,
                "repetition": r, "result": run[spec["experiment"]](spec)}
        sys.stdout.write(json.dumps(line, sort_keys=True) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
