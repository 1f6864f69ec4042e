"""Carry out a plan: by dependency level, independent changes concurrently, failures contained."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, SpecError

from .planner import Plan, PlannedChange, kind_order
from .platforms import kinds
from .session import Session


@dataclass
class Outcome:
    """What happened to one planned change."""

    planned: PlannedChange
    status: str  # "done" | "failed" | "skipped"
    error: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = self.planned.as_dict()
        data.update(status=self.status, seconds=round(self.seconds, 3))
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "done"]

    def as_dict(self) -> dict[str, Any]:
        done = [o for o in self.outcomes if o.status == "done"]
        return {"applied": len(done), "failed": len([o for o in self.outcomes if o.status == "failed"]),
                "skipped": len([o for o in self.outcomes if o.status == "skipped"]),
                "outcomes": [o.as_dict() for o in self.outcomes]}


def levels(plan: Plan) -> list[list[PlannedChange]]:
    """Pending changes grouped so each group depends only on earlier ones; deletions last, dependents first."""
    order = kind_order()
    writes = [c for c in plan.pending if c.change.action != DELETE]
    deletes = [c for c in plan.pending if c.change.action == DELETE]
    result = []
    for kind in order:
        group = [c for c in writes if c.change.kind == kind]
        if group:
            result.append(group)
    for kind in reversed(order):
        group = [c for c in deletes if c.change.kind == kind]
        if group:
            result.append(group)
    return result


def apply_plan(plan: Plan, session: Session, concurrency: int = 8,
               progress: Callable[[Outcome], None] | None = None) -> Report:
    """Apply every pending change. A failed kind's dependents are skipped; other work goes on."""
    known = kinds()
    report = Report()
    failed_kinds: set[str] = set()

    def run(planned: PlannedChange) -> Outcome:
        spec = known[planned.change.kind]
        if any(dep in failed_kinds for dep in spec.depends_on):
            return Outcome(planned, "skipped", "a resource it depends on failed")
        started = time.monotonic()
        try:
            spec.apply(session.client(spec.platform), planned.change)
        except (ApiError, SpecError) as exc:
            return Outcome(planned, "failed", session.redact(str(exc)), time.monotonic() - started)
        except Exception as exc:  # noqa: BLE001 - one change's surprise must not hide the others' outcomes
            message = f"unexpected error: {exc.__class__.__name__}: {exc}"
            return Outcome(planned, "failed", session.redact(message), time.monotonic() - started)
        return Outcome(planned, "done", None, time.monotonic() - started)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for group in levels(plan):
            for outcome in pool.map(run, group):
                report.outcomes.append(outcome)
                if outcome.status != "done":
                    failed_kinds.add(outcome.planned.change.kind)
                if progress:
                    progress(outcome)
    return report
