"""Functions for the sumbench-py tests (runners/pyfunc.py): the contract's FUNCTION(start,
stop) -> partial, and careless variants of it. Python 2.7 and 3.x."""
import os
import threading

_PARENT = os.getpid()


def loop(start, stop):
    """The post's loop over [start, stop)."""
    count = 0
    i = start
    while i < stop:
        count += i
        i += 1
    return count


def wrong_split(start, stop):
    """Right over the whole range, one too many in every slice after the first: any
    split's combined result differs from the serial one."""
    return loop(start, stop) + (1 if start > 0 else 0)


def _in_worker():
    return threading.current_thread().name != "MainThread" or os.getpid() != _PARENT


def raises_in_workers(start, stop):
    if _in_worker():
        raise KeyError("only the main thread may")
    return stop - start


def hangs_in_workers(start, stop):
    """Writes its process id to $PYFUNC_TEST_PIDS and sleeps for an hour in a worker."""
    if _in_worker():
        import time
        with open(os.environ["PYFUNC_TEST_PIDS"], "a") as f:
            f.write("%d\n" % os.getpid())
        time.sleep(3600)
    return stop - start


def unpicklable(start, stop):
    """A partial no process can send back: a function defined here and now."""
    return lambda: stop - start


def call_sum(parts):
    return sum(p() for p in parts)


def bad_sig(x):
    return x


def raises(start, stop):
    raise ValueError("no luck with %d" % stop)


def bad_reduce(parts):
    raise RuntimeError("cannot combine %d partials" % len(parts))


def two_args(a, b):
    return a + b


NOT_A_FUNCTION = 42
