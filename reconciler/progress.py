"""What `apply` shows while it runs: a live display on a terminal, one plain line per outcome elsewhere.

On a terminal (and without `--quiet`) a rich display counts done / failed / skipped / running and names
the slowest changes in flight. Anywhere else (CI logs) each outcome is printed as one line, with a UTC
timestamp, the moment it is known, so a long apply shows its progress in the job log as it goes.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Callable

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .executor import Outcome
from .planner import PlannedChange
from .report import outcome_line

#: how many of the changes in flight the live display names, slowest first
SHOWN_IN_FLIGHT = 3


def timestamp() -> str:
    """The current UTC time as `2026-12-02T01:02:03Z`."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class PlainProgress:
    """One line per outcome, timestamped, written and flushed as it happens; failures only when quiet."""

    def __init__(self, echo: Callable[[str], None], quiet: bool = False):
        self.echo = echo
        self.quiet = quiet
        self.lock = threading.Lock()

    def start(self, planned: PlannedChange) -> None:
        """Nothing is shown when a change starts; only its outcome is."""

    def outcome(self, outcome: Outcome, redact: Callable[[str], str]) -> None:
        if self.quiet and outcome.status == "done":
            return
        with self.lock:
            self.echo(f"{timestamp()} {redact(outcome_line(outcome)).lstrip()}")

    def __enter__(self) -> "PlainProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class LiveProgress:
    """A live rich display of the counts and of the slowest changes in flight; each outcome printed above it."""

    def __init__(self, total: int, console: Console):
        self.total = total
        self.console = console
        self.counts = {"done": 0, "failed": 0, "skipped": 0}
        self.running: dict[int, tuple[str, float]] = {}
        self.lock = threading.Lock()
        self.live = Live(self._table(), console=console, refresh_per_second=8, transient=True,
                         get_renderable=self._table)

    def start(self, planned: PlannedChange) -> None:
        with self.lock:
            self.running[id(planned)] = (planned.title, time.monotonic())

    def outcome(self, outcome: Outcome, redact: Callable[[str], str]) -> None:
        with self.lock:
            self.running.pop(id(outcome.planned), None)
            self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1
        style = {"done": "green", "failed": "bold red", "skipped": "yellow"}.get(outcome.status)
        self.console.print(redact(outcome_line(outcome)), style=style, markup=False, highlight=False, soft_wrap=True)

    def _table(self) -> Table:
        with self.lock:
            counts = dict(self.counts)
            now = time.monotonic()
            flying = sorted(((now - started, title) for title, started in self.running.values()), reverse=True)
        finished = sum(counts.values())
        table = Table.grid(padding=(0, 2))
        table.add_row(Text(f"{finished}/{self.total}", style="bold"), Text(f"{counts['done']} done", style="green"),
                      Text(f"{counts['failed']} failed", style="red"),
                      Text(f"{counts['skipped']} skipped", style="yellow"),
                      Text(f"{len(flying)} running", style="cyan"))
        for seconds, title in flying[:SHOWN_IN_FLIGHT]:
            table.add_row("", Text(f"{seconds:5.1f}s", style="cyan"), Text(title), "", "")
        return table

    def __enter__(self) -> "LiveProgress":
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()
