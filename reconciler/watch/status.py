"""What a watch knows of itself, for people (the status page), for programs (`/api/status`) and for Prometheus.

Each cycle ends in a `CycleReport`: the revision planned, each entry's status, what was held back and why,
what an apply did, the suspensions in force and those lifted. `WatchStatus` keeps the last report, the last
good revision, the revisions rejected and the last applies, behind a lock: the loop writes it, the HTTP server
reads it from its own threads.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..executor import Report
from ..planner import Plan, PlannedChange
from ..platforms import kinds
from ..targets import matches
from .suspensions import Active, Lifted, describe, target_of

FORMAT_VERSION = 1
#: every status an entry can have, in the order the page and the metrics list them
STATUSES = ("synced", "drifted", "failed", "suspended")
#: how many applies the status keeps
KEPT_APPLIES = 20


@dataclass(frozen=True)
class EntryStatus:
    """One entry (or owned object in no file) as the last cycle left it."""

    kind: str
    title: str
    source: str
    status: str
    action: str
    reason: Optional[str] = None
    #: what `--target` takes to name the entry (`KIND/NAME`); None for an owned object no file names
    target: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        data = {"kind": self.kind, "title": self.title, "source": self.source, "status": self.status,
                "action": self.action}
        if self.reason:
            data["reason"] = self.reason
        if self.target:
            data["target"] = self.target
        return data


def entry_target(planned: PlannedChange) -> Optional[str]:
    """`KIND/NAME` for `--target`: NAME is the entry's name (its kind's reference key), else its first identity
    value; None for the deletion of an owned object that no file names (no `--target` reaches it)."""
    spec = kinds().get(planned.entry.kind)
    if planned.prune or spec is None:
        return None
    for key in (spec.reference_key, *spec.identity):
        value = planned.entry.data.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return f"{planned.entry.kind}/{value}"
    return None


def entry_statuses(plan: Plan, report: Optional[Report], suspended: Active,
                   relative: Callable[[str], str] = str) -> list[EntryStatus]:
    """Each change's entry with its status after the cycle: `synced` (nothing differs, or applied), `drifted`
    (differs, held back or only observed), `failed` (blocked, failed or skipped) or `suspended`; `relative`
    makes its `file:line` the repository's."""
    outcomes = {id(outcome.planned): outcome for outcome in (report.outcomes if report else [])}
    skipped = set(plan.blocked_by)
    found = []
    for index, planned in enumerate(plan.changes):
        status, reason = _status(planned, outcomes.get(id(planned)), index in skipped, suspended)
        found.append(EntryStatus(planned.change.kind, planned.title, relative(planned.entry.where), status,
                                 planned.change.action, relative(reason) if reason else None,
                                 entry_target(planned)))
    return found


def _status(planned: PlannedChange, outcome: Any, skipped: bool, suspended: Active) -> tuple[str, Optional[str]]:
    covering = suspended.covering(lambda target: matches(target, planned.entry) and not planned.prune)
    if planned.blocked:
        return "failed", planned.blocked.reason
    if outcome is not None:
        return ("synced", None) if outcome.status == "done" else ("failed", outcome.error)
    if skipped:
        return "failed", "waits for a blocked entry"
    if covering is not None:
        return "suspended", covering.describe()
    if planned.held:
        return "drifted", planned.held
    if planned.observed and planned.change.action != "noop":
        return "drifted", "observe: true: never written"
    return "synced", None


@dataclass
class CycleReport:
    """What one cycle did."""

    number: int
    started_at: str
    ended_at: str
    seconds: float
    revision: Optional[str]
    #: `synced`, `applied`, `drifted` (held changes left), `failed`, `rejected` (the revision did not
    #: validate: the last good one was planned instead) or `error` (the cycle could not plan)
    outcome: str
    problems: list[str] = field(default_factory=list)
    entries: list[EntryStatus] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)
    suspensions: list[dict[str, Any]] = field(default_factory=list)
    lifted: list[str] = field(default_factory=list)
    #: the plan's graph for the page: titles and (dependency, dependant) edges
    graph: dict[str, Any] = field(default_factory=dict)
    #: whether the cycle planned a revision (a cycle that could not fetch or plan did not)
    planned: bool = False
    #: the requests the cycle sent, by platform and HTTP status of the answer ("none": no answer)
    requests: dict[str, dict[str, int]] = field(default_factory=dict)
    #: the run's redaction (every secret the cycle read, masked), for what the watch sends elsewhere
    redact: Optional[Callable[[str], str]] = field(default=None, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        """How many entries have each status (every status present)."""
        counts = {status: 0 for status in STATUSES}
        for entry in self.entries:
            counts[entry.status] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "started_at": self.started_at, "ended_at": self.ended_at,
                "seconds": round(self.seconds, 3), "revision": self.revision, "outcome": self.outcome,
                "problems": list(self.problems), "counts": self.counts(),
                "entries": [entry.as_dict() for entry in self.entries], "pending": list(self.held),
                "applied": list(self.applied), "suspensions": list(self.suspensions), "lifted": list(self.lifted),
                "graph": self.graph, "requests": self.requests}


def suspension_rows(active: Active) -> list[dict[str, Any]]:
    """The suspensions in force, as the status lists them."""
    return [{"target": target_of(s) or "*", "reason": s.reason, "since": s.since, "expires_at": s.expires_at,
             "until_revision": s.until_revision, "user": s.user, "text": describe(s)} for s in active.suspensions]


def lifted_lines(lifted: list[Lifted]) -> list[str]:
    """The suspensions lifted by a cycle, a line each."""
    return [item.describe() for item in lifted]


class WatchStatus:
    """The watch's state for readers on other threads: the last cycle, the last good revision, the revisions
    rejected with their problems, the last applies."""

    def __init__(self, source: str, owner: Optional[str] = None) -> None:
        self._lock = threading.Lock()
        self.source = source
        self.owner = owner
        self.last: Optional[CycleReport] = None
        self.last_good_revision: Optional[str] = None
        self.rejected: dict[str, list[str]] = {}
        self.applies: deque[dict[str, Any]] = deque(maxlen=KEPT_APPLIES)
        self.cycles = 0

    def record(self, report: CycleReport, good_revision: Optional[str]) -> None:
        """Keep a cycle's report (and the revision now in force)."""
        with self._lock:
            self.last = report
            self.cycles += 1
            if good_revision:
                self.last_good_revision = good_revision
            if report.applied:
                self.applies.appendleft({"cycle": report.number, "revision": report.revision,
                                         "ended_at": report.ended_at, "outcome": report.outcome,
                                         "changes": list(report.applied)})

    def reject(self, revision: str, problems: list[str]) -> None:
        """Keep a revision that did not validate, with its problems."""
        with self._lock:
            self.rejected[revision] = list(problems)

    @property
    def ready(self) -> bool:
        """Whether a cycle has planned a revision (what `/readyz` answers)."""
        with self._lock:
            return self.last_good_revision is not None

    @property
    def revision(self) -> Optional[str]:
        """The revision in force: the last one a cycle planned."""
        with self._lock:
            return self.last_good_revision

    def as_dict(self) -> dict[str, Any]:
        """The document `/api/status` serves."""
        with self._lock:
            last = self.last.as_dict() if self.last else None
            return {"format_version": FORMAT_VERSION, "source": self.source, "owner": self.owner,
                    "revision": self.last_good_revision, "cycles": self.cycles, "last_cycle": last,
                    "rejected": [{"revision": rev, "problems": problems} for rev, problems in self.rejected.items()],
                    "applies": list(self.applies)}
