"""How the report writes numbers, once: sizes (2^33, 7.2 M), times in s / ms / µs, ratios
with ×, fractions as %. The figures, the tables and the sentences all use these."""

import math


def _bad(value):
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def fmt_n(n):
    """A problem size: a power of two as 2^k (from 2^10), else 3 significant digits with
    k, M, G, T; small numbers as they are."""
    if _bad(n):
        return "—"
    n = int(n)
    if n >= 1024 and n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    for div, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.3g} {unit}"
    return str(n)


def fmt_seconds(s, digits=3):
    """A time with its unit, to `digits` significant digits: 1.23 s, 45.6 ms, 3.30 ms,
    789 µs, 12.3 ns."""
    if _bad(s):
        return "—"
    mag = abs(s)
    for div, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if mag >= div or div == 1e-9:
            text = f"{s / div:#.{digits}g}".rstrip(".")   # 3.30 ms beside 3.06 ms, not 3.3
            return f"{text} {unit}" if mag else "0 s"
    return "0 s"


def fmt_ratio(x, digits=2):
    """A ratio or speedup: 2.06×."""
    return "—" if _bad(x) else f"{x:.{digits}f}×"


def fmt_fraction(x, digits=2):
    """A dimensionless fraction (efficiency, serial fraction): 0.98, -0.11."""
    return "—" if _bad(x) else f"{x:.{digits}f}"


def fmt_pct(x, digits=1):
    """A fraction as a percentage: 0.159 -> 15.9%."""
    return "—" if _bad(x) else f"{x * 100:.{digits}f}%"


def fmt_value(value, unit):
    """A fidelity figure's value: a ratio (unit x), a rate relative to C = 0 (unit rel:
    ×0.00082, ×0.18), operations per second (unit ops: 467 k/s) or a time (unit s)."""
    if _bad(value):
        return "—"
    if unit == "x":
        return fmt_ratio(value)
    if unit == "rel":
        return f"×{value:.2g}" if abs(value) < 1 else f"×{value:.2f}"
    if unit == "ops":
        for div, prefix in ((1e6, " M"), (1e3, " k")):
            if abs(value) >= div:
                return f"{value / div:.3g}{prefix}/s"
        return f"{value:.3g}/s"
    return fmt_seconds(value)
