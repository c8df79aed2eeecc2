"""The printed model-against-real table (runners/fidelity.py, table.txt): rendering
only; summary.py computes the rows."""

from __future__ import annotations

from typing import Optional

from .figures import fmt


def _spread(s: dict, which: str) -> str:
    u = s["unit"]
    return f"{fmt(s.get(which + '_median'), u)} [{fmt(s.get(which + '_q1'), u)}, {fmt(s.get(which + '_q3'), u)}]"


def table_lines(table: list[dict], main_thread: Optional[list[dict]] = None) -> list[str]:
    """One line per figure (interpreter median [IQR], model median [IQR], ratio,
    verdict), the other versions' medians below it, and the mechanism of a miss; then
    the post's own CPU ratio against each interpreter's main thread (summary.main_thread_ratios)."""
    lines = [f"{'figure':20} {'policy':8} {'real':9} {'real median [IQR]':30} {'model median [IQR]':30} "
             f"{'ratio':>6}  verdict"]
    for s in table:
        ratio = f"{s['ratio']:.2f}" if s.get("ratio") else "-"
        lines.append(f"{s['figure']:20} {s['policy']:8} {s['reference'] or '-':9} {_spread(s, 'real'):30} "
                     f"{_spread(s, 'model'):30} {ratio:>6}  {s['verdict']}")
        versions = {k: v for k, v in s["versions"].items() if v is not None}
        if len(versions) > 1:
            lines.append(f"{'':20} across versions: " + ", ".join(f"{k} {fmt(v, s['unit'])}" for k, v in versions.items())
                         + f"  (range {fmt(min(versions.values()), s['unit'])} to {fmt(max(versions.values()), s['unit'])})")
        if not s["passed"]:
            lines.append(f"{'':20} not reproduced: {s['mechanism']}")
    if main_thread:
        lines.append("")
        lines.append("not judged: the post's ratio, K threads against the interpreter's main thread (and one "
                     "thread against the main thread); no GIL effect, NOTES.md E15")
        for m in main_thread:
            lines.append(f"{m['figure']:20} {m['version']:9} {fmt(m['ratio_main'], 'x')} "
                         f"(1 thread / main {fmt(m['one_thread_over_main'], 'x')}, {m['n']} runs)")
    return lines
