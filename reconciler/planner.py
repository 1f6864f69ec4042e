"""Read live state and compare it with the desired state: the plan."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import NOOP, Change, SpecError

from .document import Desired, DocumentError, Entry
from .platforms import kinds
from .session import Session

ACTION_ORDER = ("create", "update", "replace", "delete")


@dataclass
class PlannedChange:
    """A spec Change together with the entry it came from."""

    entry: Entry
    change: Change

    def as_dict(self) -> dict[str, Any]:
        data = self.change.as_dict()
        data["source"] = self.entry.where
        return data


@dataclass
class Plan:
    """Every entry's change, in dependency order (no-ops included)."""

    changes: list[PlannedChange]

    @property
    def pending(self) -> list[PlannedChange]:
        return [c for c in self.changes if c.change.action != NOOP]

    def summary(self) -> dict[str, int]:
        """Counts of create / update / replace / delete and of other actions."""
        counts = Counter(c.change.action for c in self.pending)
        result = {action: counts.pop(action, 0) for action in ACTION_ORDER}
        result["action"] = sum(counts.values())
        return result

    def as_dict(self) -> dict[str, Any]:
        return {"format_version": 1, "summary": self.summary(), "changes": [c.as_dict() for c in self.pending],
                "unchanged": len(self.changes) - len(self.pending)}


def kind_order() -> list[str]:
    """Kinds sorted so that each comes after the kinds it depends on."""
    known = kinds()
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(kind: str) -> None:
        if kind in ordered or kind in visiting:
            return
        visiting.add(kind)
        for dependency in known[kind].depends_on:
            if dependency in known:
                visit(dependency)
        visiting.discard(kind)
        ordered.append(kind)

    for kind in known:
        visit(kind)
    return ordered


def make_plan(desired: Desired, session: Session) -> Plan:
    """Read every kind's live objects (concurrently, through list endpoints) and plan each entry."""
    known = kinds()
    grouped = desired.by_kind()
    concurrency = desired.settings.get("concurrency", 8)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(grouped) or 1))) as pool:
        futures = {}
        for kind, entries in grouped.items():
            spec = known[kind]
            wanted = [spec.normalize(e.data) for e in entries]
            futures[kind] = pool.submit(spec.read_many, session.client(spec.platform), wanted)
        lives = {}
        for kind, future in futures.items():
            try:
                lives[kind] = future.result()
            except SpecError as exc:
                raise DocumentError([f"{grouped[kind][0].where}: {kind}: {exc}"])
    changes = []
    problems = []
    for kind in kind_order():
        spec = known[kind]
        for entry, live in zip(grouped.get(kind, []), lives.get(kind, []), strict=True):
            try:
                changes.append(PlannedChange(entry, spec.plan(spec.normalize(entry.data), live)))
            except SpecError as exc:
                problems.append(f"{entry.where}: {kind}: {exc}")
    if problems:
        raise DocumentError(problems)
    return Plan(changes)


def plan_errors() -> tuple[type[Exception], ...]:
    """Exceptions that mean the plan could not be made (reported, never a traceback)."""
    return (DocumentError, ApiError, SpecError)
