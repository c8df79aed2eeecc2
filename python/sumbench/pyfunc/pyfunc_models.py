"""sumbench-py inside the measured interpreter: the parent's side of every model (the
workers' side is pyfunc_workers.py). Standalone like pyfunc_child.py, which imports it:
the standard library only, CPython 2.7 and 3.6+.

  serial           FUNCTION(0, n) in the main thread
  threads          threading.Thread workers (free-threaded where the build is)
  fork, spawn      multiprocessing.Process workers with that start method
  thread-pool,     concurrent.futures.ThreadPoolExecutor / ProcessPoolExecutor (fork where
  process-pool     the platform has it), one task per slice
  subinterpreters  one isolated subinterpreter with its own GIL per worker, each run by an
                   OS thread (3.12+: _xxsubinterpreters, 3.13+: _interpreters)

Each returns (timeline, {slice index: (meta, partial)}, problems); timeline None when no
combined result can be had (a worker failed: problems say which and why).
"""
from __future__ import division, print_function

import multiprocessing
import os
import pickle
import platform
import select
import sys
import threading

import pyfunc_workers as pw

try:
    import queue
except ImportError:  # Python 2
    import Queue as queue

clock = pw.clock

def start_methods():
    get = getattr(multiprocessing, "get_all_start_methods", None)
    return get() if get else ["fork"]  # Python 2: fork only


def context(method):
    return multiprocessing.get_context(method) if hasattr(multiprocessing, "get_context") else multiprocessing


def partition(n, parts):
    """[(start, stop)] of `parts` contiguous slices of [0, n), the first ones one longer."""
    base, extra = divmod(n, parts)
    out, start = [], 0
    for i in range(parts):
        stop = start + base + (1 if i < extra else 0)
        out.append((start, stop))
        start = stop
    return out


def label(target):
    return "%s:%s" % (target[0] or "builtins", target[1])


# ------------------------------------------------------------------ subinterpreters

def subinterpreters():
    """({create, run, destroy, how}, None) or (None, why not): isolated subinterpreters
    with their own GIL, through the interpreter's own private module."""
    v = sys.version_info[:2]
    if v < (3, 12):
        return None, "Python %d.%d has no subinterpreters with their own GIL (3.12+)" % v
    try:
        import _interpreters as m  # 3.13+
        config = m.new_config("isolated")
        if getattr(config, "gil", None) != "own":
            return None, "_interpreters.new_config('isolated') has gil=%r, not 'own'" % (config.gil,)

        def run(iid, code):
            exc = getattr(m, "exec")(iid, code)  # a keyword in Python 2: no m.exec here
            if exc is not None:
                raise RuntimeError(getattr(exc, "formatted", None) or str(exc))
        return {"create": lambda: m.create(config), "run": run, "destroy": m.destroy,
                "how": "_interpreters.create(new_config('isolated')): gil='own'"}, None
    except ImportError:
        pass
    try:
        import _xxsubinterpreters as m  # 3.12: isolated=True is _PyInterpreterConfig_INIT, its own GIL
    except ImportError:
        return None, "CPython %s has neither _interpreters nor _xxsubinterpreters" % platform.python_version()
    return {"create": lambda: m.create(isolated=True), "run": m.run_string, "destroy": m.destroy,
            "how": "_xxsubinterpreters.create(isolated=True): its own GIL"}, None


def in_subinterpreter(api, entry):
    iid = api["create"]()
    try:
        api["run"](iid, pw.subinterpreter_code(entry))
    finally:
        api["destroy"](iid)


# ------------------------------------------------------------------ transports

class Threads(object):
    pickled = False

    def __init__(self, target, workers):
        self.up, self.downs = queue.Queue(), [queue.Queue() for _ in range(workers)]
        self.workers = [threading.Thread(target=pw.serve, args=(pw.QueueChan(d, self.up), i, target, False))
                        for i, d in enumerate(self.downs)]

    def start(self):
        for t in self.workers:
            t.start()

    def send(self, i, work):
        self.downs[i].put(work)

    def next(self):
        return self.up.get()

    def stop(self):
        for t in self.workers:
            t.join()
        return []


class Piped(object):
    """A transport whose workers answer through channels with a file descriptor."""
    pickled = True

    def next(self):
        while not self.pending:
            for chan in select.select(list(self.active), [], [])[0]:
                i = self.active.pop(chan)
                try:
                    msg = chan.recv()
                    if msg[0] == "ready":
                        self.active[chan] = i
                except (EOFError, IOError, OSError):
                    msg = ("error", i, clock(), "worker ended without a result%s" % self.why(i))
                self.pending.append(msg)
        return self.pending.pop(0)

    def send(self, i, work):
        try:
            self.chans[i].send(work)
        except (IOError, OSError):  # it died; next() says so
            pass


class Processes(Piped):
    def __init__(self, target, workers, method):
        ctx = context(method)
        self.chans, self.active, self.pending, self.procs = [], {}, [], []
        for i in range(workers):
            mine, theirs = ctx.Pipe()
            self.procs.append((ctx.Process(target=pw.process_main, args=(theirs, i, target)), theirs))
            self.chans.append(pw.ConnChan(mine))
            self.active[self.chans[-1]] = i

    def start(self):
        for p, theirs in self.procs:
            p.start()
            theirs.close()  # ours closed: the worker's death is an end of file here

    def why(self, i):
        p = self.procs[i][0]
        p.join(1.0)
        return " (exit code %s)" % p.exitcode

    def stop(self):
        problems = []
        for i, (p, _) in enumerate(self.procs):
            p.join()
            if p.exitcode != 0:
                problems.append("worker process %d: exit code %s" % (i, p.exitcode))
        for c in self.chans:
            c.close()
        return problems


class Subinterpreters(Piped):
    def __init__(self, target, workers, api):
        self.api, self.target = api, target
        self.chans, self.active, self.pending, self.failed = [], {}, [], [None] * workers
        self.threads, self.fds = [], []
        for i in range(workers):
            down_r, down_w = os.pipe()
            up_r, up_w = os.pipe()
            self.fds += [down_w, up_r]
            self.chans.append(pw.FdChan(up_r, down_w))
            self.active[self.chans[-1]] = i
            self.threads.append(threading.Thread(target=self._run, args=(i, down_r, up_w)))

    def _run(self, i, rfd, wfd):
        try:
            in_subinterpreter(self.api, "fd_main(%d, %d, %d, %r)" % (rfd, wfd, i, list(self.target)))
        except BaseException as e:
            self.failed[i] = pw.describe(e)
        finally:
            os.close(wfd)  # no result sent: the parent reads an end of file
            os.close(rfd)

    def start(self):
        for t in self.threads:
            t.start()

    def why(self, i):
        self.threads[i].join(1.0)
        return " (%s)" % self.failed[i] if self.failed[i] else ""

    def stop(self):
        for t in self.threads:
            t.join()
        for fd in self.fds:
            os.close(fd)
        return ["subinterpreter %d: %s" % (i, f) for i, f in enumerate(self.failed) if f]


# ------------------------------------------------------------------ one repetition

def explicit(transport, slices):
    """Start, ready, send, collect, stop: the parent's timeline of explicit workers."""
    w = len(slices)
    t = {"t0": clock()}
    transport.start()
    ready = 0
    while ready < w:
        msg = transport.next()
        if msg[0] == "error":
            return abort(transport, w, "worker %d: %s" % (msg[1], msg[3]))
        ready += 1
    t["ready"] = clock()
    for i, work in enumerate(slices):
        transport.send(i, work)
    got = collect(transport, w)
    if isinstance(got, str):
        return abort(transport, w, got)
    t["done"] = clock()
    problems = transport.stop()
    t["stopped"] = clock()
    return t, got, problems


def abort(transport, w, problem):
    for i in range(w):
        transport.send(i, None)
    return None, None, [problem] + transport.stop()


def collect(transport, w):
    got = {}
    while len(got) < w:
        msg = transport.next()
        if msg[0] == "error":
            return "worker %d: %s" % (msg[1], msg[3])
        _, i, meta, part = msg
        if transport.pickled:
            meta["bytes"] = len(part)
            part = pickle.loads(part)
        meta["received"] = clock()
        got[i] = (meta, part)
    return got


def pooled(kind, target, slices, method):
    import concurrent.futures as cf
    w, pickled = len(slices), kind == "process-pool"
    t = {"t0": clock()}
    if not pickled:
        ex = cf.ThreadPoolExecutor(max_workers=w)
    elif sys.version_info[:2] >= (3, 7):
        ex = cf.ProcessPoolExecutor(max_workers=w, mp_context=context(method))
    else:
        ex = cf.ProcessPoolExecutor(max_workers=w)  # 3.6: the default start method
    t["ready"] = clock()
    futures = dict((ex.submit(pw.pool_task, i, target, a, b, pickled), i) for i, (a, b) in enumerate(slices))
    got, problems = {}, []
    for f in cf.as_completed(futures):
        i = futures[f]
        try:
            meta, part = f.result()
        except BaseException as e:
            problems.append("worker %d: %s(%d, %d) raised %s" % ((i, label(target)) + slices[i] + (pw.describe(e),)))
            continue
        if pickled:
            meta["bytes"] = len(part)
            part = pickle.loads(part)
        meta["received"] = clock()
        got[i] = (meta, part)
    t["done"] = clock()
    ex.shutdown(wait=True)
    t["stopped"] = clock()
    return (t, got, problems) if not problems else (None, None, problems)


def serial(fn, target, n):
    t0 = clock()
    try:
        part = fn(0, n)
    except BaseException as e:
        return None, None, ["%s(0, %d) raised %s" % (label(target), n, pw.describe(e))]
    c1 = clock()
    meta = {"got": t0, "c0": t0, "c1": c1, "received": c1, "who": pw.who()}
    return {"t0": t0, "ready": t0, "done": c1, "stopped": c1}, {0: (meta, part)}, []

