"""The events a watch cycle gives (`--notify URL` posts each one as JSON):

- `apply`: the cycle applied changes; each change with its outcome;
- `failure`: the cycle failed (a change failed, an entry blocked, the cycle could not plan) or its revision
  was rejected; with the problems and the failed entries;
- `drift`: entries differ from the files and are held back (changed on the platform without --self-heal, or
  the watch only reports), once per new set of drifted entries;
- `suspension`: a suspension ended and was lifted.

Each carries the source, the revision, the cycle's number and when it ended. The documents are made from the
cycle's report, whose changes are already redacted; `LatestRedaction` hands the sinks the redaction of the
watch's latest run, to pass every document through again.
"""

from __future__ import annotations

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


def events_of(report: CycleReport, source: str, last_drift: frozenset[str]) -> tuple[list[dict[str, Any]],
                                                                                    frozenset[str]]:
    """The events of a cycle, and the drifted entries to compare the next cycle's with."""
    events = []
    if report.applied:
        events.append(dict(_base("apply", report, source), changes=[_change(item) for item in report.applied]))
    failed = [entry.as_dict() for entry in report.entries if entry.status == "failed"]
    if report.outcome in ("failed", "error", "rejected") or failed:
        events.append(dict(_base("failure", report, source), problems=list(report.problems), entries=failed))
    drift = frozenset(entry.title for entry in report.entries if entry.status == "drifted")
    if drift and drift != last_drift:
        events.append(dict(_base("drift", report, source), changes=[_change(item) for item in report.held]))
    for line in report.lifted:
        events.append(dict(_base("suspension", report, source), text=line))
    return events, drift if report.outcome != "error" else last_drift
