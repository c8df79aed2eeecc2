"""Why does the post's loop run slower in an interpreter's main thread than in a
threading.Thread on the 2-core guest (docs/DESIGN.md, GIL policies: main thread)? Standalone, the
standard library only, any CPython 2.7 or 3.x:

    PYTHON bench/fidelity/main_thread.py [N] [ROUNDS]      (defaults 10300000 and 7)

Each round runs the loop over N once in each variant, in a rotating order, in this one
process, and the script prints each variant's median time and its ratio to the plain
worker thread's, one line each:
  thread            a threading.Thread (the reference)
  main              the main thread (the post's serial loop)
  main, depth D     the main thread with its C stack D nested calls deeper (map() calling
                    back into Python: each call is a new C frame of the eval loop), to move
                    the loop's stack addresses: a time that changes with D points at
                    address aliasing (4 KiB or cache-set) between the stack and the heap
  main, signals blocked   every signal blocked for the loop (pthread_sigmask, 3.3+): only
                    the main thread handles signals; no change rules out their checks
  thread, 8 MiB stack     a thread with the main thread's default stack size
  main on cpu C, thread on cpu C   the same loops with the thread pinned to CPU C (3.3+):
                    each CPU's own speed; main and thread alike on one CPU point at
                    placement (which CPU each ran on), not at the interpreter
After each time, the CPU the loop ended on (/proc/thread-self/stat) is noted: every line
says on which CPUs its runs ended, and how many on each.
Run it unpinned, under taskset -c 0 and -c 1, and under perf stat -e
task-clock,context-switches,cpu-migrations,page-faults (software events work on the guest):
bench/fidelity/main_thread.sh does all four for every interpreter given.
"""
from __future__ import division, print_function

import os
import signal
import sys
import threading
import time

clock = getattr(time, "perf_counter", time.time)
try:
    rng = xrange
except NameError:
    rng = range


def loop(n):
    count = 0
    for i in rng(n):
        count += i
    return count


CPUS = {}  # variant name -> the CPU each of its runs ended on


def cpu():
    """The CPU this thread last ran on: field 39 of /proc/thread-self/stat (Linux), or None."""
    try:
        with open("/proc/thread-self/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[36])
    except (IOError, OSError, IndexError, ValueError):
        return None


def timed(n):
    t0 = clock()
    loop(n)
    t = clock() - t0
    CPUS.setdefault(CURRENT[0], []).append(cpu())
    return t


CURRENT = [None]


def in_thread(n, stack=0):
    out = [None]
    if stack:
        threading.stack_size(stack)
    t = threading.Thread(target=lambda: out.__setitem__(0, timed(n)))
    t.start()
    t.join()
    if stack:
        threading.stack_size(0)
    return out[0]


def at_depth(n, depth):
    if depth == 0:
        return timed(n)
    return list(map(lambda _: at_depth(n, depth - 1), [0]))[0]


def signals_blocked(n):
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        return None
    valid = signal.valid_signals() if hasattr(signal, "valid_signals") else set(range(1, 32))
    old = mask(signal.SIG_BLOCK, set(valid) - {signal.SIGKILL, signal.SIGSTOP})
    try:
        return timed(n)
    finally:
        mask(signal.SIG_SETMASK, old)


def pinned(cpu_id, run):
    """run() with this thread (and threads it starts) allowed only on CPU cpu_id."""
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu_id})
    try:
        return run()
    finally:
        os.sched_setaffinity(0, old)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10300000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    variants = [("thread", lambda: in_thread(n)), ("main", lambda: timed(n))]
    variants += [("main, depth %d" % d, (lambda d: lambda: at_depth(n, d))(d)) for d in (1, 2, 4, 8, 16, 32)]
    variants += [("main, signals blocked", lambda: signals_blocked(n)),
                 ("thread, 8 MiB stack", lambda: in_thread(n, 8 << 20))]
    if hasattr(os, "sched_setaffinity"):  # 3.3+: each CPU's own speed, main and thread alike
        for c in sorted(os.sched_getaffinity(0)):
            variants += [("main on cpu %d" % c, (lambda c: lambda: pinned(c, lambda: timed(n)))(c)),
                         ("thread on cpu %d" % c, (lambda c: lambda: pinned(c, lambda: in_thread(n)))(c))]
    times = dict((name, []) for name, _ in variants)
    for r in range(rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for name, run in order:
            CURRENT[0] = name
            t = run()
            if t is not None:
                times[name].append(t)
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    ref = med(times["thread"])
    print("python %s, n=%d, %d rounds" % (sys.version.split()[0], n, rounds))
    for name, _ in variants:
        if times[name]:
            ran = CPUS.get(name, [])
            on = " ".join("%s:%d" % (c, ran.count(c)) for c in sorted(set(ran), key=str))
            print("%-24s %.4f s  x%.3f of the thread   cpu (runs) %s" % (name, med(times[name]), med(times[name]) / ref, on))


if __name__ == "__main__":
    main()
