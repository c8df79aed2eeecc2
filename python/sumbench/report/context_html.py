"""The "machine and run context" of one run, as data for the template (page.py renders
it): the machine table, the Slurm jobs, the commands and the files in full."""

ATTEMPT_COLUMNS = ("attempt", "started", "finished", "state", "cause", "reason", "node_list",
                   "batch_host", "log")
MANIFEST_NOTE = ("manifest.json: counts are the sweep runner's own points; the CPython baseline and "
                 "the fidelity run add their points to results.csv only (the counts at the top "
                 "include them)")


def _text(v):
    return "" if v is None else str(v)


def context_view(ctx, table, library_build):
    machine = [[k, v] for k, v in ctx["machine"]]
    for row in machine:
        if row[0] == "Google Benchmark library":
            row[1] = f"{row[1]}: {library_build}"
    view = {"label": ctx["label"], "path": ctx["path"], "run_id": ctx["run_id"], "rows": ctx["rows"],
            "points": ctx["points"], "catalogue": ctx["catalogue"],
            "machine": table(["machine and build", "value"], machine, cls="machine"),
            "command": ctx["command"], "point": ctx["point_command"][0],
            "point_line": ctx["point_command"][1], "warnings": ctx["warnings"],
            "commands": ctx["commands"][:300], "commands_total": len(ctx["commands"]),
            "slurm": [], "slurm_table": None, "files": []}
    for title, items in ctx["files"]:
        if title.startswith("manifest.json"):
            title = MANIFEST_NOTE
        view["files"].append((title, None if items is None else table(
            ["key", "value"], [[{"text": k, "kind": "code"}, v] for k, v in items])))
    jobs = ctx["slurm_jobs"]
    if jobs:
        view["slurm_table"] = table([k for k, _ in jobs[0]["row"]],
                                    [[_text(v) for _, v in j["row"]] for j in jobs], cls="slurm-jobs")
    for j in jobs:
        row = dict(j["row"])
        view["slurm"].append({
            "job": row.get("job_id") or row.get("name"), "command": j["command"],
            "attempts_count": len(j["attempts"]),
            "notes": [(what, j[what]) for what in ("reason", "note") if j[what]],
            "attempts": table(list(ATTEMPT_COLUMNS), [[_text(a.get(k)) for k in ATTEMPT_COLUMNS]
                                                      for a in j["attempts"]], cls="attempts")
            if j["attempts"] else None,
            "facts": table(["slurm.json", "value"], [[{"text": k, "kind": "code"}, v] for k, v in j["facts"]])
            if j["facts"] else None})
    return view
