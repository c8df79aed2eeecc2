"""Ticks of a log2 axis (workers, nodes) that stay legible at any size.

Every value is a tick while there are few (the worker counts the sweep ran); at more than
MAX_TICKS (64 node counts, 640 points: the labels overlapped), powers of two, every k-th
so that at most MAX_TICKS remain. Labels: the number, or 2 with a superscript exponent
from 2^14 on (1048576 workers would not fit under its neighbours).
"""

import math

MAX_TICKS = 8
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def log2_ticks(values):
    """The ticks for these values (positive numbers), ascending."""
    ticks = sorted({v for v in values if v > 0}) or [1]
    if len(ticks) <= MAX_TICKS:
        return ticks
    lo, hi = math.floor(math.log2(ticks[0])), math.ceil(math.log2(ticks[-1]))
    step = max(1, math.ceil((hi - lo + 1) / MAX_TICKS))
    return [2.0 ** e for e in range(hi, lo - 1, -step)][::-1]   # the largest always shown


def label(v, _pos=None):
    """1, 2, 48, 8192; 2¹⁴ and up as a power of two; other large values like 2e+05."""
    if v <= 0:
        return ""
    e = math.log2(v)
    if v >= 2 ** 14 and e == int(e):
        return "2" + str(int(e)).translate(_SUPERSCRIPT)
    return f"{v:g}"
