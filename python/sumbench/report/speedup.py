"""Speedup and efficiency of a measured point against a reference time, defined once for
the worker curves' points (analysis.Point: p = workers, the reference is the serial
point) and the node curves' steps (nodes.NodeStep: p = nodes over the reference's nodes,
the reference is the series' point on the fewest nodes):

  strong  S = T_ref / T,            E = S / p
  weak    E = T_ref / T,  scaled speedup S = p * E

Standard library only.
"""


class Speedups:
    """A mixin. The class provides `scaling`, `_timed` (what has the times: `median`, `tmin`,
    `tmax`, `q1`, `q3` and `times`), `_reference` (the reference time, None when there is
    none) and `_p`."""

    def _scale(self, t):
        """Speedup for time t (strong: S; weak: scaled speedup)."""
        if self._reference is None or not t:
            return None
        ratio = self._reference / t
        return ratio * self._p if self.scaling == "weak" else ratio

    @property
    def speedup(self):
        return self._scale(self._timed.median)

    @property
    def speedup_range(self):
        """(low, high) of the speedup over the min-max range of times."""
        if self.speedup is None:
            return None, None
        return self._scale(self._timed.tmax), self._scale(self._timed.tmin)

    @property
    def speedup_iqr(self):
        """(low, high) of the speedup over the interquartile range of times."""
        if self.speedup is None:
            return None, None
        return self._scale(self._timed.q3), self._scale(self._timed.q1)

    @property
    def speedup_reps(self):
        """The speedup of every repetition ([] without a reference)."""
        if self._reference is None:
            return []
        return [self._scale(t) for t in self._timed.times if t > 0]

    @property
    def efficiency(self):
        s = self.speedup
        return None if s is None else s / self._p

    @property
    def efficiency_range(self):
        lo, hi = self.speedup_range
        return (None, None) if lo is None else (lo / self._p, hi / self._p)
