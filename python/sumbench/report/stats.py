"""Small statistics helpers, standard library only.

mann_whitney_u: two-sided Mann-Whitney U test, as Google Benchmark's
tools/compare.py uses it (there through scipy.stats.mannwhitneyu). Exact null
distribution when there are no ties and the samples are small, else the normal
approximation with tie correction and continuity correction (scipy's defaults).
"""

import math

EXACT_LIMIT = 400  # exact distribution when n1 * n2 <= this and no ties


def median(values):
    vals = sorted(values)
    n = len(vals)
    if n == 0:
        return float("nan")
    mid = n // 2
    return vals[mid] if n % 2 else 0.5 * (vals[mid - 1] + vals[mid])


def quantile(values, q):
    """Linear-interpolation quantile (numpy's default 'linear' method)."""
    vals = sorted(values)
    if not vals:
        return float("nan")
    pos = (len(vals) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def _ranks(values):
    """Average ranks (1-based) and the sizes of tie groups."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _exact_cdf_counts(n1, n2):
    """counts[u] = number of orderings of n1 x's and n2 y's with U_x == u."""
    # f[j] holds the distribution for (i, j); build row by row over i.
    prev = [[1] for _ in range(n2 + 1)]  # i = 0: U is 0 for any j
    for i in range(1, n1 + 1):
        cur = [[1]]  # j = 0: U is 0
        for j in range(1, n2 + 1):
            size = i * j + 1
            dist = [0] * size
            # the largest element is an x: it beats all j y's -> shift by j
            for u, c in enumerate(prev[j]):
                dist[u + j] += c
            # the largest element is a y: U unchanged
            for u, c in enumerate(cur[j - 1]):
                dist[u] += c
            cur.append(dist)
        prev = cur
    return prev[n2]


def mann_whitney_u(x, y):
    """Two-sided Mann-Whitney U test. Returns (U of x, p-value, method)."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return float("nan"), float("nan"), "none"
    ranks, ties = _ranks(list(x) + list(y))
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    u2 = n1 * n2 - u1
    if not ties and n1 * n2 <= EXACT_LIMIT:
        counts = _exact_cdf_counts(n1, n2)
        total = float(sum(counts))
        umin = int(round(min(u1, u2)))
        p = 2.0 * sum(counts[: umin + 1]) / total
        return u1, min(1.0, p), "exact"
    n = n1 + n2
    tie_term = sum(t ** 3 - t for t in ties) / (n * (n - 1)) if n > 1 else 0.0
    var = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if var <= 0:
        return u1, 1.0, "normal"
    mu = n1 * n2 / 2.0
    z = (abs(u1 - mu) - 0.5) / math.sqrt(var)
    z = max(z, 0.0)
    p = math.erfc(z / math.sqrt(2.0))
    return u1, min(1.0, p), "normal"
