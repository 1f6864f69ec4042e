"""The watch loop: a cycle every interval (jittered), one at a time, until told to stop.

    watcher = Watcher(GitSource(...), WatchOptions(policy=Policy(apply=True)), interval=60)
    watcher.run()              # until request_stop(); run(cycles=3) for three cycles

Each cycle fetches the source; a revision that does not validate is rejected (reported once, with its
problems) and the last good revision is planned instead, so it stays in force. The cycle itself is
`cycle.run_cycle`; the loop keeps the result in `status` (what the HTTP server shows) and hands each event
(an apply, a failure, drift found, a suspension lifted, a revision rejected) to the sinks (`--notify`).

`request_stop(why)` (SIGTERM, SIGINT) lets the change in flight end, skips the rest of the apply naming why,
and ends the loop once the cycle is over; `request_cycle()` (SIGHUP) starts the next cycle at once.
"""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from typing import Any, Callable, Optional, Protocol

from ..errors import ReconcilerError
from .clock import Clock, WallClock
from .cycle import WatchOptions, run_cycle, validation_problems
from .events import LatestRedaction, Seen, events_of
from .source import Checkout, Source, SourceFailed
from .status import CycleReport, WatchStatus
from .suspensions import iso


class EventSink(Protocol):
    """What hears of a watch's events (`--notify URL`: notify.Notifier)."""

    def emit(self, event: dict[str, Any]) -> None:
        """Take one event; never blocks the loop."""
        ...


class Watcher:
    """A watch of one source: its options, its clock, its status and where its events go."""

    def __init__(self, source: Source, options: WatchOptions, interval: float = 60.0, jitter: float = 0.1,
                 clock: Optional[Clock] = None, sinks: tuple[EventSink, ...] = (),
                 log: Callable[[str], None] = lambda line: None, seed: Optional[int] = None,
                 observers: tuple[Callable[[CycleReport], None], ...] = (),
                 redaction: Optional[LatestRedaction] = None) -> None:
        self.source = source
        self.options = options
        self.interval = interval
        self.jitter = jitter
        self.clock: Clock = clock or WallClock()
        self.sinks = sinks
        #: called with each cycle's report once it is kept in `status` (the metrics of `--listen`)
        self.observers = observers
        self.log = log
        #: the latest run's redaction, shared with the sinks (notify.Notifier) that pass their documents through it
        self.redaction = redaction or LatestRedaction()
        self.status = WatchStatus(source.describe())
        self.last_good: Optional[Checkout] = None
        self._random = random.Random(seed)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._stop_reason: Optional[str] = None
        self._seen = Seen()
        self._reload = threading.Event()
        #: what SIGHUP calls for the settings to run with from the next cycle (`--config`): (options, interval)
        self.reloader: Optional[Callable[[], tuple[WatchOptions, float]]] = None

    def request_stop(self, why: str) -> None:
        """End the loop once the cycle under way is over; its apply skips what has not started, naming `why`."""
        self._stop_reason = why
        self._stop.set()
        self._wake.set()

    def request_cycle(self) -> None:
        """Start the next cycle now rather than at the end of the interval."""
        self._wake.set()

    def request_reload(self) -> None:
        """Read the settings again (`reloader`) and start the next cycle now (SIGHUP)."""
        self._reload.set()
        self._wake.set()

    def _reload_settings(self) -> None:
        """Take the settings `reloader` reads; a problem keeps those in force and is logged."""
        self._reload.clear()
        if self.reloader is None:
            return
        try:
            self.options, self.interval = self.reloader()
        except ReconcilerError as exc:
            self.log("the settings could not be read again; those in force stay:")
            for problem in exc.problems:
                self.log(f"  {problem}")
            return
        self.log(f"settings read again: every {self.interval:g} s, {self.options.policy.mode}")

    def halt(self) -> Optional[str]:
        """Why the apply under way must stop before its next change (None: it goes on)."""
        return self._stop_reason if self._stop.is_set() else None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def next_wait(self) -> float:
        """Seconds to the next cycle: the interval, jittered by up to `jitter` of it either way."""
        return self.interval * (1 + self._random.uniform(-self.jitter, self.jitter))

    def run(self, cycles: Optional[int] = None) -> Optional[CycleReport]:
        """Run cycles, one after the other, until stopped (or `cycles` have run); the last cycle's report."""
        last = None
        ran = 0
        while not self.stopping and (cycles is None or ran < cycles):
            if self._reload.is_set():
                self._reload_settings()
            ran += 1
            self._wake.clear()  # before the cycle: a SIGHUP during it starts the next one at once, never lost
            last = self.cycle(self.status.cycles + 1)  # numbered across runs: a cycle's number is never reused
            if self.stopping or (cycles is not None and ran >= cycles):
                break
            self.clock.wait(self.next_wait(), self._wake)
        return last

    def cycle(self, number: int) -> CycleReport:
        """One cycle: fetch, validate, plan and apply (see the module); its report is kept in `status`."""
        try:
            checkout = self.source.fetch()
        except SourceFailed as exc:
            return self._finish(self._failed(number, None, exc.problems), None)
        chosen, rejected = self._choose(checkout)
        if chosen is None:
            return self._finish(self._failed(number, checkout.revision, rejected, "rejected"), None)
        options = replace(self.options, owner=self.options.owner or self.source.default_owner())
        report = run_cycle(number, chosen, options, self.clock, self.halt)
        if rejected:
            report.outcome = "rejected"
            report.problems = rejected + report.problems
        if report.outcome != "error":
            self.last_good = chosen
        self.source.keep_only([kept for kept in (self.last_good, checkout) if kept is not None])
        return self._finish(report, self.last_good.revision if self.last_good else None)

    def _choose(self, checkout: Checkout) -> tuple[Optional[Checkout], list[str]]:
        """The revision to plan, and the problems of the fetched one when it is rejected (the last good one is
        then planned, None when there is none)."""
        problems = self.status.rejected.get(checkout.revision)  # a revision is validated once
        if problems is None:
            problems = validation_problems(checkout, self.options)
            if not problems:
                return checkout, []
            self.status.reject(checkout.revision, problems)
        kept = f"; {self.last_good.short} stays in force" if self.last_good else ""
        return self.last_good, [f"revision {checkout.short} does not validate{kept}:", *problems]

    def _failed(self, number: int, revision: Optional[str], problems: list[str], outcome: str = "error"
                ) -> CycleReport:
        now = iso(self.clock.now())
        return CycleReport(number, now, now, 0.0, revision, outcome, list(problems))

    def _finish(self, report: CycleReport, good_revision: Optional[str]) -> CycleReport:
        self.status.record(report, good_revision)
        for observe in self.observers:
            observe(report)
        self.redaction.use(report.redact)
        events, self._seen = events_of(report, self.status.source, self._seen)
        for event in events:
            for sink in self.sinks:
                sink.emit(event)
        self.log(cycle_line(report))
        for line in [*report.problems, *(f"{e.status}: {e.title} ({e.source}): {e.reason}" for e in report.entries
                                          if e.status != "synced" and e.reason)]:
            self.log(f"  {line}")
        return report


def cycle_line(report: CycleReport) -> str:
    """The line a cycle logs: its number, revision, outcome and counts."""
    counts = ", ".join(f"{count} {status}" for status, count in report.counts().items() if count)
    revision = (report.revision or "no revision")[:12]
    done = sum(1 for item in report.applied if item.get("status") == "done")
    applied = f", {done} applied" if report.applied else ""
    return f"cycle {report.number} at {revision}: {report.outcome}{applied}" + (f" ({counts})" if counts else "")
