"""runners/tidy.py: rebuild results.csv of sweep folders from their point folders.

    python3 runners/tidy.py SWEEP_DIR [SWEEP_DIR ...]

results.csv is derived from the point folders' JSON (docs/DESIGN.md); this rewrites it,
atomically, for example after a run was killed or when a Slurm job ends. Exit status:
0 rebuilt, 2 usage error (a folder that is not a sweep folder of sumbench's), 3 a
runtime error (disk full, I/O; the old results.csv is kept).
"""

from __future__ import annotations

from pathlib import Path

from .. import folders
from ..errors import ArgParser, RuntimeFailure, UsageError, os_error_text, prog_name, run_main
from ..tidy_table import rebuild_results

PROG = "tidy.py"


def body(argv) -> int:
    p = ArgParser(prog=PROG, description="Rebuild results.csv of sweep folders from their point folders.",
                  exits=((0, "rebuilt"), (2, "usage error: not a sumbench sweep folder (nothing written)")))
    p.add_argument("sweeps", nargs="+", metavar="SWEEP_DIR")
    args = p.parse_args(argv)
    for folder in args.sweeps:
        if folders.kind_of(folder) not in ("sweep", "slurm-job", "slurm") or \
                not (Path(folder) / "points").is_dir():
            raise UsageError(f"{folder}: not a sweep folder made by sumbench (no "
                             f"{folders.MARKER} or sweep files beside points/); its "
                             f"results.csv is not rebuilt")
    for folder in args.sweeps:
        try:
            print(f"{prog_name(PROG)}: wrote {rebuild_results(folder)}")
        except OSError as e:
            raise RuntimeFailure(f"{folder}: cannot write results.csv: {os_error_text(e)}") from None
    return 0


def main(argv=None) -> int:
    return run_main(PROG, body, argv)
