"""The reports' statistics, from libraries rather than written here.

  median, quantile  the standard library's statistics module, through the one wrapper
                    sumbench has (fidelity.scorecard.median_iqr: inclusive quartiles, numpy's
                    'linear' method); baseline/child.py keeps its own, since it must run
                    on Python 2.7
  mann_whitney_u    scipy.stats.mannwhitneyu, two-sided, as Google Benchmark's
                    tools/compare.py uses it: the exact null distribution when there are no
                    ties and the samples are small, else the normal approximation with tie
                    and continuity correction
  min_p             the smallest two-sided p the exact test can give with n1 and n2
                    repetitions: below alpha or the comparison is inconclusive

scipy is imported inside the functions that need it, so that the standard-library
commands (summary.py, the sweep's closing answer) can use the rest of the report package.
"""

import functools

from ..fidelity.scorecard import median_iqr

EXACT_LIMIT = 400  # the exact distribution when n1 * n2 <= this and there are no ties


def median(values):
    """The median; nan for no values."""
    m = median_iqr(values)[0]
    return float("nan") if m is None else m


def quantile(values, q):
    """The first quartile, the median or the third quartile (q = 0.25, 0.5, 0.75)."""
    which = {0.25: 1, 0.5: 0, 0.75: 2}.get(q)
    if which is None:
        raise ValueError(f"quantile {q}: only the quartiles 0.25, 0.5 and 0.75")
    v = median_iqr(values)[which]
    return float("nan") if v is None else v


def mann_whitney_u(x, y):
    """Two-sided Mann-Whitney U test: (U of x, p-value, "exact" or "normal")."""
    from scipy.stats import mannwhitneyu
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return float("nan"), float("nan"), "none"
    ties = len(set(x) | set(y)) < n1 + n2
    method = "exact" if not ties and n1 * n2 <= EXACT_LIMIT else "normal"
    if method == "normal" and len(set(x) | set(y)) == 1:
        return n1 * n2 / 2.0, 1.0, method      # all equal: no evidence (scipy gives nan)
    res = mannwhitneyu(list(x), list(y), alternative="two-sided", use_continuity=True,
                       method="exact" if method == "exact" else "asymptotic")
    return float(res.statistic), min(1.0, float(res.pvalue)), method


@functools.lru_cache(maxsize=None)
def min_p(n1, n2):
    """Smallest two-sided p of the exact U test with n1 and n2 repetitions (complete
    separation), from scipy; 1 when a sample is empty."""
    if not n1 or not n2:
        return 1.0
    from scipy.stats import mannwhitneyu
    res = mannwhitneyu(list(range(n1)), list(range(n1, n1 + n2)), alternative="two-sided",
                       method="exact")
    return min(1.0, float(res.pvalue))


def reps_needed(alpha, most=30):
    """The fewest repetitions per run (the same in both) with which the exact test can
    reach p < alpha (min_p); None beyond `most`."""
    return next((k for k in range(2, most + 1) if min_p(k, k) < alpha), None)
