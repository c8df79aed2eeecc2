"""sumbench-py: the workers' side, inside the measured interpreter.

Standalone like pyfunc_child.py (standard library only, CPython 2.7 and 3.6+, no import
from the sumbench package): the parent process imports it by this file's name, a
spawned process or a subinterpreter imports it again, and multiprocessing finds
``process_main`` and ``pool_task`` here by name.

One worker of the explicit models (threads, processes, subinterpreters) speaks this
protocol with its parent, one message each way at a time:

  worker -> parent   ("ready", i, t, None)           the function is imported and found
  parent -> worker   (start, stop)                   its slice of [0, n)
  worker -> parent   ("result", i, meta, partial)    meta: got, c0, c1, pickled, who
                     ("error", i, t, text)           import or call failed (text says which)

Over a pipe (processes, subinterpreters) every message is a pickle; the partial inside
a result is pickled on its own first, so that the worker can time its pickling
(``pickled`` - ``c1``) and the parent its unpickling. Threads pass the objects as they are.
Times are ``clock()`` readings: perf_counter (CLOCK_MONOTONIC on Linux, one clock for all
processes of the machine), time.time on Python 2.
"""
from __future__ import division, print_function

import importlib
import os
import pickle
import struct
import sys
import threading
import time

PY2 = sys.version_info[0] == 2
PROTOCOL = 2 if PY2 else pickle.HIGHEST_PROTOCOL
clock = getattr(time, "perf_counter", time.time)
BUILTINS = "__builtin__" if PY2 else "builtins"
_LENGTH = struct.Struct("<Q")
_CACHE = {}


class BadTarget(Exception):
    """The module does not import, or has no such callable: the one line says which."""


def describe(exc):
    text = str(exc).strip().splitlines()
    return "%s: %s" % (type(exc).__name__, text[0] if text else "") if text else type(exc).__name__


def resolve(target):
    """The callable of `target` = [module, attribute path]; module None: a builtin."""
    key = tuple(target)
    if key in _CACHE:
        return _CACHE[key]
    module, name = target
    try:
        obj = importlib.import_module(module or BUILTINS)
    except BaseException as e:  # SyntaxError, ImportError, anything its import raised
        raise BadTarget("module '%s' does not import in Python %s: %s (looked on PYTHONPATH and in the "
                        "current folder %s)" % (module, sys.version.split()[0], describe(e), os.getcwd()))
    for part in name.split("."):
        if not hasattr(obj, part):
            raise BadTarget("%s has no attribute '%s'" % (module, part) if module else
                            "'%s' is no builtin (give MODULE:FUNCTION or a builtin such as sum)" % name)
        obj = getattr(obj, part)
    if not callable(obj):
        raise BadTarget("%s:%s is not a function (%s)" % (module or "builtins", name, type(obj).__name__))
    _CACHE[key] = obj
    return obj


def who():
    """The worker's process and OS thread, to show how many distinct workers a pool used."""
    ident = getattr(threading, "get_ident", None) or getattr(threading, "_get_ident")
    return "%d/%d" % (os.getpid(), ident())


# ------------------------------------------------------------------ channels

class QueueChan(object):
    """Threads: objects as they are, down through the worker's own queue, up through the
    queue all workers share."""

    def __init__(self, down, up):
        self.down, self.up = down, up

    def send(self, obj):
        self.up.put(obj)

    def recv(self):
        return self.down.get()


class ConnChan(object):
    """Processes: a multiprocessing Connection, one pickle per message."""

    def __init__(self, conn):
        self.conn = conn

    def fileno(self):
        return self.conn.fileno()

    def send(self, obj):
        self.conn.send_bytes(pickle.dumps(obj, PROTOCOL))

    def recv(self):
        return pickle.loads(self.conn.recv_bytes())

    def close(self):
        self.conn.close()


class FdChan(object):
    """Subinterpreters: length-prefixed pickles over two pipes (file descriptors are
    shared by every interpreter of the process)."""

    def __init__(self, rfd, wfd):
        self.rfd, self.wfd = rfd, wfd

    def fileno(self):
        return self.rfd

    def send(self, obj):
        data = pickle.dumps(obj, PROTOCOL)
        view = memoryview(_LENGTH.pack(len(data)) + data)
        while len(view):
            view = view[os.write(self.wfd, view):]

    def _read(self, size):
        chunks, left = [], size
        while left:
            chunk = os.read(self.rfd, min(left, 1 << 20))
            if not chunk:
                raise EOFError("the other end closed the pipe")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def recv(self):
        return pickle.loads(self._read(_LENGTH.unpack(self._read(_LENGTH.size))[0]))


# ------------------------------------------------------------------ workers

def serve(chan, index, target, pickled):
    """One worker: import and find the function, say ready, take one slice, run it, send
    the partial back. Never raises: a failure is an "error" message."""
    try:
        fn = resolve(target)
    except BaseException as e:
        chan.send(("error", index, clock(), str(e) if isinstance(e, BadTarget) else describe(e)))
        return
    chan.send(("ready", index, clock(), None))
    work = chan.recv()
    if work is None:  # another worker failed: the parent stops this one
        return
    start, stop = work
    got = clock()
    try:
        c0 = clock()
        part = fn(start, stop)
        c1 = clock()
    except BaseException as e:
        chan.send(("error", index, clock(), "%s:%s(%d, %d) raised %s" % (target[0], target[1], start, stop,
                                                                      describe(e))))
        return
    meta = {"got": got, "c0": c0, "c1": c1, "who": who()}
    if pickled:
        try:
            part = pickle.dumps(part, PROTOCOL)
        except BaseException as e:
            chan.send(("error", index, clock(), "its partial cannot be pickled: %s" % describe(e)))
            return
        meta["pickled"] = clock()
    chan.send(("result", index, meta, part))


def process_main(conn, index, target):
    """A multiprocessing.Process worker (fork or spawn)."""
    chan = ConnChan(conn)
    try:
        serve(chan, index, target, True)
    finally:
        chan.close()


def fd_main(rfd, wfd, index, target):
    """A subinterpreter's worker; the thread that runs it closes the pipes afterwards."""
    serve(FdChan(rfd, wfd), index, target, True)


def pool_task(index, target, start, stop, pickled):
    """One task of a concurrent.futures pool: (meta, partial), the partial pickled by us
    in a process pool (timed), as serve() does. A pool starts its workers on demand, so
    "got" (after the import) closes the send phase, start-up included."""
    fn = resolve(target)
    got = clock()
    c0 = clock()
    part = fn(start, stop)
    c1 = clock()
    meta = {"got": got, "c0": c0, "c1": c1, "who": who()}
    if pickled:
        part = pickle.dumps(part, PROTOCOL)
        meta["pickled"] = clock()
    return meta, part


SUBINTERPRETER_CODE = """
import sys
sys.path[:] = %(path)r
_dwb, sys.dont_write_bytecode = sys.dont_write_bytecode, True
import pyfunc_workers
sys.dont_write_bytecode = _dwb
pyfunc_workers.%(entry)s
"""


def subinterpreter_code(entry):
    """The code a subinterpreter runs: this interpreter's sys.path, then `entry`."""
    return SUBINTERPRETER_CODE % {"path": list(sys.path), "entry": entry}


def import_check(target):
    """Run in a subinterpreter by the check: raises when `target` cannot be used there."""
    resolve(target)
