"""What every figure of the benchmark shares: a row of the table, timers, desired-state files, child processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
PASSWORD_VARIABLE = "CONVERGE_BENCH_ZSTACK_PASSWORD"  # a desired-state file reads only CONVERGE_* variables


@dataclass
class Figure:
    """One row: what was measured, against what baseline, the ratio, and the target it is held to."""

    name: str
    size: int
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    #: "lower": value / baseline at most `target`; "higher": value / baseline at least `target`;
    #: "faster": baseline / value (a speed-up over the baseline's time) at least `target`
    better: str = "lower"
    target: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """value / baseline, or baseline / value for a speed-up ("faster"); None when it cannot be divided."""
        if not self.baseline or (self.better == "faster" and not self.value):
            return None
        return self.baseline / self.value if self.better == "faster" else self.value / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the ratio is within its target (None without one)."""
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target if self.better == "lower" else self.ratio >= self.target

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(ratio=self.ratio, met=self.met)
        return data


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def tags_file(directory: Path, url: str, count: int, name: str = "tags.yml", concurrency: int = 8) -> Path:
    """A desired state of `count` ZStack user tags on one VM."""
    lines = ["version: 1", "endpoints:", "  zstack:", f"    url: {url}",
             "    password: {env: %s}" % PASSWORD_VARIABLE, f"settings: {{concurrency: {concurrency}}}"]
    if count:
        lines += ["resources:", "  zstack_user_tag:"]
        lines += [f"    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: 'bench::{index:06d}'}}"
                  for index in range(count)]
    path = directory / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def child_env() -> dict[str, str]:
    """The environment of the reconciler run as a user runs it, this checkout's collection on the path."""
    from tests.support import ansible_env

    env = ansible_env({PASSWORD_VARIABLE: "password"})
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Run a command to its end: (wall seconds, exit code, peak RSS in MiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or child_env(),
                               cwd=str(ROOT))
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stderr is not None:
        process.stderr.close()
    return seconds, process.returncode, usage.ru_maxrss // 1024


def reconciler_command(*args: str) -> list[str]:
    """The reconciler CLI as this Python runs it."""
    return [sys.executable, "-c", "from reconciler.cli import main; main()", *args]


def best_of(runs: int, func: Callable[[], float]) -> float:
    """The least of several timings: the one least disturbed by the rest of the machine."""
    return min(func() for _ in range(max(1, runs)))
