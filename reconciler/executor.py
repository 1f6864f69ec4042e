"""Carry out a plan by walking its per-resource graph: each change as soon as what it needs is done."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

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

from .errors import StateError
from .graph import walk
from .ownership import ADOPT
from .planner import Plan, PlannedChange
from .platforms import kinds
from .session import Session

if TYPE_CHECKING:
    from .recording import Recorder


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
    #: what went wrong beside the changes (the state backend lost): each a line for the user; the apply failed
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "done"]

    def as_dict(self) -> dict[str, Any]:
        done = [o for o in self.outcomes if o.status == "done"]
        return {"applied": len(done), "failed": len([o for o in self.outcomes if o.status == "failed"]),
                "skipped": len([o for o in self.outcomes if o.status == "skipped"]),
                "blocked": [c.as_dict() for c in self.blocked],
                "outcomes": [o.as_dict() for o in self.outcomes],
                **({"problems": list(self.problems)} if self.problems else {})}


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


def run_change(planned: PlannedChange, session: Session, recorder: Recorder | None = None) -> Outcome:
    """Make one change, and record it in the state around the write when a `recorder` is given.

    Once the state backend is lost (`recorder.lost`), no write is made: the change is skipped naming it. A backend
    lost as the intent is recorded fails the change before its write; lost as it is confirmed, after it (`wrote`).
    """
    if recorder is not None and recorder.lost is not None:
        return Outcome(planned, "skipped", f"skipped because the state backend was lost: {lost_reason(recorder)}")
    spec = kinds()[planned.change.kind]
    client = session.client(spec.platform)
    before = writes_sent(client)
    started = time.monotonic()
    try:
        if recorder is not None:
            recorder.before(planned)
        apply_one(spec, client, planned)
    except StateError as exc:
        return Outcome(planned, "failed", "; ".join(exc.problems), time.monotonic() - started)
    except (ApiError, SpecError) as exc:
        error = session.unreachable(spec.platform, exc) or session.redact(str(exc))
    except Exception as exc:  # noqa: BLE001 - one change's surprise must not hide the others' outcomes
        error = session.redact(f"unexpected error: {exc.__class__.__name__}: {exc}")
    else:
        return _recorded(planned, recorder, time.monotonic() - started)
    wrote = writes_sent(client) > before
    return Outcome(planned, "failed", error, time.monotonic() - started, wrote)


def _recorded(planned: PlannedChange, recorder: Recorder | None, seconds: float) -> Outcome:
    """The outcome of a change written: done once the state recorded it, failed (having written) when it could not."""
    if recorder is not None:
        try:
            recorder.after(planned)
        except StateError as exc:
            return Outcome(planned, "failed", f"written, but not recorded: {'; '.join(exc.problems)}", seconds, True)
    return Outcome(planned, "done", None, seconds)


def lost_reason(recorder: Recorder) -> str:
    """What the lost state backend said."""
    return "; ".join(recorder.lost.problems) if recorder.lost else ""


def apply_plan(plan: Plan, session: Session, concurrency: int = 8,
               progress: Callable[[Outcome], None] | None = None,
               on_start: Callable[[PlannedChange], None] | None = None,
               recorder: Recorder | None = None, halt: Callable[[], str | None] | None = None) -> Report:
    """Apply every pending change, up to `concurrency` at once, each as soon as its dependencies are done.

    A failure skips only the changes that depend on it (directly or not), each naming that failure; a change
    that waits for an entry the plan left blocked is skipped first, naming that entry. `on_start` hears of
    each change as it starts, `progress` of each outcome as it is known. With a `recorder`, each write is recorded
    in the state backend around it (reconciler/recording.py); once the backend is lost no further write is made.
    `halt` is asked before each change: once it names a reason (a watch told to stop), the changes not yet
    started are skipped with it, and those in flight end as they would.
    """
    changes = plan.changes
    outcomes: dict[int, Outcome] = {}

    def run(index: int) -> Outcome:
        stopping = halt() if halt is not None else None
        if stopping:
            return Outcome(changes[index], "skipped", f"skipped because {stopping}")
        if on_start:
            on_start(changes[index])
        return run_change(changes[index], session, recorder)

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
    report = Report([outcomes[i] for i in order if i in outcomes], plan.blocked)
    if recorder is not None and recorder.lost is not None:
        report.problems.append(f"{lost_reason(recorder)}: the apply stopped before its next write")
    return report
