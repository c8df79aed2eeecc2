"""The commands: each main() parses its command line and calls into the package. The
table sumbench.commands names them; python/entry.py runs them (runners/, reports/ and
slurm/ hold links to it)."""
