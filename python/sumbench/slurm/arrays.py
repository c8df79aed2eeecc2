"""A sweep's jobs as Slurm job arrays: one array per node count, one task per layout.

Array tasks share every sbatch option but their index, so the tasks of one node count
differ only by their points: each task reads its runner arguments from
SUMBENCH_SWEEP_ARGS_<index> (slurm/sumbench.sbatch) and writes slurm-<array>_<index>/.
The allocation is the same for all of them: R x T per node when the node count has one
layout, else max(R x T) tasks of one CPU per node; each point's srun then asks for its
own layout inside it (--ntasks-per-node, --cpus-per-task). --array=0-(m-1)%K runs at
most K tasks at once; the combine job waits for the arrays (afterany:<array id>).
"""

from __future__ import annotations

import math
from typing import Optional

TASK_ARGS = "SUMBENCH_SWEEP_ARGS_{index}"
DEFAULT_THROTTLE = 4


def group(jobs: list[dict], throttle: int) -> list[dict]:
    """The arrays of `jobs` (each a node count x layout of plan_jobs), in order; each
    job gets its "array_index"."""
    arrays = []
    for nodes in dict.fromkeys(j["nodes"] for j in jobs):
        tasks = [j for j in jobs if j["nodes"] == nodes]
        layouts = {(t["ranks_per_node"], t["threads"]) for t in tasks}
        if len(layouts) == 1:
            per_node, cpus = next(iter(layouts))
        else:
            per_node, cpus = max(r * t for r, t in layouts), 1
        for i, t in enumerate(tasks):
            t["array_index"] = i
        arrays.append({"name": f"sumbench-N{nodes}", "nodes": nodes, "tasks": tasks,
                       "ntasks_per_node": per_node, "cpus_per_task": cpus,
                       "throttle": max(1, min(throttle, len(tasks)))})
    return arrays


def array_flag(array: dict) -> str:
    return f"--array=0-{len(array['tasks']) - 1}%{array['throttle']}"


def task_env(array: dict) -> dict:
    return {TASK_ARGS.format(index=t["array_index"]): t["sweep_args"] for t in array["tasks"]}


def waves(array: dict) -> int:
    """How many rounds of tasks the throttle lets run one after the other."""
    return math.ceil(len(array["tasks"]) / array["throttle"])


def task_id(array_id: str, index: int) -> str:
    return f"{array_id}_{index}"


def deadline_span(array: dict, limit_s: Optional[int], margin_s: Optional[int]) -> Optional[int]:
    """Seconds from submission to the array's --deadline: each wave of tasks may wait
    `margin_s` in the queue (a requeue included) and then run its time limit; None when
    there is no deadline (margin none, or no time limit)."""
    if margin_s is None or limit_s is None:
        return None
    return waves(array) * (limit_s + margin_s)
