"""The CPython baseline's measured code: it runs inside the interpreter being measured.

Standalone on purpose: only the standard library, no import from the sumbench package,
and Python 3.6+ syntax, so that any CPython can run it (and a Python 2.7 version can
replace it). The orchestrator (baseline/orchestrate.py, on the python3 that runs
runners/cpython_baseline.py) runs ``INTERPRETER child.py`` once per request, writes one
JSON request on its stdin and reads one JSON answer from its stdout:

  {"action": "info"}
      -> {"interpreter": {...}, "start_method": "fork"}
  {"action": "calibrate", "target_s": 0.3}
      -> {"n": elements of the sum loop that one thread runs in about target_s}
  {"action": "point", "kernel": "sum|sleep|convoy", "mode": "cpython-serial|-threads|-processes",
   "workers": W, "scaling": "strong|weak", "n_per_worker": N, "max_workers": M,
   "sleep_ms": S, "io_waits": K, "interval_s": I or null, "repetitions": R}
      -> {"repetitions": [{"repetition", "n", "time_s", "launch_s", "combine_bytes",
                           "io_latency_s", "problems": [...], "detail": {...}}, ...]}

Kernels: sum is the post's heavy_calculation (``count += i``), checked against
n(n-1)/2; sleep is time.sleep(sleep_ms) per task, checked to last its duration; convoy
is one I/O thread doing K waits of 1 ms while W-1 threads run the sum loop, at switch
interval I. time_s spans the first start() to the last join() plus the combine, as in
the post; launch_s is how long after the first start() the last worker began.
"""

import json
import multiprocessing
import pickle
import platform
import sys
import threading
import time

IO_WAIT_S = 0.001           # one convoy wait: time.sleep(0.001)
CONVOY_CHUNK = 2000         # convoy CPU threads check the stop flag every CHUNK elements
SLEEP_SLACK_S = 1e-6        # float noise allowed when checking a sleep lasted its duration


def interpreter_info():
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "executable": sys.executable,
        "build": list(platform.python_build()),
        "compiler": platform.python_compiler(),
        "gil_enabled": bool(gil()) if callable(gil) else True,
        "default_switch_interval_s": sys.getswitchinterval(),
    }


def start_method():
    methods = multiprocessing.get_all_start_methods()
    return "fork" if "fork" in methods else multiprocessing.get_start_method()


def heavy_calculation(begin, end):
    """The post's heavy_calculation on [begin, end): ``count += i``."""
    count = 0
    for i in range(begin, end):
        count += i
    return count


def sum_task(begin, end):
    start = time.perf_counter()
    count = heavy_calculation(begin, end)
    return start, count, time.perf_counter()


def sleep_task(tasks, sleep_s):
    """Run `tasks` sleeps one after the other; the measured duration of each."""
    start = time.perf_counter()
    durations = []
    for _ in range(tasks):
        a = time.perf_counter()
        time.sleep(sleep_s)
        durations.append(time.perf_counter() - a)
    return start, durations, time.perf_counter()


TASKS = {"sum": sum_task, "sleep": sleep_task}


def process_entry(queue, index, kernel, args):
    """A worker process: run the task and send (index, start, payload, end, error)."""
    try:
        start, payload, end = TASKS[kernel](*args)
        queue.put((index, start, payload, end, ""))
    except BaseException as e:  # report, never hang the parent
        queue.put((index, time.perf_counter(), None, time.perf_counter(), repr(e)))


def partition(n, parts, index):
    """[begin, end) of part `index` of `parts` over [0, n); like kernels/kernel.hpp."""
    base, extra = divmod(n, parts)
    begin = index * base + min(index, extra)
    return begin, begin + base + (1 if index < extra else 0)


def calibrate_n(target_s):
    """Elements of heavy_calculation that one thread runs in about `target_s`."""
    probe = 100000
    while True:
        t = time.perf_counter()
        heavy_calculation(0, probe)
        elapsed = time.perf_counter() - t
        if elapsed >= 0.05 or probe >= 1 << 30:
            break
        probe *= 2
    # Best of three at the final probe size: a busy machine only makes a run slower.
    for _ in range(2):
        t = time.perf_counter()
        heavy_calculation(0, probe)
        elapsed = min(elapsed, time.perf_counter() - t)
    n = target_s * probe / max(elapsed, 1e-9)
    digits = 10 ** max(0, len(str(int(max(n, 1)))) - 2)  # two significant digits
    return max(1000, int(round(n / digits)) * digits)


def _collect(queue, procs, w, errors):
    """Results sent by w worker processes, stopping early if they all died."""
    results, combine_bytes, received = [None] * w, 0, 0
    while received < w:
        try:
            msg = queue.get(timeout=0.5)
        except Exception:  # queue.Empty: check that somebody is still alive to send
            if any(p.is_alive() for p in procs):
                continue
            try:
                msg = queue.get(timeout=1.0)
            except Exception:
                errors.append("%d worker process(es) died without a result (exit codes %s)"
                              % (w - received, [p.exitcode for p in procs]))
                break
        index, start, payload, end, err = msg
        combine_bytes += len(pickle.dumps(msg))
        if err:
            errors.append("worker %d: %s" % (index, err))
        else:
            results[index] = (start, payload, end)
        received += 1
    return results, combine_bytes


def run_workers(mode, kernel, tasks, mp_ctx):
    """Run one task per worker in `mode`; timing and the per-worker results."""
    w = len(tasks)
    results, errors, combine_bytes = [None] * w, [], 0
    t0 = time.perf_counter()
    if mode == "cpython-serial":
        for i, args in enumerate(tasks):
            results[i] = TASKS[kernel](*args)
    elif mode == "cpython-threads":
        def target(i, args):
            try:
                results[i] = TASKS[kernel](*args)
            except BaseException as e:
                errors.append("worker %d: %r" % (i, e))
        threads = [threading.Thread(target=target, args=(i, args), name="cpython-worker-%d" % i)
                   for i, args in enumerate(tasks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elif mode == "cpython-processes":
        queue = mp_ctx.Queue()
        procs = [mp_ctx.Process(target=process_entry, args=(queue, i, kernel, args))
                 for i, args in enumerate(tasks)]
        for p in procs:
            p.start()
        results, combine_bytes = _collect(queue, procs, w, errors)
        for p in procs:
            p.join()
            if p.exitcode != 0:
                errors.append("worker process exit code %s" % p.exitcode)
        queue.close()
        queue.join_thread()
    else:
        raise ValueError(mode)
    tc = time.perf_counter()
    done = [r for r in results if r is not None]
    combined = sum(r[1] for r in done) if kernel == "sum" else [d for r in done for d in r[1]]
    t1 = time.perf_counter()
    starts = [r[0] for r in done]
    return {"time_s": t1 - t0, "launch_s": (max(starts) - t0) if starts else None,
            "combine_s": t1 - tc, "combine_bytes": combine_bytes, "combined": combined,
            "worker_s": [r[2] - r[0] for r in done], "workers_done": len(done), "errors": errors}


def run_convoy(cpu_threads, waits, interval_s):
    """One I/O thread does `waits` 1 ms sleeps while `cpu_threads` threads run sum."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval_s)
    stop, errors, io_result = [False], [], {}
    cpu_results = [None] * cpu_threads
    try:
        barrier = threading.Barrier(cpu_threads + 1)

        def cpu(idx):
            try:
                barrier.wait()
                count, done = 0, 0
                while not stop[0]:
                    for i in range(done, done + CONVOY_CHUNK):
                        count += i
                    done += CONVOY_CHUNK
                cpu_results[idx] = (done, count)
            except BaseException as e:
                stop[0] = True
                errors.append("cpu thread %d: %r" % (idx, e))

        def io_thread():
            try:
                barrier.wait()
                lat = []
                t0 = time.perf_counter()
                for _ in range(waits):
                    a = time.perf_counter()
                    time.sleep(IO_WAIT_S)
                    lat.append(time.perf_counter() - a)
                io_result.update(t0=t0, t1=time.perf_counter(), waits=lat)
            except BaseException as e:
                errors.append("io thread: %r" % (e,))
            finally:
                stop[0] = True

        threads = [threading.Thread(target=cpu, args=(i,), name="cpython-cpu-%d" % i)
                   for i in range(cpu_threads)]
        threads.append(threading.Thread(target=io_thread, name="cpython-io"))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        actual = sys.getswitchinterval()
    finally:
        sys.setswitchinterval(old)
    lat = io_result.get("waits", [])
    problems = list(errors)
    if len(lat) != waits:
        problems.append("%d of %d waits ran" % (len(lat), waits))
    short = [d for d in lat if d < IO_WAIT_S - SLEEP_SLACK_S]
    if short:
        problems.append("%d waits shorter than %ss (min %.6fs)" % (len(short), IO_WAIT_S, min(short)))
    cpu_elements = 0
    for idx, r in enumerate(cpu_results):
        if r is None:
            problems.append("cpu thread %d gave no result" % idx)
            continue
        done, count = r
        cpu_elements += done
        if count != done * (done - 1) // 2:
            problems.append("cpu thread %d: sum of range(%d) = %d, expected %d"
                            % (idx, done, count, done * (done - 1) // 2))
    return {"time_s": (io_result["t1"] - io_result["t0"]) if "t1" in io_result else None,
            "io_latency_s": (sum(d - IO_WAIT_S for d in lat) / len(lat)) if lat else None,
            "io_latency_max_s": (max(lat) - IO_WAIT_S) if lat else None,
            "cpu_elements": cpu_elements, "switch_interval_s": actual, "problems": problems}


def _tasks(spec):
    """(tasks per worker, n, check(result) -> problems) of a sum or sleep point."""
    kernel, w, strong = spec["kernel"], spec["workers"], spec["scaling"] == "strong"
    if kernel == "sum":
        n1 = spec["n_per_worker"]
        n = n1 if strong else n1 * w
        tasks = [partition(n, w, i) for i in range(w)] if strong else [(0, n1)] * w
        expected = n * (n - 1) // 2 if strong else w * (n1 * (n1 - 1) // 2)
        return tasks, n, lambda total: [] if total == expected else \
            ["sum %d != expected %d" % (total, expected)]
    sleep_s = spec["sleep_ms"] / 1000.0
    n = spec["max_workers"] if strong else w
    tasks = [(partition(n, w, i)[1] - partition(n, w, i)[0], sleep_s) for i in range(w)]

    def check(durations):
        problems = [] if len(durations) == n else ["%d of %d sleep tasks ran" % (len(durations), n)]
        short = [d for d in durations if d < sleep_s - SLEEP_SLACK_S]
        if short:
            problems.append("%d sleep tasks shorter than %ss (min %.6fs)" % (len(short), sleep_s, min(short)))
        return problems
    return tasks, n, check


def measure(spec):
    """Every repetition of one point."""
    reps = []
    mp_ctx = multiprocessing.get_context(start_method())
    for rep in range(spec["repetitions"]):
        if spec["kernel"] == "convoy":
            r = run_convoy(spec["workers"] - 1, spec["io_waits"], spec["interval_s"])
            reps.append({"repetition": rep, "n": spec["io_waits"], "time_s": r["time_s"],
                         "launch_s": None, "combine_bytes": 0, "io_latency_s": r["io_latency_s"],
                         "problems": r["problems"],
                         "detail": {k: r[k] for k in ("io_latency_max_s", "cpu_elements", "switch_interval_s")}})
            continue
        tasks, n, check = _tasks(spec)
        r = run_workers(spec["mode"], spec["kernel"], tasks, mp_ctx)
        problems = list(r["errors"])
        if r["workers_done"] != spec["workers"]:
            problems.append("%d of %d workers returned a result" % (r["workers_done"], spec["workers"]))
        problems += check(r["combined"])
        reps.append({"repetition": rep, "n": n, "time_s": r["time_s"], "launch_s": r["launch_s"],
                     "combine_bytes": r["combine_bytes"], "io_latency_s": None, "problems": problems,
                     "detail": {k: r[k] for k in ("combine_s", "worker_s")}})
    return {"repetitions": reps}


def main():
    request = json.loads(sys.stdin.read())
    action = request.get("action")
    if action == "info":
        answer = {"interpreter": interpreter_info(), "start_method": start_method()}
    elif action == "calibrate":
        answer = {"n": calibrate_n(request["target_s"])}
    elif action == "point":
        answer = measure(request)
    else:
        raise SystemExit("child.py: unknown action %r" % (action,))
    sys.stdout.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
