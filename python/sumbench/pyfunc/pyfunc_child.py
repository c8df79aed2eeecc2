"""sumbench-py inside the measured interpreter: a user's function under every concurrency
model the interpreter has. One JSON spec on stdin, JSON lines on stdout.

Standalone on purpose, like baseline/child.py: the standard library only, no import from
the sumbench package, nothing newer than CPython 2.7 and 3.6-3.13 share. The workers'
side is pyfunc_workers.py beside it (its docstring has the protocol).

The work contract: FUNCTION(start, stop) computes the partial result of the slice
[start, stop) of range(0, n); REDUCE(partials), a list in slice order, combines them
(default: sum). Serial is FUNCTION(0, n) in the main thread, combined as REDUCE([p]);
every model's combined result must equal it (==; numbers within rel_tol when given).

SPEC: {"experiment": "check" | "point", "function": [module, attribute path],
       "reduce": [module or null (builtins), name], "n": N, "rel_tol": R,
       check: "max_workers"; point: "model", "workers", "repetitions", "reference"
       (base64 of the check's pickled serial result, or null: computed untimed here)}

A model's phases (seconds), from the parent's timeline t0 (before the first worker starts):
  start    until every worker has imported the function and said ready (pools: the
           constructor only; a pool starts its workers on demand, so its start-up is in send)
  send     from then until the last worker holds its slice (the slices are pickled)
  compute  the slowest worker's call of the function
  return   the slowest worker's path back: pickling its partial, the pipe, unpickling
  stop     from the last partial received until every worker has ended (join, destroy)
  combine  REDUCE over the partials
  time_s   t0 until the combined result: all of the above, as the post timed processes
Bad input (a module that does not import, no such function, a signature that does not
take (start, stop), a function or reducer that raises in the check): one line on
stderr, exit status 2.
"""
from __future__ import division, print_function

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    sys.path.pop(0)            # this folder last: a user's module named like ours wins
if _HERE not in sys.path:
    sys.path.append(_HERE)
if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())   # MODULE is found in the current folder, then PYTHONPATH
_dwb, sys.dont_write_bytecode = sys.dont_write_bytecode, True   # nothing written beside us
import pyfunc_models as pm  # noqa: E402
import pyfunc_workers as pw  # noqa: E402
sys.dont_write_bytecode = _dwb

import base64  # noqa: E402
import json  # noqa: E402
import numbers  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402

SCHEMA = "sumbench.pyfunc/1"
MODELS = ("serial", "threads", "thread-pool", "fork", "spawn", "process-pool", "subinterpreters")
PICKLING = ("fork", "spawn", "process-pool", "subinterpreters")
clock = pw.clock


class BadInput(Exception):
    pass


def interpreter():
    enabled = getattr(sys, "_is_gil_enabled", None)
    free = callable(enabled) and not enabled()
    return {"implementation": platform.python_implementation(), "version": platform.python_version(),
            "version_info": list(sys.version_info[:3]), "executable": sys.executable,
            "gil": "free-threaded" if free else "old" if sys.version_info[:2] < (3, 2) else "new",
            "switch_interval_s": sys.getswitchinterval() if hasattr(sys, "getswitchinterval") else None,
            "check_interval": sys.getcheckinterval() if hasattr(sys, "getcheckinterval") else None}


def short(obj, width=80):
    try:
        text = repr(obj)
    except Exception as e:
        text = "<repr failed: %s>" % pw.describe(e)
    return text if len(text) <= width else text[:width - 3] + "..."


def equal(a, b, rel_tol):
    """The combined result against the serial one: == (numbers within rel_tol)."""
    try:
        if rel_tol and isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
            return abs(a - b) <= rel_tol * max(abs(a), abs(b))
        same = a == b
        return bool(same.all()) if hasattr(same, "all") else bool(same)  # numpy arrays
    except Exception:
        return False


def check_signature(fn, what, args, shape):
    import inspect
    try:
        if hasattr(inspect, "signature"):
            try:
                sig = inspect.signature(fn)
            except (TypeError, ValueError):
                return  # a builtin without a signature: the call will tell
            sig.bind(*args)
        elif inspect.isfunction(fn) or inspect.ismethod(fn):
            inspect.getcallargs(fn, *args)
    except TypeError as e:
        raise BadInput("%s does not take %s: %s" % (what, shape, pw.describe(e)))


def repetition(spec, fn, reducer, reference):
    model, n, target = spec["model"], spec["n"], spec["function"]
    slices = pm.partition(n, spec["workers"]) if model != "serial" else [(0, n)]
    if model == "serial":
        t, got, problems = pm.serial(fn, target, n)
    elif model == "threads":
        t, got, problems = pm.explicit(pm.Threads(target, len(slices)), slices)
    elif model in ("fork", "spawn"):
        t, got, problems = pm.explicit(pm.Processes(target, len(slices), model), slices)
    elif model == "subinterpreters":
        t, got, problems = pm.explicit(pm.Subinterpreters(target, len(slices), pm.subinterpreters()[0]), slices)
    else:
        t, got, problems = pm.pooled(model, target, slices, "fork" if "fork" in pm.start_methods() else None)
    out = {"time_s": None, "valid": False, "problems": problems, "result": None}
    if t is None:
        return out
    tc0 = clock()
    try:
        combined = reducer([got[i][1] for i in range(len(slices))])
    except BaseException as e:
        out["problems"] = problems + ["the reducer %s raised %s" % (pm.label(spec["reduce"]), pw.describe(e))]
        return out
    tc1 = clock()
    metas = [got[i][0] for i in range(len(slices))]
    out.update(time_s=tc1 - t["t0"], start_s=t["ready"] - t["t0"],
               send_s=max(m["got"] for m in metas) - t["ready"],
               compute_s=max(m["c1"] - m["c0"] for m in metas),
               return_s=max(m["received"] - m["c1"] for m in metas),
               stop_s=t["stopped"] - t["done"], combine_s=tc1 - tc0,
               bytes_back=sum(m.get("bytes", 0) for m in metas), workers_used=len(set(m["who"] for m in metas)),
               result=short(combined),
               per_worker=[dict((k, v - t["t0"]) for k, v in m.items() if k in ("got", "c0", "c1", "pickled",
                                                                                  "received")) for m in metas])
    if not equal(combined, reference, spec["rel_tol"]):
        problems.append("combined result %s != the serial result %s" % (short(combined), short(reference)))
    out["valid"] = not problems
    return out


# ------------------------------------------------------------------ experiments

def load(spec):
    fn = resolve(spec["function"], "")
    check_signature(fn, pm.label(spec["function"]), (0, spec["n"]), "(start, stop)")
    reducer = resolve(spec["reduce"], "--reduce ")
    check_signature(reducer, "the reducer " + pm.label(spec["reduce"]), ([],), "one list of partials")
    return fn, reducer


def resolve(target, what):
    try:
        return pw.resolve(target)
    except pw.BadTarget as e:
        raise BadInput(what + str(e))


def call(fn, target, a, b):
    try:
        return fn(a, b)
    except BaseException as e:
        raise BadInput("%s(%d, %d) raised %s" % (pm.label(target), a, b, pw.describe(e)))


def reduce_(reducer, spec, parts, what):
    try:
        return reducer(parts)
    except BaseException as e:
        raise BadInput("the reducer %s failed on %s: %s" % (pm.label(spec["reduce"]), what, pw.describe(e)))


def check(spec):
    fn, reducer = load(spec)
    target, n = spec["function"], spec["n"]
    t0 = clock()
    part = call(fn, target, 0, n)
    serial_s = clock() - t0
    result = reduce_(reducer, spec, [part], "[%s(0, %d)] = [%s]" % (pm.label(target), n, short(part, 40)))
    slices = pm.partition(n, spec["max_workers"])
    parts = [call(fn, target, a, b) for a, b in slices]
    split = reduce_(reducer, spec, parts, "the partials of %d slices" % len(slices))
    try:
        reference = base64.b64encode(pickle.dumps(result, pw.PROTOCOL)).decode("ascii")
        pickle.dumps(part, pw.PROTOCOL)
        why_not = None
    except BaseException as e:
        reference, why_not = None, "its partials cannot be pickled (%s): no process can send them back" % pw.describe(e)
    methods = pm.start_methods()
    models = dict((m, None) for m in MODELS)
    for m in ("fork", "spawn"):
        if m not in methods:
            models[m] = "Python %s has no %s start method" % (platform.python_version(), m)
    try:
        __import__("concurrent.futures")
    except ImportError:
        models["thread-pool"] = models["process-pool"] = \
            "Python %s has no concurrent.futures (3.2+)" % platform.python_version()
    api, models["subinterpreters"] = pm.subinterpreters()
    if api is not None:
        try:
            pm.in_subinterpreter(api, "import_check(%r)" % (list(target),))
        except BaseException as e:
            models["subinterpreters"] = "%s cannot be used in a subinterpreter with its own GIL (%s)" % (
                pm.label(target), pw.describe(e))
    for m in PICKLING:
        models[m] = models[m] or why_not
    return {"serial_s": serial_s, "result": short(result), "result_type": type(result).__name__,
            "reference": reference, "split_matches": equal(split, result, spec["rel_tol"]),
            "split_result": short(split), "models": models, "start_methods": methods,
            "subinterpreters": api and api["how"]}


def point(spec, out):
    fn, reducer = load(spec)
    if spec.get("reference"):
        reference = pickle.loads(base64.b64decode(spec["reference"].encode("ascii")))
    else:
        reference = reducer([fn(0, spec["n"])])
    for r in range(spec["repetitions"]):
        emit(out, spec, r, repetition(spec, fn, reducer, reference))


def emit(out, spec, r, result):
    out.write(json.dumps({"schema": SCHEMA, "interpreter": interpreter(), "experiment": spec["experiment"],
                          "model": spec.get("model"), "workers": spec.get("workers"), "repetition": r,
                          "result": result}, sort_keys=True) + "\n")
    out.flush()


def main():
    out = os.fdopen(os.dup(1), "w")  # the protocol's; the user's prints go to stderr
    os.dup2(2, 1)
    try:
        spec = json.loads(sys.stdin.read())
        spec["function"], spec["reduce"] = tuple(spec["function"]), tuple(spec["reduce"])
        if spec["experiment"] == "check":
            emit(out, spec, 0, check(spec))
        else:
            point(spec, out)
    except BadInput as e:
        sys.stderr.write("pyfunc_child.py: bad input: %s\n" % (e,))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
