"""sumbench under Slurm (slurm/README.md).

  jobfacts    the job's own record (slurm.json) and the point of a direct run, written by
              slurm/sumbench.sbatch through slurm/slurm_job.py (no JSON written in bash)
  attempts    the attempts of a requeued job: their records, logs, and why each ended
  allocation  the cores a job holds on each node, from its CPU ids (the runner plans on them)
  jobstate    a job's final state: sacct, else scontrol / squeue, else its slurm.json
  submit      one job array per node count (arrays), sized (sizing), on whole cores
              (wholecores), with every variable that changes the run (provenance), and
              the dependent combine job; limits: time limits and deadlines
  combine     every job's state, the combined results.csv, links, the report
"""
