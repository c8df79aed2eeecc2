"""The fidelity harness's runners: interpreters, the child program, sumbench, load.

Standard library only. Used by bench/fidelity/fidelity.py.
"""
import contextlib
import glob
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "gilchild.py")
WANTED = ["2.7"] + [f"3.{m}" for m in range(6, 14)]  # what the harness looks for
PATH_NAMES = ["python2.7", "python2", "python"] + [f"python{v}" for v in WANTED[1:]] + ["python3"]


class ExperimentError(Exception):
    """An experiment failed (non-zero exit, no JSON, invalid result)."""


def median_iqr(values):
    """(median, first quartile, third quartile); Nones when empty."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None, None, None
    if len(v) == 1:
        return v[0], v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return statistics.median(v), q[0], q[2]


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        try:
            root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            root = ""
    return root or os.path.expanduser("~/.pyenv")


def candidates():
    """Interpreter paths to probe: pyenv's versions, then PATH's names (pyenv shims skipped)."""
    out = sorted(glob.glob(os.path.join(pyenv_root(), "versions", "*", "bin", "python")))
    for name in PATH_NAMES:
        path = shutil.which(name)
        if path and "/shims/" not in path:
            out.append(path)
    return out


def probe(path):
    """The child's interpreter info for `path`, or None when it does not run as Python."""
    try:
        proc = subprocess.run([path, CHILD, '{"experiment": "info"}'], capture_output=True, text=True, timeout=60)
        return json.loads(proc.stdout.splitlines()[-1])["interpreter"] if proc.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError, IndexError, KeyError):
        return None


def find_interpreters(paths):
    """(interpreters, not-found lines). Given paths must all work; else discovery."""
    found, seen, missing = [], set(), []
    for path in paths or candidates():
        info = probe(path)
        if info is None:
            if paths:
                raise ExperimentError(f"--python {path}: does not run {CHILD} as a Python interpreter")
            continue
        if info["implementation"] != "CPython":
            missing.append(f"{path} is {info['implementation']} {info['version']}, not CPython: skipped")
            continue
        key = info["version"]
        if key not in seen:
            seen.add(key)
            found.append(info)
    if not paths:
        where = f"{os.path.join(pyenv_root(), 'versions', '*', 'bin', 'python')} and PATH ({', '.join(PATH_NAMES)})"
        for minor in WANTED:
            if not any(i["version"].startswith(minor + ".") for i in found):
                missing.append(f"CPython {minor} (looked in {where})")
    found.sort(key=lambda i: [int(x) for x in i["version"].split(".")[:2]])
    return found, missing


def child(interp, spec, timeout=600):
    """Runs gilchild.py with `spec` in `interp`; the list of its results."""
    cmd = [interp["executable"], CHILD, json.dumps(spec)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ExperimentError(f"Python {interp['version']} {spec}: timed out after {timeout} s")
    if proc.returncode != 0:
        raise ExperimentError(f"Python {interp['version']} {spec}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
    results = [json.loads(line)["result"] for line in proc.stdout.splitlines() if line.strip()]
    if not results or not all(r.get("valid") for r in results):
        raise ExperimentError(f"Python {interp['version']} {spec}: invalid result {results}")
    return results


REAL_FIGURE = {"cpu": "ratio", "convoy": "added_s_mean", "handoff": "s_per_handoff"}


def real_value(experiment, result):
    """The figure of one child result (see gilchild.py)."""
    return result.get(REAL_FIGURE[experiment])


class Sumbench:
    """Runs the model: sumbench's gil mode with the figure's policy, one repetition."""

    def __init__(self, path):
        self.path = path

    def json_run(self, args):
        cmd = [self.path] + args + ["--benchmark_repetitions=1", "--benchmark_format=json"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            raise ExperimentError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
        entries = [b for b in json.loads(proc.stdout)["benchmarks"] if b.get("run_type") == "iteration"]
        if not entries or not all(b.get("valid") == 1 for b in entries):
            raise ExperimentError(f"{' '.join(cmd)}: no valid result")
        # keyed "mode" and "mode/threads:T" (a run may hold one mode at several team sizes)
        out = {}
        for b in entries:
            parts = b["name"].split("/")
            out.setdefault(parts[1], b)
            out[f"{parts[1]}/{parts[3]}"] = b
        return out, cmd

    def serial_seconds_per_element(self):
        times = []
        for _ in range(3):
            entries, _ = self.json_run(["--modes=serial", "--kernels=sum", "--workers=1"])
            b = entries["serial"]
            times.append(b["real_time"] * 1e-3 / b["n"])  # real_time is in ms
        return min(times)

    def run(self, spec):
        """(value, raw) of one model run: spec has figure, policy, threads, interval, tick."""
        args = [f"--gil-policy={spec['policy']}"]
        if spec["policy"] == "legacy":
            args += [f"--check-interval={spec.get('check_interval', 100)}"] + ([f"--gil-tick={spec['tick']}"] if spec["tick"] else [])
        else:
            args.append(f"--switch-interval={spec.get('switch_interval', '5ms')}")
        n = ["--n=1073741824"] if spec["quick"] else []
        if spec["figure"] == "cpu":
            # Against the gil mode at one thread, not the serial mode: an interpreter's
            # serial run pays its per-bytecode checks too, and the model's per-tick cost
            # stands for them (NOTES.md E11). The serial mode's time is kept in raw.
            k = spec["threads"]
            entries, cmd = self.json_run(args + n + ["--modes=serial,gil", "--kernels=sum", f"--workers=1,{k}"])
            value = entries[f"gil/threads:{k}"]["real_time"] / entries["gil/threads:1"]["real_time"]
        elif spec["figure"] == "convoy":
            entries, cmd = self.json_run(args + ["--modes=gil", "--kernels=convoy", f"--n={spec['waits']}",
                                                 f"--workers={spec['threads'] + 1}"])
            value = entries["gil"]["io_latency_s"]
        else:  # handoff: two CPU-bound threads; seconds per switch of the lock
            entries, cmd = self.json_run(args + n + ["--modes=gil", "--kernels=sum", "--workers=2"])
            b = entries["gil"]
            value = b["real_time"] * 1e-3 / b["gil_switches"] if b.get("gil_switches") else None
        return value, {"command": cmd, "entries": entries}


def calibrate_legacy(interp, sb):
    """(--gil-tick, seconds per Python 2 tick, seconds per sum element): one bytecode of
    the post's loop in `interp`, in elements of sumbench's sum kernel. Fastest of 3 on
    each side: a busy machine only makes a run slower."""
    runs = child(interp, {"experiment": "calibrate", "n": 2000000, "repetitions": 3})
    ticks = [r["s_per_tick"] for r in runs if r.get("s_per_tick")]
    if not ticks:
        raise ExperimentError(f"Python {interp['version']}: no tick count (ctypes); cannot calibrate legacy")
    s_tick, s_elem = min(ticks), sb.serial_seconds_per_element()
    return max(1, round(s_tick / s_elem)), s_tick, s_elem


class LoadMeter:
    """CPU shares from /proc/stat over a span: others' niced jobs show as `nice`."""

    FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")

    @staticmethod
    def sample():
        try:
            with open("/proc/stat") as f:
                return [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None

    @staticmethod
    def loadavg():
        try:
            with open("/proc/loadavg") as f:
                return " ".join(f.read().split()[:3])
        except OSError:
            return "unknown"

    def __init__(self):
        self.start = self.sample()

    def shares(self, a, b):
        if not a or not b or sum(b) - sum(a) <= 0:
            return None
        total = sum(b) - sum(a)
        return {k: round((y - x) / total, 3) for k, x, y in zip(self.FIELDS, a, b) if k in ("user", "nice", "system", "idle")}

    @contextlib.contextmanager
    def span(self):
        class Span:
            result = None
        s, a = Span(), self.sample()
        yield s
        s.result = self.shares(a, self.sample())

    def wait_quiet(self, timeout_s, max_nice=0.05, window_s=2.0):
        """Waits until a window shows others' niced jobs below `max_nice` of the CPUs.

        Returns the last window's shares and whether it was quiet (False after timeout_s).
        """
        deadline = time.monotonic() + timeout_s
        while True:
            a = self.sample()
            time.sleep(window_s)
            shares = self.shares(a, self.sample())
            if shares is None or shares["nice"] < max_nice:
                return shares, True
            if time.monotonic() >= deadline:
                return shares, False

    def whole(self):
        return {"shares": self.shares(self.start, self.sample()), "loadavg": self.loadavg()}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def write_json_atomic(path, doc):
    """Writes through a temporary file in the same folder: never a half-written file."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".fidelity-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make a shared results folder unreadable
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
