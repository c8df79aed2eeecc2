"""The lock variants of a mode (the gil mode's policy and switch interval, or legacy's
check interval instead): which modes have them, sumbench's default, the one drawn as a
mode's main curve, and how variants and intervals are written. Standard library only."""

from collections import Counter

# The flags whose values make separate points of a mode (the gil mode's policy and
# switch interval); the catalogue names the modes they configure.
VARIANT_FLAGS = ("--gil-policy", "--switch-interval")


def variant_modes(cat):
    return {m for flag in VARIANT_FLAGS for m in cat.modes_configured_by(flag)}


def default_variant(cat):
    """(policy, interval) that sumbench runs without flags."""
    return cat.default("--gil-policy")[0], cat.default("--switch-interval")[0]


def fmt_interval(seconds):
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:g} ms"
    return f"{seconds * 1e6:g} µs"


def interval_text(interval, check):
    """The switch interval ("5 ms"), or Python 2's check interval ("check 100"), or ""."""
    if check is not None:
        return f"check {check}"
    return fmt_interval(interval) if interval is not None else ""



def main_variant(points, cat):
    """(policy, interval, check) of the variant points drawn as the mode's main curve:
    sumbench's defaults when present, else the most common (legacy has a check interval
    instead of a switch interval)."""
    variants = variant_modes(cat)
    found = [p for p in points if p.mode in variants]
    if not found:
        return None
    default_policy, default_interval = default_variant(cat)
    policies = Counter(p.policy for p in found)
    policy = default_policy if default_policy in policies else policies.most_common(1)[0][0]
    settings = Counter((p.interval, p.check) for p in found if p.policy == policy)
    if (default_interval, None) in settings:
        return policy, default_interval, None
    interval, check = max(settings.items(), key=lambda kv: (kv[1], -(kv[0][0] or 0),
                                                            -(kv[0][1] or 0)))[0]
    return policy, interval, check


def variant_text(variant):
    """"cpython, 5 ms" or "legacy, check 100": a variant for labels."""
    policy, interval, check = variant
    return f"{policy}, {interval_text(interval, check) or fmt_interval(None)}"
