"""The reconciler as a library: what the CLI and the `converge.platforms.reconcile` action plugin call."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Callable

from . import saved_plan
from .document import DEFAULT_CONCURRENCY, DocumentError, load, resolve_secrets
from .executor import Outcome, Report, apply_plan
from .lock import apply_lock
from .planner import Plan, make_plan
from .session import Session
from .sources import SourceError, expand
from .targets import select


@dataclass
class Result:
    """A plan, the report of applying it (None when only planned) and the run's redaction."""

    plan: Plan
    report: Report | None
    redact: Callable[[str], str]

    @property
    def failed(self) -> bool:
        """A change failed or was skipped, or the plan left an entry blocked (an error, though the rest applied)."""
        return bool(self.report and self.report.failed) or bool(self.plan.blocked)

    def as_dict(self) -> dict[str, Any]:
        return {"plan": self.plan.as_dict(), "report": self.report.as_dict() if self.report else None}

    def redacted_dict(self) -> dict[str, Any]:
        """`as_dict()` with every text through the run's redaction, as the CLI prints it: for callers that hand
        the data on (the reconcile action returns it to ansible, which logs it at -v and above)."""
        return redacted(self.as_dict(), self.redact)


def redacted(value: Any, redact: Callable[[str], str]) -> Any:
    """`value` (JSON-like data) with `redact` applied to every string in it, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redacted(key, redact): redacted(item, redact) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redacted(item, redact) for item in value]
    return value


def files_of_saved_plan(saved: str, files: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The files a saved plan was made for, which `files` must name again, and the plan itself.

    The plan file names its files, but it is only a file: whoever can write it (an artifact of a pull
    request's job) could name others. So the files come from the caller, as they are at apply time, and the
    plan is applied only when they are the same files with the same digests (`stale_reasons`).
    """
    data = saved_plan.load(saved)
    planned = saved_plan.saved_files(data)
    if not files:
        raise DocumentError([f"{saved}: give the desired-state files again (apply --plan {saved} FILE...): a saved "
                             f"plan is applied only to the files it was made from, {', '.join(planned) or 'none'}"])
    try:
        given = expand(list(files))
    except SourceError as exc:
        raise DocumentError(exc.problems) from None
    if given != planned:
        raise DocumentError([f"{saved}: the plan was made for {', '.join(planned)}, not {', '.join(given)}"])
    return planned, data


def reconcile(files: list[str], apply: bool = False, saved: str | None = None, out: str | None = None,
              on_plan: Callable[[Plan, Callable[[str], str]], None] | None = None,
              on_outcome: Callable[[Outcome, Callable[[str], str]], None] | None = None,
              concurrency: int | None = None, targets: list[str] | None = None,
              on_start: Callable[[Any], None] | None = None, prune: bool | None = None,
              lock: bool = True, lock_timeout: float = 0.0, endpoints_files: list[str] | None = None) -> Result:
    """Load and validate `files` (files or directories), plan against live state and, with `apply`, apply it.

    `concurrency` (changes and reads at once) overrides `settings.concurrency`. `targets` (`KIND` or
    `KIND/NAME`) limit the run to those entries and what they depend on. `prune` (default
    `settings.prune`) also deletes owned objects that no entry names; it is off under `targets`, as in
    Terraform. `on_start(planned)` is called as each change starts, `on_outcome(outcome, redact)` as each ends.
    With `apply` and `lock`, the run holds the lock of each endpoint (`lock.apply_lock`) from before its plan
    to its end, waiting up to `lock_timeout` seconds for another apply's. `endpoints_files` (`--endpoints`,
    default: the files `CONVERGE_ENDPOINTS` lists) are the trusted files the endpoints come from (see `load`).

    With `saved` (a plan from `out`), refuse with DocumentError when a file or the live state
    moved since it was made; the saved plan's own targets apply. An entry that cannot be planned (a
    refusal that needs a person, a read that failed after its retries) is blocked in the plan, and what
    waits for it skipped; the rest is planned and applied, and the result is `failed`. Raises
    DocumentError (a bad file, a stale saved plan, a lock held), ApiError or SpecError; never writes
    before the whole plan is made.
    """
    saved_data = None
    targets = list(targets or [])
    if saved:
        files, saved_data = files_of_saved_plan(saved, files)
        planned_targets = saved_plan.saved_targets(saved_data)
        if targets and targets != planned_targets:
            raise DocumentError([f"{saved}: the plan was made for targets {planned_targets or 'none'}, "
                                 f"not {targets}"])
        targets = planned_targets
        prune = saved_plan.saved_prune(saved_data)
    if not files:
        raise DocumentError(["no desired-state file given"])
    desired = select(load(list(files), endpoints_files), targets)
    pruning = (desired.settings.get("prune", False) if prune is None else prune) and not targets
    secrets = resolve_secrets(desired)
    guard = apply_lock(desired.endpoints, desired.files, lock_timeout) if apply and lock else nullcontext()
    with guard, Session(desired) as session:
        for value in secrets:
            session.redact.add(value)
        workers = concurrency or desired.settings.get("concurrency", DEFAULT_CONCURRENCY)
        plan = make_plan(desired, session, workers, prune=pruning)
        if saved_data is not None:
            reasons = saved_plan.stale_reasons(saved_data, plan, saved)
            if reasons:
                raise DocumentError([session.redact(r) for r in reasons]
                                    + ["the saved plan is stale: run plan again and review it"])
        if out:
            saved_plan.save(plan, desired.files, out, session.redact, targets, pruning)
        if on_plan:
            on_plan(plan, session.redact)
        report = None
        if apply:
            progress = (lambda outcome: on_outcome(outcome, session.redact)) if on_outcome else None
            report = apply_plan(plan, session, workers, progress, on_start)
        return Result(plan, report, session.redact)
