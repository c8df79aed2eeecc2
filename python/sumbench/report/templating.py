"""The one jinja2 environment of the reports: templates/, autoescaped (every value is
HTML-escaped unless a template says |safe, which only the page's own CSS, script and
figures' SVG do)."""

import os

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def env():
    import jinja2
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              keep_trailing_newline=True)
