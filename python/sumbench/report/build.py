"""A report folder: index.html, figures/ and tables/, built in a temporary folder beside
REPORT_DIR and renamed into place, so that a failure leaves no partial report."""

import json
import os
import shutil
import tempfile

from ..errors import UsageError
from ..io import make_dir_beside


def check_out(out, sweeps):
    out = os.path.abspath(out)
    for s in sweeps:
        if out == s.path or s.path.startswith(out + os.sep):
            raise UsageError(f"--out {out} would replace the sweep folder {s.path}")
    if os.path.exists(out):
        if not os.path.isdir(out):
            raise UsageError(f"--out {out} exists and is not a folder")
        entries = os.listdir(out)
        if entries and "index.html" not in entries:
            raise UsageError(f"--out {out} exists and does not hold a report "
                             "(no index.html); refusing to replace it")
    return out


def _figures_json(figs, folder):
    return [{"name": os.path.basename(f.png)[:-4], "title": f.title,
             "png": os.path.relpath(f.png, folder), "svg": os.path.relpath(f.svg, folder),
             "width_in": f.width_in, "height_in": f.height_in, "dpi": f.dpi,
             "width_px": f.pixel_size[0], "height_px": f.pixel_size[1]} for f in figs]


def build(sweeps, out):
    """Analyse, draw, tabulate and render into a new folder, then swap it in. Returns the
    figures. Needs matplotlib and numpy."""
    from . import analysis, figures, page, tables  # matplotlib/numpy from here on

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = make_dir_beside(out, f".{os.path.basename(out)}.tmp-")
    try:
        runs = [analysis.RunAnalysis(s) for s in sweeps]
        fig_dir = os.path.join(tmp, "figures")
        tables_dir = os.path.join(tmp, "tables")
        os.makedirs(tables_dir)
        figs = figures.all_figures(runs, fig_dir)
        computed = tables.compute(runs)
        tables.write_csvs(computed, tables_dir)
        text = page.build_page(runs, figs, computed)
        with open(os.path.join(tmp, "index.html"), "w", encoding="utf-8") as fh:
            fh.write(text)
        with open(os.path.join(fig_dir, "figures.json"), "w", encoding="utf-8") as fh:
            json.dump(_figures_json(figs, tmp), fh, indent=1)
        # Swap in: old report aside, new one in place, old one removed.
        old = None
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=parent)
            os.rename(out, os.path.join(old, "report"))
        os.rename(tmp, out)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        return figs
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
