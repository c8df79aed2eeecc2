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
Run it unpinned, under taskset -c 0 and -c 1, and under perf stat -e
task-clock,context-switches,cpu-migrations,page-faults (software events work on the guest):
bench/fidelity/main_thread.sh does all four for every interpreter given.
"""
from __future__ import division, print_function

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


def timed(n):
    t0 = clock()
    loop(n)
    return clock() - t0


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


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10300000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    variants = [("thread", lambda: in_thread(n)), ("main", lambda: timed(n))]
    variants += [("main, depth %d" % d, (lambda d: lambda: at_depth(n, d))(d)) for d in (1, 2, 4, 8, 16, 32)]
    variants += [("main, signals blocked", lambda: signals_blocked(n)),
                 ("thread, 8 MiB stack", lambda: in_thread(n, 8 << 20))]
    times = dict((name, []) for name, _ in variants)
    for r in range(rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for name, run in order:
            t = run()
            if t is not None:
                times[name].append(t)
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    ref = med(times["thread"])
    print("python %s, n=%d, %d rounds" % (sys.version.split()[0], n, rounds))
    for name, _ in variants:
        if times[name]:
            print("%-24s %.4f s  x%.3f of the thread" % (name, med(times[name]), med(times[name]) / ref))


if __name__ == "__main__":
    main()
