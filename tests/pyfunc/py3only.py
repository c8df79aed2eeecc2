"""A module only Python 3 imports (f-strings): with --python all, Python 2.7 is left out."""


def loop(start, stop):
    label = f"{start}-{stop}"
    return len(label) * 0 + sum(range(start, stop))
