"""What `reconciler watch` costs while nothing changes (docs/performance.md, "reconciler watch"):

- the HTTP requests of a cycle with nothing to change, against the plan's floor (login, the pages of the
  tags, logout): a cycle is a plan, so it must cost exactly that;
- the CPU the watch process uses between two cycles (`/proc/PID/stat`, user + system time over an idle window
  of `idle_seconds` of a one-hour interval), against nothing: near zero;
- the peak RSS of `watch --cycles 1000` (no change) against `watch --cycles 10`: what 1,000 cycles leave
  behind, at most 10% more.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from .figures import PAGE_SIZE, _emulator
from .harness import PASSWORD_VARIABLE, Figure, child_env, reconciler_command, run_child, tags_file


def idle_cycle_requests(size: int, latency_ms: float) -> Figure:
    """The requests of a no-change watch cycle of `size` tags, in-process, against the plan's floor."""
    from reconciler.api import Options, reconcile
    from reconciler.watch.cycle import WatchOptions
    from reconciler.watch.loop import Watcher
    from reconciler.watch.source import LocalSource

    os.environ[PASSWORD_VARIABLE] = "password"
    with _emulator(latency_ms) as handle, tempfile.TemporaryDirectory() as tmp:
        path = tags_file(Path(tmp), handle.url, size)
        assert not reconcile(Options([str(path)], apply=True)).failed
        handle.clear_requests()
        report = Watcher(LocalSource(Path(tmp)), WatchOptions()).run(cycles=1)
        sent = len(handle.requests)
        rows = len(handle.app.state.tags)  # the tags and their owners' records, listed together
    floor = rows // PAGE_SIZE + 1 + 2  # the pages (a full one is followed by one more), login and logout
    return Figure("watch: a no-change cycle's HTTP requests", size, float(sent), "requests", float(floor),
                  "floor: login + pages of the tags + logout", "lower", 1.0, {"outcome": report.outcome if report
                                                                              else None})


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(latency_ms: float, idle_seconds: float) -> Figure:
    """The CPU share of a watch process waiting between two cycles (an interval of one hour)."""
    with _emulator(latency_ms) as handle, tempfile.TemporaryDirectory() as tmp:
        tags_file(Path(tmp), handle.url, 10)
        process = subprocess.Popen(reconciler_command("watch", tmp, "--interval", "3600"), stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True, env=child_env())
        try:
            assert process.stdout is not None
            process.stdout.readline()  # watching ...
            process.stdout.readline()  # cycle 1 ...: the wait begins
            before = cpu_seconds(process.pid)
            time.sleep(idle_seconds)
            used = cpu_seconds(process.pid) - before
        finally:
            process.terminate()
            process.wait(timeout=60)
    return Figure("watch: CPU between cycles, share of one core", 1, used / idle_seconds, "", 0.01,
                  "1% of a core (target)", "lower", 1.0, {"idle_seconds": idle_seconds, "cpu_seconds": used})


def rss_after_cycles(few: int, many: int, latency_ms: float) -> Figure:
    """Peak RSS of `watch --cycles MANY` against `--cycles FEW`, no change, no wait between cycles."""
    with _emulator(latency_ms) as handle, tempfile.TemporaryDirectory() as tmp:
        tags_file(Path(tmp), handle.url, 10)

        def peak(cycles: int) -> int:
            seconds, code, rss = run_child(reconciler_command("watch", tmp, "--interval", "0", "--cycles",
                                                              str(cycles)))
            assert code == 0, f"watch --cycles {cycles} exited {code}"
            return rss

        small, large = peak(few), peak(many)
    return Figure(f"watch: peak RSS after {many:,} no-change cycles vs {few}", many, float(large), "MiB",
                  float(small), f"after {few} cycles", "lower", 1.10)


def watch_figures(size: int, latency_ms: float, smoke: bool) -> list[Figure]:
    """Every figure of a watch."""
    return [idle_cycle_requests(size, latency_ms),
            idle_cpu(latency_ms, 2.0 if smoke else 30.0),
            rss_after_cycles(3 if smoke else 10, 10 if smoke else 1000, 0.0 if smoke else latency_ms)]
