"""Beazley's I/O convoy (CPython issue bpo-7946) inside the measured interpreter. Imported
by child.py (beside it) for its "ioconvoy" experiment; standalone like it (standard library
only, Python 2.7 and 3.6+). `lib` is the child module: its clock, thread runner and
spinning CPU threads are the ones the convoy experiment uses.

Each I/O thread has its own socketpair (a, b) and, until its duration is over, sends one
byte on a and receives it on b: both calls release the GIL around the syscall, which
completes at once, so the thread must win the GIL back twice per operation. The byte
cycles through 0-255 (offset by the thread's index) and every one is checked.
sumbench's ioconvoy kernels (kernels/ioconvoy.cpp) do the same.
"""
from __future__ import division, print_function

import socket

BYTES = [bytes(bytearray([v])) for v in range(256)]  # one byte: a str on 2.7, bytes on 3.x


def exp_ioconvoy(spec, lib):
    """I/O threads doing 1-byte socketpair ping-pongs for duration_s beside C spinning threads."""
    cpus, ios, duration = spec["threads"], spec["io_threads"], spec["duration_s"]
    stop, results = [False], [None] * ios

    def io(j):
        def body():
            a, b = socket.socketpair()
            ops, bad = 0, 0
            try:
                t0 = lib.clock()
                deadline = t0 + duration
                while True:
                    v = (ops + j) & 0xff
                    a.send(BYTES[v])
                    got = b.recv(1)
                    if len(got) != 1 or bytearray(got)[0] != v:
                        bad += 1
                    ops += 1
                    if lib.clock() >= deadline:
                        break
                results[j] = (ops, bad, lib.clock() - t0)
            finally:
                a.close()
                b.close()
        return body

    threads, done, check = lib.spin_threads(cpus, stop)
    try:
        wall = lib.run_threads([io(j) for j in range(ios)])
    finally:
        stop[0] = True
        for t in threads:
            t.join()
    problems = check()
    if any(r is None for r in results):
        problems.append("%d of %d I/O threads did not finish" % (sum(r is None for r in results), ios))
        results = [r or (0, 0, 1.0) for r in results]
    bad = sum(r[1] for r in results)
    if bad:
        problems.append("%d operations did not get their byte back" % bad)
    if any(r[0] == 0 for r in results):
        problems.append("an I/O thread completed no operation")
    return {"ops_per_s": sum(r[0] / r[2] for r in results), "ops": [r[0] for r in results],
            "elapsed_s": [r[2] for r in results], "bad": bad, "io_wall_s": wall, "cpu_iterations": done,
            "problems": problems, "valid": not problems}
