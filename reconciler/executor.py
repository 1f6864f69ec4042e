"""Carry out a plan by walking its per-resource graph: each change as soon as what it needs is done."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.converge.platforms.plugins.module_utils.client_base import Client
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    DELETE,
    REPLACE,
    UPDATE,
    Change,
    SpecError,
)

from .graph import walk
from .ownership import ADOPT
from .planner import Plan, PlannedChange
from .platforms import kinds
from .session import Session


@dataclass
class Outcome:
    """What happened to one planned change; `wrote` is true when a failed change had already written."""

    planned: PlannedChange
    status: str  # "done" | "failed" | "skipped"
    error: str | None = None
    seconds: float = 0.0
    wrote: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = self.planned.as_dict()
        data.update(status=self.status, seconds=round(self.seconds, 3))
        if self.error:
            data["error"] = self.error
        if self.status == "failed":
            data["changed"] = self.wrote
        return data


@dataclass
class Report:
    """The outcome of each change an apply ran or skipped, and the entries its plan left blocked."""

    outcomes: list[Outcome] = field(default_factory=list)
    blocked: list[PlannedChange] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "done"]

    def as_dict(self) -> dict[str, Any]:
        done = [o for o in self.outcomes if o.status == "done"]
        return {"applied": len(done), "failed": len([o for o in self.outcomes if o.status == "failed"]),
                "skipped": len([o for o in self.outcomes if o.status == "skipped"]),
                "blocked": [c.as_dict() for c in self.blocked],
                "outcomes": [o.as_dict() for o in self.outcomes]}


def writes_sent(client: Client) -> int:
    """How many writes this thread has sent through a client's HTTP layer."""
    return client.thread_write_count


def apply_one(spec, client: Any, planned: PlannedChange) -> None:
    """Carry out one change, and keep what records its owner outside the object (record carriers) in step."""
    change = planned.change
    if change.action == ADOPT:
        # the owner's marker inside the object is an update of the marked field; a record carrier writes beside it
        after = spec.apply(client, Change(spec, UPDATE, change.desired, change.live, change.fields)) \
            if change.fields else change.live
    else:
        after = spec.apply(client, change)
    carrier = spec.ownership
    if carrier is None or planned.owner is None:
        return
    if change.action in (DELETE, REPLACE) and change.live is not None:
        carrier.forget(client, spec, change.live, planned.owner)
    if change.action in (CREATE, REPLACE, ADOPT) and after is not None:
        carrier.record(client, spec, after, planned.owner)


def apply_plan(plan: Plan, session: Session, concurrency: int = 8,
               progress: Callable[[Outcome], None] | None = None,
               on_start: Callable[[PlannedChange], None] | None = None) -> Report:
    """Apply every pending change, up to `concurrency` at once, each as soon as its dependencies are done.

    A failure skips only the changes that depend on it (directly or not), each naming that failure; a change
    that waits for an entry the plan left blocked is skipped first, naming that entry. `on_start` hears of
    each change as it starts, `progress` of each outcome as it is known.
    """
    known = kinds()
    changes = plan.changes
    outcomes: dict[int, Outcome] = {}

    def run(index: int) -> Outcome:
        planned = changes[index]
        spec = known[planned.change.kind]
        client = session.client(spec.platform)
        before = writes_sent(client)
        if on_start:
            on_start(planned)
        started = time.monotonic()
        try:
            apply_one(spec, client, planned)
        except (ApiError, SpecError) as exc:
            error = session.unreachable(spec.platform, exc) or session.redact(str(exc))
        except Exception as exc:  # noqa: BLE001 - one change's surprise must not hide the others' outcomes
            error = session.redact(f"unexpected error: {exc.__class__.__name__}: {exc}")
        else:
            return Outcome(planned, "done", None, time.monotonic() - started)
        wrote = writes_sent(client) > before
        return Outcome(planned, "failed", error, time.monotonic() - started, wrote)

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if progress:
            progress(outcome)

    def skipped(index: int, cause: int) -> None:
        if cause == index:
            reason = "it is in a dependency cycle"
        else:
            failed = outcomes.get(cause)
            reason = f"{changes[cause].title} ({changes[cause].entry.where}) failed"
            if failed is not None and failed.error:
                reason += f": {failed.error}"
        outcome = Outcome(changes[index], "skipped", f"skipped because {reason}")
        done(index, outcome)

    for index, cause in sorted(plan.blocked_by.items()):
        blocked = changes[cause]
        reason = blocked.blocked.reason if blocked.blocked else "it could not be planned"
        done(index, Outcome(changes[index], "skipped", f"skipped because {blocked.title} ({blocked.entry.where}) "
                                                       f"is blocked: {reason}"))
    walk(plan.execution_graph(), plan.pending_order, run, lambda outcome: outcome.status == "done",
         concurrency, on_done=done, on_skip=skipped)
    order = plan.pending_order + sorted(plan.blocked_by)
    return Report([outcomes[i] for i in order if i in outcomes], plan.blocked)
