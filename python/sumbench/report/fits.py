"""Scaling-law fits with numpy only.

Amdahl (strong scaling): S(p) = 1 / (f + (1 - f) / p).
Gustafson (weak scaling): S(p) = p - f (p - 1).
Both are fitted by nonlinear least squares on log S (relative residuals: timing
noise is multiplicative), Gauss-Newton from the linearised estimate.
Standard errors: sqrt(s^2 / (J^T J)) with s^2 = RSS / (m - 1) and J the
Jacobian of the log model, the linearised estimate for a one-parameter model. Observations at p = 1 carry no
information about f and are left out of the fit and of the degrees of freedom.
Karp-Flatt: e = (1/S - 1/p) / (1 - 1/p) for p > 1.
"""

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Fit:
    law: str            # "amdahl" or "gustafson"
    f: float            # serial fraction
    se: float           # its standard error (nan when m - 1 == 0)
    m: int              # observations used (p > 1)
    rss: float          # residual sum of squares
    workers: tuple      # distinct p used: worker counts, or N/N0 over nodes

    def predict(self, p):
        p = np.asarray(p, dtype=float)
        if self.law == "amdahl":
            return amdahl(p, self.f)
        return gustafson(p, self.f)


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


def _fit_log(law, model, dmodel, p, s, f0, lower, upper, iterations=100):
    """One-parameter Gauss-Newton on log S with backtracking; returns Fit."""
    y = np.log(s)

    def resid_jac(f):
        m = model(p, f)
        return y - np.log(m), dmodel(p, f) / m

    f = min(max(f0, lower), upper)
    for _ in range(iterations):
        r, jac = resid_jac(f)
        jtj = float(np.sum(jac * jac))
        if jtj == 0:
            break
        step = float(np.sum(jac * r) / jtj)
        old = float(np.sum(r * r))
        new_f = min(max(f + step, lower), upper)
        for _ in range(40):
            if float(np.sum(resid_jac(new_f)[0] ** 2)) <= old + 1e-15:
                break
            new_f = 0.5 * (f + new_f)
        done = abs(new_f - f) < 1e-14
        f = new_f
        if done:
            break
    r, jac = resid_jac(f)
    rss = float(np.sum(r * r))
    jtj = float(np.sum(jac * jac))
    dof = p.size - 1
    se = math.sqrt(rss / dof / jtj) if dof > 0 and jtj > 0 else float("nan")
    distinct = sorted(set(int(v) if float(v).is_integer() else float(v) for v in p))
    return Fit(law, f, se, int(p.size), rss, tuple(distinct))


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
    return _fit_log("amdahl", amdahl, lambda p, f: -x / (f + (1.0 - f) / p) ** 2,
                    p, s, f0, lower, 1.0)


def fit_gustafson(p, scaled_speedup):
    """Least-squares serial fraction f of Gustafson's law; None without p > 1 data.

    Like fit_amdahl, on log S; the linear least-squares f is the starting point."""
    p, s = _clean(p, scaled_speedup)
    if p.size == 0:
        return None
    x = p - 1.0
    f0 = float(np.sum(x * (p - s)) / np.sum(x * x))
    upper = float(np.min(p / (p - 1.0))) - 1e-9                   # keeps S > 0
    return _fit_log("gustafson", gustafson, lambda p, f: -(p - 1.0), p, s, f0,
                    -10.0, upper)


def karp_flatt(speedup, p):
    """Experimentally determined serial fraction; nan for p <= 1 or S <= 0."""
    s = float(speedup)
    p = float(p)
    if not (p > 1) or not (s > 0) or not math.isfinite(s):
        return float("nan")
    return (1.0 / s - 1.0 / p) / (1.0 - 1.0 / p)
