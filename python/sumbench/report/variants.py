"""The lock variants of a mode (the gil mode's policy and switch interval, or legacy's
check interval instead): which modes have them, sumbench's default, the one drawn as a
mode's main curve, and how variants and intervals are written. Standard library only."""

from collections import Counter

# The results.csv columns that the lock figures and variant labels draw (Point.policy,
# .interval); a mode whose catalogue parameters fill them (modes[].params: the gil mode)
# has variants. A mode's other parameters make series of their own (analysis.build_series).
VARIANT_COLUMNS = ("gil_policy", "switch_interval_s")


def variant_modes(cat):
    return {m["name"] for m in cat.modes
            if any(p["column"] in VARIANT_COLUMNS for p in m.get("params", []))}


def default_variant(cat):
    """(policy, interval) that sumbench runs without flags: the defaults of the flags of
    the parameters that fill VARIANT_COLUMNS (the catalogue's)."""
    flags = {p["column"]: p["flag"] for m in cat.modes for p in m.get("params", [])}
    return tuple((cat.default(flags[c]) or [None])[0] if c in flags else None for c in VARIANT_COLUMNS)


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


def params_text(params, cat):
    """A point's other mode parameters (Point.params) for labels, each as the catalogue
    declares it: "grain 4" (its name_key), a time in seconds "5 ms", a text as it is."""
    declared = {p["column"]: p for m in cat.modes for p in m.get("params", [])}
    out = []
    for column, value in params.items():
        param = declared.get(column, {})
        if param.get("type") == "str":
            out.append(str(value))
        elif param.get("unit") == "s" and isinstance(value, (int, float)):
            out.append(fmt_interval(value))
        else:
            out.append(f"{param.get('name_key') or column} {value}")
    return ", ".join(out)
