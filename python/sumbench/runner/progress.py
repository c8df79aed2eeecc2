"""Progress lines: done/total, elapsed, ETA; a live bar when stdout is a terminal."""

from __future__ import annotations

import sys
import time


def say(line: str, stream=None) -> None:
    """print() that survives a closed pipe (sweep.py | head) or a hung-up terminal (EIO
    after SIGHUP): the sweep, or its clean-up, must go on."""
    stream = stream or sys.stdout
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _hms(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, stream=None):
        self.total = total
        self.done = 0
        self.ran = 0            # points actually run here (skipped ones cost no time)
        self.ran_time = 0.0
        self.start = time.monotonic()
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar_shown = False
        self.current = ""           # point in flight, for the live bar
        self.current_start = 0.0

    def _print(self, line: str) -> None:
        if self._bar_shown:
            line = "\r\033[K" + line  # erase the bar before a normal line
            self._bar_shown = False
        say(line, self.stream)

    def note(self, line: str) -> None:
        self._print(line)
        self._bar()

    def start_point(self, point_id: str) -> None:
        self.current, self.current_start = point_id, time.monotonic()
        self._bar()

    def tick(self) -> None:
        """Called about once a second while a point runs: redraw the live bar."""
        self._bar()

    def skipped(self, point_id: str, status: str) -> None:
        self.done += 1
        self._print(f"skip {point_id} ({'done' if status == 'ok' else 'done: ' + status})")
        self._bar()

    def finished(self, point_id: str, info: dict, seconds: float) -> None:
        self.done += 1
        self.ran += 1
        self.current = ""
        self.ran_time += seconds
        extra = ""
        if info.get("cv") is not None:
            extra += f" cv={info['cv']:.3f}"
        if info.get("unstable"):
            extra += " UNSTABLE"
        if info.get("attempts", 1) > 1:
            extra += f" attempts={info['attempts']}"
        if info.get("status") != "ok" and info.get("reason"):
            extra += f" ({info['reason']})"
        status = info.get("status")
        if status != "ok" and info.get("outcome"):
            status = f"{status} [{info['outcome']}]"
        self._print(f"[{self.done}/{self.total}] {point_id} {status} "
                    f"{seconds:.1f}s{extra} | elapsed {_hms(self.elapsed)} ETA {self.eta()}")
        self._bar()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def eta(self) -> str:
        left = self.total - self.done
        if left == 0:
            return _hms(0)
        if self.ran == 0:
            return "?"
        return _hms(self.ran_time / self.ran * left)

    def _bar(self) -> None:
        if not self.tty or self.done >= self.total:
            return
        width = 30
        filled = int(width * self.done / max(1, self.total))
        running = ""
        if self.current:
            running = f" | {self.current} {time.monotonic() - self.current_start:.0f}s"
        try:
            self.stream.write(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                              f"elapsed {_hms(self.elapsed)} ETA {self.eta()}{running}")
            self.stream.flush()
            self._bar_shown = True
        except (OSError, ValueError):
            pass
