"""A module whose import raises."""
raise ImportError("this module needs a library that is not installed")
