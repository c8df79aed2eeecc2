"""The sweep runner (runners/sweep.py): one sumbench process per point, one folder per
point, results.csv rebuilt from the folders (docs/DESIGN.md).

  config    command line + config file -> one validated dict
  plan      the points of a sweep, from the catalogue's layouts and default sizes
  launch    how to start one point: environment, launcher, placement
  execute   run one point: process group, timeout, reruns, its folder
  progress  progress lines and the live bar
  engine    the sweep itself: set-up, resume, dry run, manifest, the loop over points
"""
