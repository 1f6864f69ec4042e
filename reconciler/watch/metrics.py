"""The metrics of a watch, in Prometheus' format (`/metrics` of `reconciler watch --listen`).

A registry of the watch's own (not prometheus_client's global one, so two watches in one process, as in the
tests, never share a counter), updated from each cycle's report by `WatchMetrics.observe` (a Watcher observer):

- `converge_watch_last_sync_timestamp_seconds`: when the last cycle that planned a revision ended;
- `converge_watch_revision_info{revision}`: 1, labelled with the revision in force;
- `converge_watch_entries{status}`: the entries of the last plan by status, every status present;
- `converge_watch_applies_total{outcome}`: the cycles that applied changes, `succeeded` (every change done) or
  `failed`;
- `converge_watch_applied_changes_total{outcome}`: the changes applied, by outcome (`done`, `failed`, `skipped`);
- `converge_watch_cycles_total{outcome}`: the cycles, by outcome (CycleReport.outcome);
- `converge_watch_cycle_duration_seconds`: a histogram of the cycles' durations;
- `converge_watch_requests_total{platform,status}`: the requests sent to each platform, by the HTTP status of
  the answer (`none`: no answer came).
"""

from __future__ import annotations

import calendar
import time
from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from .status import STATUSES, CycleReport

#: every outcome of a cycle (CycleReport.outcome), each present from the start
CYCLE_OUTCOMES = ("synced", "applied", "drifted", "failed", "rejected", "error")
#: the outcomes of an apply: every change done, or not
APPLY_OUTCOMES = ("succeeded", "failed")
#: the outcomes of an applied change (executor.Outcome.status)
CHANGE_OUTCOMES = ("done", "failed", "skipped")
#: the buckets of the cycle duration, in seconds: from an idle plan to a long apply
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: what the answer to /metrics is: the text format every Prometheus reads (generate_latest writes the metric
#: names of the watch, plain ASCII names, as that format has them)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def epoch_of(stamp: str) -> float:
    """Seconds since the epoch of a time as the watch writes it (`suspensions.iso`: ISO 8601, UTC)."""
    return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))


class WatchMetrics:
    """The watch's metrics, in a registry of its own; `observe(report)` after each cycle."""

    def __init__(self, revision: Callable[[], str | None]) -> None:
        """`revision` answers the revision in force (WatchStatus.revision)."""
        self.registry = CollectorRegistry(auto_describe=True)
        self._revision = revision
        self._shown_revision: str | None = None
        self.last_sync = Gauge("converge_watch_last_sync_timestamp_seconds",
                               "When the last cycle that planned a revision ended, in seconds since the epoch.",
                               registry=self.registry)
        self.revision = Info("converge_watch_revision", "The revision in force (the last one planned).",
                             registry=self.registry)
        self.entries = Gauge("converge_watch_entries", "The entries of the last plan, by status.", ["status"],
                             registry=self.registry)
        self.applies = Counter("converge_watch_applies", "The cycles that applied changes, by outcome.",
                               ["outcome"], registry=self.registry)
        self.changes = Counter("converge_watch_applied_changes", "The changes applied, by outcome.", ["outcome"],
                               registry=self.registry)
        self.cycles = Counter("converge_watch_cycles", "The cycles run, by outcome.", ["outcome"],
                              registry=self.registry)
        self.duration = Histogram("converge_watch_cycle_duration_seconds", "How long the cycles took, in seconds.",
                                  buckets=DURATION_BUCKETS, registry=self.registry)
        self.requests = Counter("converge_watch_requests", "The requests sent to the platforms, by platform and "
                                "HTTP status of the answer (none: no answer came).", ["platform", "status"],
                                registry=self.registry)
        self._present()

    def _present(self) -> None:
        """Every status and outcome at zero, so a query finds the series before the first of its kind."""
        for status in STATUSES:
            self.entries.labels(status=status).set(0)
        for metric, outcomes in ((self.applies, APPLY_OUTCOMES), (self.changes, CHANGE_OUTCOMES),
                                 (self.cycles, CYCLE_OUTCOMES)):
            for outcome in outcomes:
                metric.labels(outcome=outcome)

    def observe(self, report: CycleReport) -> None:
        """Count a cycle (its outcome, duration, requests and applies) and, when it planned, show its entries and
        the revision in force."""
        self.cycles.labels(outcome=report.outcome).inc()
        self.duration.observe(max(0.0, report.seconds))
        for platform, statuses in report.requests.items():
            for status, count in statuses.items():
                self.requests.labels(platform=platform, status=status).inc(count)
        if report.applied:
            outcomes = [str(item.get("status", "failed")) for item in report.applied]
            succeeded = all(outcome == "done" for outcome in outcomes)
            self.applies.labels(outcome="succeeded" if succeeded else "failed").inc()
            for outcome in outcomes:
                self.changes.labels(outcome=outcome).inc()
        if report.planned:
            self.last_sync.set(epoch_of(report.ended_at))
            for status, count in report.counts().items():
                self.entries.labels(status=status).set(count)
        self._show_revision()

    def _show_revision(self) -> None:
        revision = self._revision()
        if revision and revision != self._shown_revision:
            self.revision.info({"revision": revision})
            self._shown_revision = revision

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format (what `/metrics` answers, of type CONTENT_TYPE)."""
        return generate_latest(self.registry)
