"""Helpers of runners/sweep.py: config, launcher choice, point execution, progress."""
