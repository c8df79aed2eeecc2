"""report.py end to end: a synthetic sweep, two runs, a real sweep, the interpreter hunt."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import fixtures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


class ReportChecks:
    """Assertions shared by the synthetic and the real report."""

    def check_report(self, out, kernels, min_figures):
        index = os.path.join(out, "index.html")
        self.assertTrue(os.path.isfile(index))
        page = read(index)
        self.assertGreater(len(page), 10000)
        meta = json.loads(read(os.path.join(out, "figures", "figures.json")))
        self.assertGreaterEqual(len(meta), min_figures)
        names = {m["name"] for m in meta}
        for kernel in kernels:
            for kind in ("time", "speedup", "efficiency"):
                self.assertIn(f"{kernel}_strong_{kind}", names)
        self.assertIn("summary_speedup", names)
        import matplotlib.image as mpimg
        for m in meta:
            png = os.path.join(out, m["png"])
            svg = os.path.join(out, m["svg"])
            for path in (png, svg):
                self.assertTrue(os.path.isfile(path), path)
                self.assertGreater(os.path.getsize(path), 2000, path)
            # PNG header: the size is the figure size x dpi.
            w, h = fixtures.png_size(png)
            self.assertEqual((w, h), (round(m["width_in"] * m["dpi"]),
                                      round(m["height_in"] * m["dpi"])), png)
            # Independent of figures.json: the SVG's size in points (1/72 in).
            svg_text = read(svg)
            mw = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg_text)
            mh = re.search(r'<svg[^>]*\sheight="([\d.]+)pt"', svg_text)
            self.assertAlmostEqual(float(mw.group(1)) / 72.0 * m["dpi"], w, delta=1.0)
            self.assertAlmostEqual(float(mh.group(1)) / 72.0 * m["dpi"], h, delta=1.0)
            # The image decodes fully and is not blank.
            img = mpimg.imread(png)
            self.assertEqual(img.shape[:2], (h, w))
            self.assertGreater(float(img[..., :3].std()), 0.05, png)
            # Embedded in the page as inline SVG with its alt text; no external resource.
            self.assertIn(f'data-figure="{m["name"]}"', page)
            self.assertTrue(m["alt"].strip(), m["name"])
            self.assertGreaterEqual(len(m["x_values"]), 2 if m["name"] != "summary_speedup" and
                                    not m["name"].startswith("fidelity") else 0, m["name"])
        self.assertEqual(len(re.findall(r'<svg role="img" aria-label="[^"]+"', page)), len(meta))
        self.assertNotIn("data:image/png", page)
        self.assertNotRegex(page, r'(src|href)="(https?:)?//')
        for section in ("answer", "fits", "karp-flatt", "medians", "problems", "context"):
            self.assertIn(f'id="{section}"', page)
        for table in ("fits.csv", "karp_flatt.csv", "medians.csv", "problems.csv"):
            self.assertTrue(os.path.isfile(os.path.join(out, "tables", table)))
        return page, meta


class SyntheticReportTest(ReportChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sumbench-report-")
        cls.sweep = fixtures.make_sweep(os.path.join(cls.tmp, "sweep-a"), run_id="run-a")
        cls.out = os.path.join(cls.tmp, "report")
        cls.proc = fixtures.run_script([fixtures.REPORT_PY, cls.sweep, "--out", cls.out])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_report_and_figures(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        page, meta = self.check_report(self.out, ["sum", "sleep"], 9)
        names = {m["name"] for m in meta}
        self.assertIn("gil_convoy_latency", names)
        self.assertIn("gil_sum_throughput", names)
        self.assertEqual(fixtures.leftovers(self.tmp), [])

    def test_the_answer_first(self):
        page = read(os.path.join(self.out, "index.html"))
        self.assertLess(page.index('id="answer"'), page.index('id="summary"'))
        answers = dict(re.findall(r'<li class="answer[^"]*" data-kernel="(\w+)"[^>]*>([^<]*)</li>', page))
        self.assertEqual(set(answers), {"sum", "sleep"})
        # fixtures: 2 cores, 3 repetitions; processes and OpenMP scale on sum, the GIL does not.
        self.assertRegex(answers["sum"], r"^CPU-bound \(sum\), 2 workers: ")
        self.assertRegex(answers["sum"], r"use OpenMP threads, MPI processes or CPython processes; "
                                         r"threads under a GIL-like lock and CPython threads do not speed it up")
        self.assertIn("median of 3 repetitions; all stable", answers["sum"])
        self.assertNotIn("hybrid", answers["sum"])   # hybrid at 2 workers is 2x1: MPI, named once
        self.assertIn("any will do", answers["sleep"])
        # The same sentences end report.py's output and summary.py --format answer (scripts/main.sh).
        self.assertEqual(self.proc.stdout.splitlines()[-2:], [answers["sum"], answers["sleep"]])
        summary = fixtures.run_script([os.path.join(fixtures.REPORTS_DIR, "summary.py"), self.sweep,
                                       "--format", "answer"])
        self.assertEqual(summary.stdout.splitlines(), [answers["sum"], answers["sleep"]], summary.stderr)
        # The counts at the top and the problems list agree: 1 failed, 1 invalid, 1 unstable.
        counts = re.search(r'<p class="counts"[^>]*data-unstable="(\d+)" data-points="(\d+)"', page)
        problems = page[page.index('id="problems"'):page.index('id="context"')]
        self.assertEqual(int(counts.group(1)), problems.count(">unstable"))
        self.assertEqual(int(counts.group(1)), 1)

    def test_verdicts_are_computed_from_the_data(self):
        page = read(os.path.join(self.out, "index.html"))
        verdicts = dict(re.findall(r'<li class="verdict" data-kernel="(\w+)"[^>]*>([^<]*)</li>',
                                   page))
        self.assertEqual(set(verdicts), {"sum", "sleep"})
        # fixtures: 2 cores; omp ~1.96x and gil < 1x on sum; everything ~2x on sleep.
        sum_line = verdicts["sum"]
        self.assertTrue(sum_line.startswith("sum: "), sum_line)
        self.assertTrue(sum_line.endswith("at 2 workers"), sum_line)
        speed = {m: float(v) for m, v in re.findall(r"([\w-]+) ([\d.]+)×", sum_line)}
        self.assertAlmostEqual(speed["omp"], 1.0 / (0.02 + 0.98 / 2), delta=0.06)
        self.assertLess(speed["gil"], 1.05)
        self.assertLess(speed["cpython-threads"], 1.05)
        self.assertGreater(speed["mpi"], 1.8)
        self.assertGreater(speed["cpython-processes"], 1.7)
        sleep = {m: float(v) for m, v in re.findall(r"([\w-]+) ([\d.]+)×", verdicts["sleep"])}
        self.assertGreater(sleep["gil"], 1.8)

    def test_problems_tables_and_context(self):
        page = read(os.path.join(self.out, "index.html"))
        problems = page[page.index('id="problems"'):page.index('id="context"')]
        # fixtures: sum/mpi at 4 failed, sleep/hybrid at 4 invalid, sum/omp at 4 unstable.
        self.assertRegex(problems, r"sum-mpi-r4t1</code>.*status failed")
        self.assertRegex(problems, r"sleep-hybrid-r2t2</code>.*invalid")
        self.assertRegex(problems, r"sum-omp-r1t4</code>.*unstable")
        self.assertNotRegex(problems, r"sum-omp-r1t2</code>")
        context = page[page.index('id="context"'):]
        for text in ("Synthetic CPU @ 2.0GHz", "Open MPI v4.1.4", "GNU 12.2.0",
                     "0123456789abcdef", "testhost", "build/sumbench --kernels=sum"):
            self.assertIn(text, context)
        with open(os.path.join(self.out, "tables", "medians.csv"), newline="") as fh:
            rows = list(csv.DictReader(fh))
        over = [r for r in rows if r["workers"] == "4" and r["mode"] == "omp"
                and r["kernel"] == "sum"]
        self.assertIn("oversubscribed", over[0]["flags"])
        with open(os.path.join(self.out, "tables", "fits.csv"), newline="") as fh:
            self.assertEqual(list(csv.DictReader(fh)), [])   # 1 and 2 workers within 2 cores: no fit
        fits_line = page[page.index('id="fits"'):]
        self.assertTrue(fits_line.startswith('id="fits"><b>Serial fraction fits:</b> not in this report. '
                                             "A fit needs a series at 3 or more worker counts"), fits_line[:300])
        self.assertNotIn('<section id="nodes"', page)       # no node series: one line, no section
        self.assertIn('<p class="missing" id="nodes">', page)
        self.assertNotIn('href="#nodes"', page)

    def test_rerun_replaces_only_the_reports_own_files(self):
        """A re-run replaces the files the report wrote (its marker lists them) and only
        those: a file the user put in the folder stays; one the old report wrote and the
        new one does not is removed."""
        stamp = os.path.join(self.out, "old-marker")
        open(stamp, "w").close()
        index = os.path.join(self.out, "index.html")
        with open(index, "a", encoding="utf-8") as fh:
            fh.write("<!-- an older report -->")
        gone = os.path.join(self.out, "figures", "an_old_figure.png")
        open(gone, "w").close()
        marker = os.path.join(self.out, ".sumbench.json")
        with open(marker, encoding="utf-8") as fh:
            doc = json.load(fh)
        doc["files"].append("figures/an_old_figure.png")
        with open(marker, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        proc = fixtures.run_script([fixtures.REPORT_PY, self.sweep, "--out", self.out])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.exists(stamp), "the user's file was removed")
        self.assertFalse(os.path.exists(gone), "a file of the old report was left")
        with open(index, encoding="utf-8") as fh:
            self.assertNotIn("an older report", fh.read())
        with open(marker, encoding="utf-8") as fh:
            self.assertNotIn("figures/an_old_figure.png", json.load(fh)["files"])
        self.assertEqual(fixtures.leftovers(self.tmp), [])


class MarkedAnswerTest(unittest.TestCase):
    """An unstable or superlinear point is never a plain result: the sentence marks it and
    recommends from the plain ones."""

    def test_unstable_and_superlinear_points_are_marked(self):
        from sumbench.report import analysis, answer
        from sumbench.report.data import load_sweep
        with tempfile.TemporaryDirectory(prefix="sumbench-marked-") as tmp:
            sweep = fixtures.make_sweep(os.path.join(tmp, "s"), failures=False, gil_variants=False,
                                        convoy=False, factors={("sum", "cpython-processes", 2, 1): 0.8},
                                        unstable_points={("sum", "cpython-processes", 2, 1)})
            run = analysis.RunAnalysis(load_sweep(sweep))
        sum_answer = [a for a in answer.answers(run) if a["kernel"] == "sum"][0]
        text = sum_answer["text"]
        self.assertRegex(text, r"CPython processes 2\.[3-4]\d× \(unstable: cv 25%; above the ideal 2×\)")
        self.assertIn("1 of 5 not a plain result (marked)", text)
        self.assertEqual(sum_answer["flagged"][0]["marks"], ["unstable", "superlinear"])
        self.assertRegex(text, r"use OpenMP threads or MPI processes;")   # the marked point is not advice

    def test_threads_taking_turns_above_one_are_marked(self):
        """CPython's threads under its GIL at 1.36x on a CPU-bound loop: a lock cannot give
        that (its serial reference ran slower: on a VM, another vCPU), so it is marked, not a
        plain result; the same threads on the I/O-bound kernel, or without a GIL, are not."""
        from sumbench.report import analysis, answer
        from sumbench.report.data import load_sweep
        for gil_kind, marked in (("new", True), ("free-threaded", False)):
            with self.subTest(gil_kind=gil_kind), tempfile.TemporaryDirectory(prefix="sumbench-turns-") as tmp:
                sweep = fixtures.make_sweep(os.path.join(tmp, "s"), failures=False, gil_variants=False,
                                            convoy=False, factors={("sum", "cpython-threads", 1, 2): 0.7})
                with open(os.path.join(sweep, "results.csv"), newline="") as fh:
                    rows = list(csv.DictReader(fh))
                self.assertIn("gil_kind", rows[0])
                for r in rows:
                    if r["mode"] in ("cpython-threads", "cpython-serial", "cpython-processes"):
                        r["gil_kind"] = gil_kind
                with open(os.path.join(sweep, "results.csv"), "w", newline="") as fh:
                    out = csv.DictWriter(fh, fieldnames=list(rows[0]))
                    out.writeheader()
                    out.writerows(rows)
                run = analysis.RunAnalysis(load_sweep(sweep))
            by_kernel = {a["kernel"]: a for a in answer.answers(run)}
            text = by_kernel["sum"]["text"]
            self.assertRegex(text, r"CPython threads 1\.3\d×")
            self.assertEqual("CPython threads 1.3" in text and "take turns" in text, marked, text)
            self.assertEqual([f["marks"] for f in by_kernel["sum"]["flagged"]], [["turns"]] if marked else [])
            self.assertEqual(by_kernel["sleep"]["flagged"], [], "an I/O-bound kernel's threads release the lock")
            self.assertNotIn("turns", by_kernel["sleep"]["text"])

    def test_no_firm_advice_when_every_gain_is_unstable(self):
        from sumbench.report import analysis, answer
        from sumbench.report.data import load_sweep
        shaky = {("sum", mode, r, t) for mode, r, t in (("omp", 1, 2), ("mpi", 2, 1), ("hybrid", 2, 1),
                                                         ("cpython-processes", 2, 1))}
        with tempfile.TemporaryDirectory(prefix="sumbench-marked-") as tmp:
            sweep = fixtures.make_sweep(os.path.join(tmp, "s"), failures=False, gil_variants=False,
                                        convoy=False, unstable_points=shaky)
            run = analysis.RunAnalysis(load_sweep(sweep))
        text = [a for a in answer.answers(run) if a["kernel"] == "sum"][0]["text"]
        self.assertIn("no firm advice: the modes that gain (OpenMP threads, MPI processes and CPython "
                      "processes) are not plain results", text)
        self.assertNotIn("nothing speeds it up", text)


    def test_an_answer_beside_series_over_nodes(self):
        """mpi also on 2 and 4 nodes (2 ranks each): no worker count every series has, and
        still a sentence, at the count most series have."""
        from sumbench.report import analysis, answer
        from sumbench.report.data import load_sweep
        with tempfile.TemporaryDirectory(prefix="sumbench-nodes-") as tmp:
            sweep = fixtures.make_sweep(os.path.join(tmp, "s"), failures=False, gil_variants=False,
                                        convoy=False, cpython=False)
            with open(os.path.join(sweep, "results.csv"), newline="") as fh:
                rows = list(csv.DictReader(fh))
            more = [dict(r, ranks=str(2 * n), workers=str(2 * n), nodes=str(n), time_s=str(float(r["time_s"]) / n),
                         point_id=f"{r['point_id']}-n{n}")
                    for r in rows if (r["kernel"], r["mode"], r["ranks"]) == ("sum", "mpi", "2") for n in (2, 4)]
            with open(os.path.join(sweep, "results.csv"), "w", newline="") as fh:
                out = csv.DictWriter(fh, fieldnames=list(rows[0]))
                out.writeheader()
                out.writerows(rows + more)
            run = analysis.RunAnalysis(load_sweep(sweep))
        self.assertTrue(run.node_groups)
        sum_answer = [a for a in answer.answers(run) if a["kernel"] == "sum"][0]
        self.assertEqual(sum_answer["workers"], 2)
        self.assertIn("use OpenMP threads or MPI processes", sum_answer["text"])


class TwoRunReportTest(ReportChecks, unittest.TestCase):
    def test_two_runs_are_labelled_by_run_id(self):
        with tempfile.TemporaryDirectory(prefix="sumbench-report2-") as tmp:
            a = fixtures.make_sweep(os.path.join(tmp, "a"), run_id="laptop", seed=3,
                                    gil_variants=False, convoy=False, cpython=False)
            b = fixtures.make_sweep(os.path.join(tmp, "b"), run_id="cluster", seed=4,
                                    gil_variants=False, convoy=False, cpython=False,
                                    factors={("sum", "omp", 1, 2): 0.8})
            out = os.path.join(tmp, "cmp", "report")
            proc = fixtures.run_script([fixtures.REPORT_PY, a, b, "--out", out])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            page, meta = self.check_report(out, ["sum", "sleep"], 7)
            self.assertIn("laptop", page)
            self.assertIn("cluster", page)
            lines = re.findall(r'<li class="verdict"[^>]*data-run="(\w+)">([^<]*)</li>', page)
            self.assertEqual(sorted(run for run, _ in lines),
                             ["cluster", "cluster", "laptop", "laptop"])
            # Two panels side by side: wider than a one-run figure.
            w = {m["name"]: m["width_px"] for m in meta}
            self.assertGreater(w["sum_strong_time"], 1400)


class WeakScalingReportTest(unittest.TestCase):
    def test_weak_sweep_gives_gustafson_figures_and_fits(self):
        with tempfile.TemporaryDirectory(prefix="sumbench-weak-") as tmp:
            sweep = fixtures.make_sweep(os.path.join(tmp, "w"), run_id="weak", scaling="weak", cores=4,
                                        gil_variants=False, convoy=False, cpython=False)
            out = os.path.join(tmp, "report")
            proc = fixtures.run_script([fixtures.REPORT_PY, sweep, "--out", out])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            names = set(os.listdir(os.path.join(out, "figures")))
            for kind in ("time", "speedup", "efficiency"):
                self.assertIn(f"sum_weak_{kind}.png", names)
                self.assertIn(f"sleep_weak_{kind}.svg", names)
            with open(os.path.join(out, "tables", "fits.csv"), newline="") as fh:
                laws = {r["law"] for r in csv.DictReader(fh)}
            self.assertEqual(laws, {"gustafson"})
            self.assertIn("sum (weak scaling, scaled speedup): omp", read(
                os.path.join(out, "index.html")))


class RealSweepReportTest(ReportChecks, unittest.TestCase):
    """runners/sweep.py with the real sumbench, when both exist."""

    def test_real_sweep(self):
        runner = os.path.join(fixtures.SOURCE_DIR, "runners", "sweep.py")
        binary = os.environ.get("SUMBENCH", "")
        if not os.path.isfile(runner):
            self.skipTest("runners/sweep.py does not exist yet")
        if not (binary and os.path.isfile(binary) and os.access(binary, os.X_OK)):
            self.skipTest(f"no sumbench binary (SUMBENCH={binary!r})")
        with tempfile.TemporaryDirectory(prefix="sumbench-real-") as tmp:
            sweep = os.path.join(tmp, "sweep")
            cmd = [sys.executable, runner, "--quick", "--kernels", "sum,sleep", "--modes",
                   "serial,omp,mpi,gil", "--workers", "1,2", "--repetitions", "2",
                   "--out", sweep]
            proc = subprocess.run(cmd, cwd=fixtures.SOURCE_DIR, capture_output=True, text=True,
                                  timeout=480, stdin=subprocess.DEVNULL)
            # 1 = some point not ok: the report must still work (and list it).
            self.assertIn(proc.returncode, (0, 1),
                          f"{' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
            self.assertTrue(os.path.isfile(os.path.join(sweep, "results.csv")), proc.stderr)
            out = os.path.join(tmp, "report")
            rep = fixtures.run_script([fixtures.REPORT_PY, sweep, "--out", out])
            self.assertEqual(rep.returncode, 0, rep.stderr)
            # The sweep ends with the answer, from its own points (here sumbench's modes only).
            tail = proc.stdout.splitlines()
            at = tail.index("answer (as at the top of the report):")
            self.assertEqual([t.split(",")[0] for t in tail[at + 1:]], ["  CPU-bound (sum)", "  I/O-bound (sleep)"])
            self.assertRegex(tail[at - 1], r"^(all \d+ points ran and validated(, all stable|; \d+ unstable)"
                                           r"|\d+ of \d+ points failed)")
            page, _meta = self.check_report(out, ["sum", "sleep"], 7)
            kernels = re.findall(r'<li class="verdict" data-kernel="(\w+)"', page)
            self.assertEqual(sorted(set(kernels)), ["sleep", "sum"])
            print(f"\nreal sweep report verdicts: "
                  f"{re.findall(r'<li class=.verdict[^>]*>([^<]*)</li>', page)}")


class InterpreterTest(unittest.TestCase):
    """Started with a python that lacks matplotlib: re-exec, or a clear exit 2."""

    def setUp(self):
        probe = subprocess.run([sys.executable, "-S", "-c", "import matplotlib"],
                               capture_output=True)
        if probe.returncode == 0:
            self.skipTest("matplotlib imports even with -S; cannot simulate a bare python")
        self.tmp = tempfile.mkdtemp(prefix="sumbench-interp-")
        self.sweep = fixtures.make_sweep(os.path.join(self.tmp, "s"), gil_variants=False,
                                         convoy=False, cpython=False)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_reexecs_with_an_interpreter_that_has_matplotlib(self):
        out = os.path.join(self.tmp, "report")
        proc = fixtures.run_script(["-S", fixtures.REPORT_PY, self.sweep, "--out", out],
                                   env={"SUMBENCH_PYTHON": sys.executable})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out, "index.html")))

    def test_says_how_to_get_matplotlib_and_exits_2(self):
        out = os.path.join(self.tmp, "report")
        proc = fixtures.run_script(["-S", fixtures.REPORT_PY, self.sweep, "--out", out],
                                   env={fixtures.GUARD_ENV: "1"})
        self.assertEqual(proc.returncode, 2)
        self.assertIn("apt-get install python3-matplotlib", proc.stderr)
        self.assertIn("/usr/bin/python3", proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertFalse(os.path.exists(out))

    def test_path_python3_without_matplotlib(self):
        """The machine's python3 on PATH (e.g. pyenv) when it lacks matplotlib."""
        py = shutil.which("python3")
        if not py:
            self.skipTest("no python3 on PATH")
        probe = subprocess.run([py, "-c", "import matplotlib"], capture_output=True)
        if probe.returncode == 0:
            self.skipTest(f"{py} has matplotlib")
        out = os.path.join(self.tmp, "report")
        env = {}
        system = subprocess.run(["/usr/bin/python3", "-c", "import matplotlib, numpy"],
                                capture_output=True) if os.path.exists("/usr/bin/python3") \
            else None
        if system is None or system.returncode != 0:
            env["SUMBENCH_PYTHON"] = sys.executable  # else the default search finds it
        proc = fixtures.run_script([fixtures.REPORT_PY, self.sweep, "--out", out], python=py,
                                   env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out, "index.html")))


if __name__ == "__main__":
    unittest.main()
