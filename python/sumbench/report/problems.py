"""The failed, invalid and unstable points of a sweep, and the counts the report gives
for them, both from the same rows: results.csv (every source: the sweep's own points, the
CPython baseline's and the fidelity run's) and the point folders' status.json. The
manifest's counts are the sweep runner's own points only; the report says so where it
shows them. Standard library only."""

from collections import OrderedDict


def problem_rows(sweep):
    """Failed, invalid and unstable points of one sweep, one entry per point."""
    out = OrderedDict()
    for row in sweep.rows:
        pid = row["point_id"]
        reasons, kinds = [], set()
        if row["status"] != "ok":
            reasons.append(f"status {row['status']}")
            kinds.add("invalid" if row["status"] == "invalid" else "failed")
        if row.get("valid") == 0:
            reasons.append("invalid result (valid = 0)")
            kinds.add("invalid")
        reasons += [f"invalid row: {why}" for why in row.get("_invalid") or []]
        kinds |= {"invalid"} if row.get("_invalid") else set()
        if row.get("unstable") == 1:
            cv = row.get("cv")
            reasons.append("unstable" + (f" (cv {cv * 100:.1f}%)" if cv is not None else ""))
            kinds.add("unstable")
        if not reasons:
            continue
        entry = out.setdefault(pid, {"point_id": pid, "kernel": row["kernel"],
                                     "mode": row["mode"], "workers": row.get("workers"),
                                     "source": row.get("source") or "sumbench",
                                     "reasons": [], "detail": "", "kinds": set()})
        entry["kinds"] |= kinds
        for r in reasons:
            if r not in entry["reasons"]:
                entry["reasons"].append(r)
    csv_ids = {r["point_id"] for r in sweep.rows}
    for pid, status in sweep.statuses.items():
        st = status.get("status")
        detail = []
        if status.get("exit_code") not in (None, 0):
            detail.append(f"exit code {status.get('exit_code')}")
        if status.get("reason"):
            detail.append(str(status["reason"]))
        warnings = status.get("warnings")
        if isinstance(warnings, list) and warnings and (st != "ok" or pid in out):
            detail += [str(w) for w in warnings[:3]]
        if st not in (None, "ok") and pid not in out:
            out[pid] = {"point_id": pid, "kernel": "", "mode": "", "workers": None,
                        "source": status.get("source") or "sumbench",
                        "reasons": [f"status {st}" + ("" if pid in csv_ids
                                                      else " (not in results.csv)")],
                        "detail": "", "kinds": {"invalid" if st == "invalid" else "failed"}}
        if pid in out and detail:
            out[pid]["detail"] = "; ".join(detail)
    for entry in out.values():   # the worst: a failed point is not also counted invalid
        entry["kind"] = next(k for k in ("failed", "invalid", "unstable") if k in entry["kinds"])
        del entry["kinds"]
    return list(out.values())


def point_counts(sweep, problems):
    """{points, ok, failed, invalid, unstable, by_source: {source: {...}}} of one sweep:
    every point of results.csv or with a status.json, each counted once, as problem_rows
    lists it (a failed point that was also unstable counts as failed; an unstable one is
    still ok)."""
    sources = OrderedDict()   # the point's status.json says best (the fidelity point's rows are of two)
    for pid, status in sweep.statuses.items():
        sources[pid] = status.get("source") or "sumbench"
    for row in sweep.rows:
        sources.setdefault(row["point_id"], row.get("source") or "sumbench")

    def empty():
        return {"points": 0, "ok": 0, "failed": 0, "invalid": 0, "unstable": 0}
    out = dict(empty(), by_source=OrderedDict())
    for source in sources.values():
        for c in (out, out["by_source"].setdefault(source, empty())):
            c["points"] += 1
            c["ok"] += 1
    for p in problems:
        for c in (out, out["by_source"].setdefault(sources.get(p["point_id"], p["source"]), empty())):
            c[p["kind"]] += 1
            c["ok"] -= p["kind"] != "unstable"
    return out
