"""Scaling-law fits with scipy.optimize.curve_fit.

Amdahl (strong scaling): S(p) = 1 / (f + (1 - f) / p).
Gustafson (weak scaling): S(p) = p - f (p - 1).
Both are fitted by nonlinear least squares on log S (relative residuals: timing noise is
multiplicative), within bounds that keep S finite and positive. Standard error: curve_fit's
covariance, s^2 (J^T J)^-1 with s^2 = RSS / (m - 1) and J the Jacobian of the log model;
nan when m = 1. Observations at p = 1 carry no information about f and are left out.

A fit is only as good as its worker counts: tables.fit_rows fits a series measured at
MIN_WORKER_COUNTS or more worker counts within the cores, and Fit.flags names a serial
fraction at its bound (f = 1: no speedup at all; or the lowest f the model allows) and a
negative one (faster than ideal: superlinear, or noise). Karp-Flatt: e = (1/S - 1/p) /
(1 - 1/p) for p > 1; a negative e is flagged the same way (karp_flatt_flags).
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

# A fit needs its series at this many worker counts within the cores (p = 1 included):
# with two, one count above 1 decides f alone, and any noise lands in it.
MIN_WORKER_COUNTS = 3
BOUND_TOLERANCE = 1e-6


@dataclass
class Fit:
    law: str            # "amdahl" or "gustafson"
    f: float            # serial fraction
    se: float           # its standard error (nan when m - 1 == 0)
    m: int              # observations used (p > 1)
    rss: float          # residual sum of squares
    workers: tuple      # distinct p used: worker counts, or N/N0 over nodes
    lower: float = -math.inf   # the bounds f was fitted within
    upper: float = math.inf

    def predict(self, p):
        return amdahl(p, self.f) if self.law == "amdahl" else gustafson(p, self.f)

    @property
    def flags(self):
        """What makes f suspect: at a bound of the fit, or negative."""
        out = []
        span = self.upper - self.lower
        if abs(self.f - self.upper) <= BOUND_TOLERANCE * span:
            out.append(f"f at its bound {self.upper:g} (no speedup: the law does not describe it)")
        elif abs(self.f - self.lower) <= BOUND_TOLERANCE * span:
            out.append(f"f at its bound {self.lower:.3g} (faster than the law allows)")
        if self.f < 0:
            out.append("negative serial fraction: faster than ideal (superlinear, or noise)")
        return out


def amdahl(p, f):
    p = np.asarray(p, dtype=float)
    return 1.0 / (f + (1.0 - f) / p)


def gustafson(p, f):
    p = np.asarray(p, dtype=float)
    return p - f * (p - 1.0)


def _clean(p, s):
    p = np.asarray(p, dtype=float).ravel()
    s = np.asarray(s, dtype=float).ravel()
    if p.shape != s.shape:
        raise ValueError("p and speedup must have the same length")
    keep = np.isfinite(p) & np.isfinite(s) & (p > 1) & (s > 0)
    return p[keep], s[keep]


def _fit_log(law, model, p, s, f0, lower, upper):
    """curve_fit of log S = log model(p, f) within [lower, upper]; returns Fit."""
    from scipy.optimize import curve_fit
    span = upper - lower
    f0 = min(max(f0, lower + 1e-3 * span), upper - 1e-3 * span)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "covariance could not be estimated" at m = 1: se = nan
        popt, pcov = curve_fit(lambda x, f: np.log(model(x, f)), p, np.log(s), p0=[f0],
                               bounds=([lower], [upper]), method="trf", xtol=1e-15, ftol=1e-15,
                               gtol=1e-15, max_nfev=1000)
    f = float(popt[0])
    rss = float(np.sum((np.log(s) - np.log(model(p, f))) ** 2))
    var = float(pcov[0, 0]) if p.size > 1 else float("nan")
    se = math.sqrt(var) if math.isfinite(var) and var >= 0 else float("nan")
    distinct = sorted(set(int(v) if float(v).is_integer() else float(v) for v in p))
    return Fit(law, f, se, int(p.size), rss, tuple(distinct), lower, upper)


def fit_amdahl(p, speedup):
    """Least-squares serial fraction f of Amdahl's law; None without p > 1 data.

    Minimises sum (log S_i - log S(p_i; f))^2: relative residuals, because timing
    noise is multiplicative (a few per cent of the time, whatever p)."""
    p, s = _clean(p, speedup)
    if p.size == 0:
        return None
    x = 1.0 - 1.0 / p
    f0 = float(np.sum(x * (1.0 / s - 1.0 / p)) / np.sum(x * x))  # 1/S = 1/p + f x
    lower = -1.0 / (float(p.max()) - 1.0) + 1e-9                 # keeps S finite
    return _fit_log("amdahl", amdahl, p, s, f0, lower, 1.0)


def fit_gustafson(p, scaled_speedup):
    """Least-squares serial fraction f of Gustafson's law; None without p > 1 data."""
    p, s = _clean(p, scaled_speedup)
    if p.size == 0:
        return None
    x = p - 1.0
    f0 = float(np.sum(x * (p - s)) / np.sum(x * x))
    upper = float(np.min(p / (p - 1.0))) - 1e-9                   # keeps S > 0
    return _fit_log("gustafson", gustafson, p, s, f0, -10.0, upper)


def karp_flatt(speedup, p):
    """Experimentally determined serial fraction; nan for p <= 1 or S <= 0."""
    s = float(speedup)
    p = float(p)
    if not (p > 1) or not (s > 0) or not math.isfinite(s):
        return float("nan")
    return (1.0 / s - 1.0 / p) / (1.0 - 1.0 / p)


def karp_flatt_flags(e):
    """A negative e is a speedup above p: superlinear, or noise."""
    return ["negative: speedup above p (superlinear, or noise)"] if e == e and e < 0 else []
