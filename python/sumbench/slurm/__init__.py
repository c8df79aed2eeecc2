"""sumbench under Slurm (slurm/README.md).

  jobfacts  the job's own record (slurm.json) and the point of a direct run, written by
            slurm/sumbench.sbatch through python/slurm_job.py (no JSON written in bash)
  attempts  the attempts of a requeued job: their records, logs, and why each ended
  jobstate  a job's final state: sacct, else scontrol / squeue, else its slurm.json
  submit    one job per node count x layout, and the dependent combine job
  combine   every job's state, the combined results.csv, links, the report
"""
