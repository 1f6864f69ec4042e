"""The events a watch cycle gives (`--notify URL` posts each one as JSON):

- `apply`: the cycle applied changes (one at least done); each change with its outcome;
- `failure`: the cycle failed (a change failed, an entry blocked, the cycle could not plan) or its revision
  was rejected; with the problems and the failed entries; once per failure, not again while it stays the same;
- `drift`: entries differ from the files and are held back (changed on the platform without --self-heal, or
  the watch only reports), once per new set of drifted entries;
- `suspension`: a suspension ended and was lifted.

Each carries the source, the revision, the cycle's number and when it ended. The documents are made from the
cycle's report, whose changes are already redacted; `LatestRedaction` hands the sinks the redaction of the
watch's latest run, to pass every document through again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from .status import CycleReport


class LatestRedaction:
    """The redaction of the watch's latest run that read its secrets (each cycle resolves them anew): the
    Watcher hands each cycle's over, the sinks call it on their text."""

    def __init__(self) -> None:
        self._redact: Optional[Callable[[str], str]] = None

    def use(self, redact: Optional[Callable[[str], str]]) -> None:
        """Redact with this run's redaction from now on (None: a cycle that read no secret; the last one stays)."""
        if redact is not None:
            self._redact = redact

    def __call__(self, text: str) -> str:
        redact = self._redact
        return redact(text) if redact is not None else text


def _base(kind: str, report: CycleReport, source: str) -> dict[str, Any]:
    return {"event": kind, "source": source, "revision": report.revision, "cycle": report.number,
            "at": report.ended_at, "outcome": report.outcome}


def _change(item: dict[str, Any]) -> dict[str, Any]:
    """A change as an event lists it: kind, identity, action, source and, once applied, its outcome."""
    kept = ("kind", "identity", "action", "source", "status", "error", "held", "prune")
    return {key: item[key] for key in kept if key in item}


@dataclass(frozen=True)
class Seen:
    """What the last cycles already told: the drifted entries, and the failure (None: the last cycle did not
    fail), so the same drift or the same failure is posted once, not again at every cycle while it lasts."""

    drift: frozenset[str] = frozenset()
    failure: Optional[tuple] = None


def events_of(report: CycleReport, source: str, seen: Seen) -> tuple[list[dict[str, Any]], Seen]:
    """The events of a cycle, and what the next cycle's are compared with.

    An `apply` is posted when a change was done; a `failure` when the cycle failed otherwise than the last one
    (its outcome, problems and failed entries); `drift` when the drifted entries are not those of the last
    cycle that planned; each lifted suspension once."""
    events = []
    if any(item.get("status") == "done" for item in report.applied):
        events.append(dict(_base("apply", report, source), changes=[_change(item) for item in report.applied]))
    failed = [entry.as_dict() for entry in report.entries if entry.status == "failed"]
    failure = None
    if report.outcome in ("failed", "error", "rejected") or failed:
        failure = (report.outcome, tuple(report.problems), tuple(sorted((e["title"], e.get("reason") or "")
                                                                        for e in failed)))
        if failure != seen.failure:
            events.append(dict(_base("failure", report, source), problems=list(report.problems), entries=failed))
    drift = frozenset(entry.title for entry in report.entries if entry.status == "drifted")
    if drift and drift != seen.drift:
        events.append(dict(_base("drift", report, source), changes=[_change(item) for item in report.held]))
    for line in report.lifted:
        events.append(dict(_base("suspension", report, source), text=line))
    return events, Seen(drift if report.outcome != "error" else seen.drift, failure)
