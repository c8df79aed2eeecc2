"""The blog post's CPU-bound loop as a sumbench-py function (README: "Your own Python
function"). sumbench-py calls heavy_calculation(start, stop) on a slice [start, stop) of
range(0, n) in every worker and adds the partials with sum; serial is
heavy_calculation(0, n). Runs unchanged on Python 2.7 and 3.x.

    cd examples/own-function
    python3 ../../runners/pyfunc.py post:heavy_calculation --n 1000000 --workers 2 --out results/post
"""

try:
    rng = xrange  # Python 2: no list of n numbers
except NameError:
    rng = range


def heavy_calculation(start, stop):
    """The post's loop, ``for i in range(n): count += i``, over [start, stop)."""
    count = 0
    for i in rng(start, stop):
        count += i
    return count
