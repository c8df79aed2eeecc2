"""Value parsers with sumbench's own rules (driver/options.cpp, modes/gil_lock.cpp).

The syntax is sumbench's; the ranges and the allowed names come from the catalogue's
flag table (``parse_flag``), so that the runner refuses what sumbench would refuse,
before it creates anything. tests/python/flag_values.tsv is fed to both sides: a valid
value must give the same normalised value, an invalid one exit 2 on both.

Normalised values are those of the catalogue's ``options``: lists of names or ints,
layouts as "RxT", switch intervals in seconds.
"""

from __future__ import annotations

import math
import re
from typing import Optional, Sequence

from .errors import UsageError

# A number as C++'s std::from_chars (general format) reads it: no '+', no spaces, no hex.
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_UNITS = (("us", 1e-6), ("ms", 1e-3), ("s", 1.0))


def split_list(flag: str, text: str) -> list[str]:
    """Comma-separated items; an empty item is an error wherever it is (",1", "1,,2" and
    "1," alike), as in every list sumbench takes."""
    if text == "":
        raise UsageError(f"{flag} needs a value: {flag}=LIST")
    items = text.split(",")
    if any(item == "" for item in items):
        raise UsageError(f"{flag}={text}: empty item in the list; use comma-separated values")
    return items


def parse_int_list(flag: str, text: str, low: int = 1, high: Optional[int] = None) -> list[int]:
    allowed = f"{flag} takes comma-separated whole numbers " + \
        (f"from {low} to {high}" if high is not None else f"of at least {low}")
    out = []
    for item in split_list(flag, text):
        if not item.isascii() or not item.isdigit():
            raise UsageError(f"{flag}={text}: '{item}' is not a whole number; {allowed}")
        value = int(item)
        if value < low or (high is not None and value > high):
            raise UsageError(f"{flag}={text}: {item} is out of range; {allowed}")
        out.append(value)
    return out


def parse_int(flag: str, text: str, low: int = 1, high: Optional[int] = None) -> int:
    """One whole number (a list of one, as sumbench reads it)."""
    values = parse_int_list(flag, text, low, high)
    if "," in text:
        raise UsageError(f"{flag}={text}: takes one value")
    return values[0]


def parse_size(flag: str, text: str, low: int = 1, high: int = 1 << 62) -> int:
    allowed = f"{flag} takes a whole number from {low} to {high}"
    if text == "" or not text.isascii() or not text.isdigit():
        raise UsageError(f"{flag}={text} is not a number: {allowed}")
    value = int(text)
    if value > high:
        raise UsageError(f"{flag}={text} is too large: {allowed}")
    if value < low:
        raise UsageError(f"{flag}={text} is not allowed: {allowed}")
    return value


def parse_layout(flag: str, text: str, item: str, low: int = 1,
                 high: Optional[int] = None) -> tuple[int, int]:
    """One RxT layout (ranks x threads)."""
    each = f"each {low} to {high}" if high is not None else f"each at least {low}"
    allowed = f"{flag} takes RxT layouts such as 2x2,4x1 (ranks x threads, {each})"
    ranks, sep, threads = item.partition("x")
    numbers = (ranks, threads)
    if not sep or not all(x.isascii() and x.isdigit() for x in numbers):
        raise UsageError(f"{flag}={text}: '{item}' is not RxT; {allowed}")
    r, t = int(ranks), int(threads)
    if not all(low <= v and (high is None or v <= high) for v in (r, t)):
        raise UsageError(f"{flag}={text}: '{item}' is out of range; {allowed}")
    if high is not None and r * t > high:  # the most workers: R x T together (sumbench's rule)
        raise UsageError(f"{flag}={text}: '{item}' has {r * t} workers; {allowed}, "
                         f"R x T at most {high}")
    return r, t


def parse_layouts(flag: str, text: str, low: int = 1, high: Optional[int] = None) -> list[str]:
    return [layout_text(*parse_layout(flag, text, item, low, high)) for item in split_list(flag, text)]


def layout_text(ranks: int, threads: int) -> str:
    return f"{ranks}x{threads}"


def layout_of(text: str) -> tuple[int, int]:
    """(ranks, threads) of a normalised "RxT"."""
    r, t = text.split("x")
    return int(r), int(t)


# sumbench's range of --switch-interval (its catalogue's min and max, kMaxSwitchIntervalS):
# the defaults where no catalogue is asked (the CPython baseline's --switch-interval).
MIN_SWITCH_INTERVAL_S, MAX_SWITCH_INTERVAL_S = 1e-6, 1.0


def switch_interval_s(text: str, low: float = MIN_SWITCH_INTERVAL_S,
                      high: float = MAX_SWITCH_INTERVAL_S) -> Optional[float]:
    """Seconds of one interval like sys.setswitchinterval's argument: 500us, 1ms, 0.005s
    or 0.005 (seconds); None when it is not one, or outside [low, high]."""
    unit = 1.0
    for suffix, scale in _UNITS:
        if text.endswith(suffix):
            text, unit = text[: -len(suffix)], scale
            break
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    if not math.isfinite(value):
        return None
    seconds = value * unit
    # Names carry whole microseconds; the 1e-12 forgives the rounding of "1us".
    if not (seconds >= low - 1e-12) or seconds > high:
        return None
    return seconds


def parse_switch_intervals(flag: str, text: str, low: float = MIN_SWITCH_INTERVAL_S,
                           high: float = MAX_SWITCH_INTERVAL_S) -> list[float]:
    out = []
    for item in split_list(flag, text):
        seconds = switch_interval_s(item, low, high)
        if seconds is None:
            raise UsageError(f"{flag}: '{item}' is not a duration between {interval_token(low)} "
                             f"and {interval_token(high)}; use e.g. 500us, 1ms, 0.005s or 0.005 (seconds)")
        out.append(seconds)
    return out


def interval_token(seconds: float) -> str:
    """Seconds -> the shortest exact spelling: 5ms, 500us, 1s, 1.5us."""
    us = seconds * 1e6
    if abs(us - round(us)) < 1e-6:
        us = int(round(us))
        if us % 1_000_000 == 0:
            return f"{us // 1_000_000}s"
        if us % 1000 == 0:
            return f"{us // 1000}ms"
        return f"{us}us"
    return f"{us:g}us"


def parse_names(flag: str, text: str, allowed: Sequence[str], what: str) -> list[str]:
    out = []
    for name in split_list(flag, text):
        if name not in allowed:
            raise UsageError(f"{flag}: unknown {what} '{name}'; allowed: {','.join(allowed)}")
        out.append(name)
    return out


def parse_choice(flag: str, text: str, allowed: Sequence[str]) -> str:
    if text not in allowed:
        raise UsageError(f"{flag}={text} is not allowed; use {' or '.join(allowed)}")
    return text


def parse_flag(spec: dict, text: Optional[str]):
    """The normalised value of sumbench flag `spec` (a row of the catalogue's `flags`)
    given as ``--name=text`` (text None: given without '='); raises UsageError."""
    name, kind = spec["name"], spec["type"]
    if kind == "switch":
        if text is not None and text not in (spec.get("choices") or []):
            raise UsageError(f"{name} takes no value (got '{name}={text}')")
        return True
    if text is None:
        raise UsageError(f"{name} needs a value: {name}=VALUE")
    low, high = spec.get("min"), spec.get("max")
    if kind == "names":
        return parse_names(name, text, spec["choices"], name.lstrip("-").rstrip("s").replace("-", " "))
    if kind == "choice":
        return parse_choice(name, text, spec["choices"])
    if kind == "int_list":
        return parse_int_list(name, text, int(low), int(high))
    if kind == "int":
        return parse_int(name, text, int(low), int(high))
    if kind == "size":
        return parse_size(name, text, int(low), int(high))
    if kind == "layouts":
        return parse_layouts(name, text, int(low), int(high))
    if kind == "duration_list":
        return parse_switch_intervals(name, text, float(low), float(high))
    if kind == "list":  # a mode's own flag: its items, which sumbench's mode checks
        return split_list(name, text)
    raise UsageError(f"{name}: this sumbench has a flag type '{kind}' that this Python does not know")
