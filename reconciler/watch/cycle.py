"""One cycle of a watch: validate the revision, plan it against the platforms, hold back what the policy holds,
apply the rest, and report every entry's status.

The plan is `reconciler apply`'s own (`api.plan`): the same validation, protection, delete budget, lock and
state backend. The suspensions are read from the state as the plan is made (`suspensions.sweep`); the ended
ones are lifted then. Nothing is applied when nothing is left pending, so an idle cycle costs exactly a plan.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

from ..api import Options, apply, plan
from ..desired import load
from ..errors import DocumentError, ReconcilerError
from .clock import Clock
from .policy import Policy, held_changes
from .source import Checkout
from .status import CycleReport, entry_statuses, lifted_lines, suspension_rows
from .suspensions import Active, Lifted, iso, sweep


@dataclass
class WatchOptions:
    """What every cycle of a watch runs with (the `watch` command's options)."""

    policy: Policy = field(default_factory=Policy)
    prune: Optional[bool] = None
    state: Optional[str] = None
    lock_timeout: float = 0.0
    max_deletes: Optional[int] = None
    concurrency: Optional[int] = None
    endpoints_files: Optional[list[str]] = None
    #: the owner when the files name none (the source's `default_owner`)
    owner: Optional[str] = None

    def run_options(self, checkout: Checkout) -> Options:
        """The plan's options for a revision."""
        return Options([str(checkout.root)], apply=self.policy.applies, prune=self.prune, state=self.state,
                       lock_timeout=self.lock_timeout, max_deletes=self.max_deletes, concurrency=self.concurrency,
                       endpoints_files=self.endpoints_files, revision=checkout.revision, owner=self.owner)


def validation_problems(checkout: Checkout, options: WatchOptions) -> list[str]:
    """Every problem of a revision's files (`file:line: reason`), as `reconciler validate` finds them; none when
    the revision can be planned."""
    try:
        load([str(checkout.root)], list(options.endpoints_files or []))
    except DocumentError as exc:
        return [checkout.relative(problem) for problem in exc.problems]
    return []


def run_cycle(number: int, checkout: Checkout, options: WatchOptions, clock: Clock,
              halt: Callable[[], Optional[str]]) -> CycleReport:
    """Plan `checkout`, apply what the policy lets through, and report (never raises a ReconcilerError: a cycle
    that cannot plan is reported as `error` with its problems)."""
    started, begun = clock.now(), clock.monotonic()
    report = CycleReport(number, iso(started), iso(started), 0.0, checkout.revision, "error")
    try:
        _plan_and_apply(report, checkout, options, clock, halt)
    except ReconcilerError as exc:
        report.problems = [checkout.relative(problem) for problem in exc.problems]
    except (ApiError, SpecError) as exc:  # a platform's answer the plan could not go on with: redacted by it
        report.problems = [checkout.relative(str(exc))]
    report.ended_at, report.seconds = iso(clock.now()), clock.monotonic() - begun
    return report


def _plan_and_apply(report: CycleReport, checkout: Checkout, options: WatchOptions, clock: Clock,
                    halt: Callable[[], Optional[str]]) -> None:
    with plan(options.run_options(checkout)) as run, _planned(report, run):
        suspended, lifted = Active([]), list[Lifted]()
        if run.recorder is not None:
            suspended, lifted = sweep(run.recorder.backend, run.recorder.owner, clock.now(), checkout.revision)
        run.plan.hold(held_changes(run.plan, options.policy, suspended))
        outcome = None
        if run.plan.pending:
            outcome = apply(run, halt=halt)
        report.entries = entry_statuses(run.plan, outcome, suspended, checkout.relative)
        shown = [planned.as_dict() for planned in run.plan.changes if planned.held]
        report.held = [published(run, checkout, data) for data in shown]
        report.applied = [published(run, checkout, item.as_dict()) for item in (outcome.outcomes if outcome else [])]
        report.suspensions = suspension_rows(suspended)
        report.lifted = lifted_lines(lifted)
        report.graph = graph_of(run.plan)
        report.redact = run.redact
        report.problems = [checkout.relative(run.redact(problem)) for problem in (outcome.problems if outcome else [])]
        report.outcome = _outcome(report, outcome)


def published(run: Any, checkout: Checkout, data: dict[str, Any]) -> dict[str, Any]:
    """A change's or an outcome's document as the status and the events show it: the run's secrets masked, its
    paths relative to the revision's directory."""
    return json.loads(checkout.relative(run.redact(json.dumps(data, default=str))))


@contextmanager
def _planned(report: CycleReport, run: Any) -> Iterator[None]:
    """Mark the report planned, and copy into it the requests the plan and the apply sent, whatever became of
    them, before the run's session closes."""
    report.planned = True
    try:
        yield
    finally:
        report.requests = run.session.requests_by_status()


def graph_of(made: Any) -> dict[str, Any]:
    """The plan's dependency graph for the page: each change's title and action, and the edges."""
    nodes = [{"title": planned.title, "action": planned.change.action} for planned in made.changes]
    edges = sorted((dependency, item) for item, needs in made.graph.needs.items() for dependency in needs)
    return {"nodes": nodes, "edges": [list(edge) for edge in edges]}


def _outcome(report: CycleReport, applied: Any) -> str:
    """The cycle's outcome word (see CycleReport.outcome)."""
    counts = report.counts()
    if counts["failed"] or (applied is not None and applied.problems):
        return "failed"
    if applied is not None and applied.outcomes:
        return "applied"
    if counts["drifted"]:
        return "drifted"
    return "synced"
