"""What an sbatch line must say to be repeated exactly: the variables of the submitting
shell that reach the job (sbatch --export=ALL) and change what it runs.

submit_sweep.py writes every one of them into each job's sbatch line (submit.json, the
report): sumbench.sbatch's own (SUMBENCH=, the binary: an MPICH build's sweep says so;
SUMBENCH_SITE, the site file; SUMBENCH_SRUN_MPI, ...), Slurm's inputs (SLURM_MPI_TYPE,
SBATCH_*, SRUN_*), and those of MPI, OpenMP, hwloc and Google Benchmark. PATH and the
library paths are left out: they name where, and the manifest records the programs found.
"""

from __future__ import annotations

from typing import Mapping

# The variables that change a run: these names, and every name with these prefixes.
NAMES = ("SUMBENCH", "SLURM_MPI_TYPE", "SLURM_HINT", "SLURM_CPU_BIND", "SLURM_DISTRIBUTION",
         "SLURM_THREADS_PER_CORE", "BENCHMARK_CONTEXT")
PREFIXES = ("SUMBENCH_", "SBATCH_", "SRUN_", "OMP_", "GOMP_", "KMP_", "OMPI_", "PMIX_", "PRTE_",
            "MPIR_CVAR_", "HYDRA_", "MPICH_", "I_MPI_", "UCX_", "FI_", "HWLOC_")
# Markers of the test harness, not settings of the run.
NOT_SETTINGS = ("SUMBENCH_TEST_CLUSTER",)


def changes_run(name: str) -> bool:
    return (name in NAMES or name.startswith(PREFIXES)) and name not in NOT_SETTINGS


def exported(environ: Mapping[str, str], explicit: Mapping[str, str]) -> dict:
    """The job's environment as its sbatch line says it: `explicit` (what submit_sweep.py
    sets) first, then every inherited variable that changes the run, by name."""
    inherited = {k: v for k, v in sorted(environ.items()) if changes_run(k) and k not in explicit}
    return {**explicit, **inherited}
