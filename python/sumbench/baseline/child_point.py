"""The blog post's experiment inside the measured interpreter: one point of sum or sleep
tasks in the main thread, in threading.Threads or in multiprocessing.Processes, or one
convoy point. Imported by child.py (beside it) for its "point" experiment; standalone
like it (standard library only, Python 2.7 and 3.6+). `lib` is the child module: its
loop, clock and thread runner are the ones every other experiment uses.

Kernels: sum is the post's heavy_calculation (``count += i``), checked against
n(n-1)/2; sleep is time.sleep(sleep_ms) per task, checked to last its duration; convoy
is one I/O thread doing `waits` sleeps of 1 ms while workers - 1 threads run the loop.
time_s spans the first start() to the last join() plus the combine, as in the post;
launch_s is how long after the first start() the last worker began.
"""
from __future__ import division, print_function

import multiprocessing
import pickle
import sys
import time

# The child module (child.py), set by exp_point; a spawned worker process (no fork)
# finds it as multiprocessing's __mp_main__.
LIB = None


def lib():
    return LIB or sys.modules["__mp_main__"]


def partition(n, parts, index):
    """[begin, end) of part `index` of `parts` over [0, n); like kernels/kernel.hpp."""
    base, extra = divmod(n, parts)
    begin = index * base + min(index, extra)
    return begin, begin + base + (1 if index < extra else 0)


def sum_task(begin, end):
    clock = lib().clock
    start = clock()
    count = lib().heavy_calculation(begin, end)
    return start, count, clock()


def sleep_task(tasks, sleep_s):
    """Run `tasks` sleeps one after the other; the measured duration of each."""
    clock = lib().clock
    start, durations = clock(), []
    for _ in range(tasks):
        a = clock()
        time.sleep(sleep_s)
        durations.append(clock() - a)
    return start, durations, clock()


TASKS = {"sum": sum_task, "sleep": sleep_task}


def process_entry(queue, index, kernel, args):
    """A worker process: run the task and send (index, start, payload, end, error)."""
    try:
        start, payload, end = TASKS[kernel](*args)
        queue.put((index, start, payload, end, ""))
    except BaseException as e:  # report, never hang the parent
        queue.put((index, time.time(), None, time.time(), repr(e)))


def in_processes(kernel, tasks, results, errors):
    """One multiprocessing.Process per task; the bytes their results took to come back."""
    ctx = multiprocessing.get_context(lib().start_method()) if hasattr(multiprocessing, "get_context") \
        else multiprocessing
    queue = ctx.Queue()
    procs = [ctx.Process(target=process_entry, args=(queue, i, kernel, args)) for i, args in enumerate(tasks)]
    for p in procs:
        p.start()
    combine_bytes, received = 0, 0
    while received < len(tasks):
        try:
            msg = queue.get(timeout=0.5)
        except Exception:  # Empty: is somebody still alive to send?
            if any(p.is_alive() for p in procs):
                continue
            try:
                msg = queue.get(timeout=1.0)
            except Exception:
                errors.append("%d worker process(es) died without a result (exit codes %s)"
                              % (len(tasks) - received, [p.exitcode for p in procs]))
                break
        combine_bytes += len(pickle.dumps(msg))
        if msg[4]:
            errors.append("worker %d: %s" % (msg[0], msg[4]))
        else:
            results[msg[0]] = msg[1:4]
        received += 1
    for p in procs:
        p.join()
        if p.exitcode != 0:
            errors.append("worker process exit code %s" % p.exitcode)
    queue.close()
    queue.join_thread()
    return combine_bytes


def exp_point(spec, child):
    """One repetition of one point (child.py's docstring has the result's keys)."""
    global LIB
    LIB = child
    clock = child.clock
    kernel, mode, w = spec["kernel"], spec["mode"], spec["workers"]
    if kernel == "convoy":  # one I/O thread beside workers - 1 CPU threads (1 worker: alone)
        r = child.exp_convoy(dict(spec, threads=w - 1))
        return {"n": spec["waits"], "time_s": r["io_wall_s"], "launch_s": None, "combine_bytes": 0,
                "io_latency_s": r["added_s_mean"], "problems": r["problems"], "valid": r["valid"],
                "detail": {"io_latency_max_s": r["added_s_max"], "cpu_iterations": r["cpu_iterations"]}}
    strong, n1 = spec["scaling"] == "strong", spec["n_per_worker"]
    if kernel == "sum":
        n = n1 if strong else n1 * w
        tasks = [partition(n, w, i) for i in range(w)] if strong else [(0, n1)] * w
        expected = n * (n - 1) // 2 if strong else w * (n1 * (n1 - 1) // 2)
    else:
        sleep_s = spec["sleep_ms"] / 1000.0
        n = spec["max_workers"] if strong else w
        tasks = [(partition(n, w, i)[1] - partition(n, w, i)[0], sleep_s) for i in range(w)]
    results, errors, combine_bytes = [None] * w, [], 0
    t0 = clock()
    if mode == "cpython-serial":
        for i, args in enumerate(tasks):
            results[i] = TASKS[kernel](*args)
    elif mode == "cpython-threads":
        def target(i, args):
            def body():
                try:
                    results[i] = TASKS[kernel](*args)
                except BaseException as e:
                    errors.append("worker %d: %r" % (i, e))
            return body
        child.run_threads([target(i, args) for i, args in enumerate(tasks)])
    else:
        combine_bytes = in_processes(kernel, tasks, results, errors)
    tc = clock()
    done = [r for r in results if r is not None]
    combined = sum(r[1] for r in done) if kernel == "sum" else [d for r in done for d in r[1]]
    t1 = clock()
    problems = errors + (["%d of %d workers returned a result" % (len(done), w)] if len(done) != w else [])
    if kernel == "sum" and combined != expected:
        problems.append("sum %d != expected %d" % (combined, expected))
    if kernel == "sleep":
        if len(combined) != n:
            problems.append("%d of %d sleep tasks ran" % (len(combined), n))
        short = [d for d in combined if d < sleep_s - child.SLACK_S]
        if short:
            problems.append("%d sleep tasks shorter than %ss (min %.6fs)" % (len(short), sleep_s, min(short)))
    return {"n": n, "time_s": t1 - t0, "launch_s": (max(r[0] for r in done) - t0) if done else None,
            "combine_bytes": combine_bytes, "io_latency_s": None, "problems": problems, "valid": not problems,
            "detail": {"combine_s": t1 - tc, "worker_s": [r[2] - r[0] for r in done]}}
