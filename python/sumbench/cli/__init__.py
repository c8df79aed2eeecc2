"""The entry points: each main() parses its command line and calls into the package.
python/<name>.py runs them; runners/, reports/ and slurm/ link to those scripts."""
