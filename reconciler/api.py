"""The reconciler as a library, in two phases: what the CLI and the `converge.platforms.reconcile` action call.

    with plan(Options(files, apply=True)) as run:   # load, lock, read live state, plan
        show(run.plan, run.redact)                   # nothing written yet
        report = apply(run, observer)                # the observer hears of the plan, each start, each outcome

`plan(options)` returns a `PlannedRun`, open: the plan (`run.plan`), the run's redaction, and the session that
read the live state. Leaving it (or calling `close()`) logs out and stops embedded emulators. A run planned for
applying (`Options.apply`) takes the lock of every endpoint (unless `Options.lock` is false) before it reads
anything and holds it until the run is closed, so no other apply on this machine moves the live state between
the plan and its apply. `apply(run, observer)` applies the plan of such a run and returns its `Report`.
`reconcile(options)` does both in one call, for callers that need nothing between them.

Errors are the `errors.ReconcilerError` family (a bad file, a stale saved plan, a lock held, an endpoint that
cannot be connected to), or ApiError and SpecError of a platform; nothing is written before the whole plan is made.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from . import guardrails, prune_scope, rollback, saved_plan
from .causes import plan_ledger
from .desired import DEFAULT_CONCURRENCY, DesiredState, load, resolve_secrets
from .desired.sections import endpoints_files_given
from .errors import DocumentError, ReconcilerError, StalePlan
from .executor import Outcome, Report, apply_plan
from .lock import apply_lock
from .ownership import default_owner
from .planner import Plan, PlannedChange, make_plan
from .recording import Recorder, open_state, state_root
from .rollback import AtRevision
from .session import Session
from .sources import SourceError, expand
from .targets import exclude, replaced, select


@dataclass
class Options:
    """What a run is given: the CLI's and the action's options.

    `files` are files or directories of the desired state. `apply`: the plan is made to be applied (the locks are
    taken; see the module). `targets` (`KIND` or `KIND/NAME`) limit the run to those entries and what they
    depend on. `prune` (default `settings.prune`) also deletes owned objects no entry names; it is off under
    `targets`, as in Terraform. `concurrency` (changes and reads at once) overrides `settings.concurrency`.
    `saved`: a plan saved by `out`, refused when a file or the live state moved since (its targets and prune
    apply). `lock_timeout`: seconds to wait for another apply's lock. `endpoints_files` (`--endpoints`,
    default: the files `CONVERGE_ENDPOINTS` lists) are the trusted files the endpoints come from. `max_deletes`
    (default `settings.max_deletes`) is the most objects the plan may delete (see `guardrails`).
    """

    files: list[str]
    apply: bool = False
    targets: list[str] = field(default_factory=list)
    prune: Optional[bool] = None
    concurrency: Optional[int] = None
    saved: Optional[str] = None
    out: Optional[str] = None
    lock: bool = True
    lock_timeout: float = 0.0
    endpoints_files: Optional[list[str]] = None
    #: `--exclude KIND[/NAME]`: entries left out, with every entry that depends on one (prune is off under them)
    excludes: list[str] = field(default_factory=list)
    #: `--replace KIND/NAME`: the entries whose objects are deleted and made again though nothing differs
    replaces: list[str] = field(default_factory=list)
    #: with prune off, list the owned objects no entry names in `Plan.unnamed` (`plan` ends with them); it reads
    #: the owned objects of the prunable kinds the entries have, as prune would
    unnamed: bool = False
    #: the most objects the plan may delete (replaces and prunes included); default `settings.max_deletes`
    max_deletes: Optional[int] = None
    #: `--state URL`: the state backend (file://PATH or postgresql://...); default `CONVERGE_STATE`, else the file
    #: backend under the desired state's `.converge/state/` (see reconciler/recording.py)
    state: Optional[str] = None
    #: the revision the files are (a watch's commit); default: the git commit of the desired state's directory
    revision: Optional[str] = None
    #: `--revision REV`: plan the files as they were at this commit of the git work tree holding them, against live
    #: state (reconciler/rollback.py); `revision` is then that commit
    at_revision: Optional[str] = None
    #: the owner when the files name none (`settings.owner`): a watch's of its repository, whichever commit of it
    #: is unpacked where
    owner: Optional[str] = None


class Observer(Protocol):
    """What hears of an apply as it runs: its plan before anything starts, each change as it starts and ends."""

    def on_plan(self, plan: Plan, redact: Callable[[str], str]) -> None: ...

    def on_start(self, planned: PlannedChange) -> None: ...

    def on_outcome(self, outcome: Outcome, redact: Callable[[str], str]) -> None: ...


class Unobserved:
    """An observer that hears nothing: the apply of a caller that only wants the report."""

    def on_plan(self, plan: Plan, redact: Callable[[str], str]) -> None:
        """Nothing to show."""

    def on_start(self, planned: PlannedChange) -> None:
        """Nothing to show."""

    def on_outcome(self, outcome: Outcome, redact: Callable[[str], str]) -> None:
        """Nothing to show."""


@dataclass
class PlannedRun:
    """A plan made and not yet applied, with what applying it needs (the session, the locks) held open."""

    options: Options
    desired: DesiredState
    plan: Plan
    session: Session
    workers: int
    _resources: ExitStack
    applied: bool = False
    #: one line per entry `--exclude` left out because it depends on an excluded one
    excluded: list[str] = field(default_factory=list)
    #: the run's state backend and what records into it (the ledger, the history), open until the run is closed
    recorder: Optional[Recorder] = None
    #: the commit the files were read at (`Options.at_revision`), None for the files as they are
    rollback: Optional[AtRevision] = None
    #: what the run did beyond its report, for people (a rollback's suspension of the watches)
    notes: list[str] = field(default_factory=list)

    @property
    def redact(self) -> Callable[[str], str]:
        """The run's redaction: every secret it read, masked (and a revision's unpacked files named as the work
        tree's)."""
        at, masked = self.rollback, self.session.redact
        if at is None:
            return masked
        return lambda text: at.shown(masked(text))

    @property
    def file_names(self) -> list[str]:
        """The desired-state files as people and the history name them (a revision's by the work tree's paths)."""
        return names_of(self.desired.files, self.rollback)

    def close(self) -> None:
        """Close the session (log out, stop embedded emulators) and let go of the locks."""
        self._resources.close()

    def __enter__(self) -> PlannedRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Result:
    """A plan, the report of applying it (None when only planned) and the run's redaction."""

    plan: Plan
    report: Report | None
    redact: Callable[[str], str]

    @property
    def failed(self) -> bool:
        """A change failed or was skipped, or the plan left an entry blocked (an error, though the rest applied)."""
        return bool(self.report and (self.report.failed or self.report.problems)) or bool(self.plan.blocked)

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


def names_of(files: list[str], at: Optional[AtRevision]) -> list[str]:
    """The files as people name them: a revision's unpacked files by the work tree's paths."""
    return [at.real(name) for name in files] if at else list(files)


def files_of_saved_plan(saved: str, files: list[str], data: Optional[dict[str, Any]] = None,
                        at: Optional[AtRevision] = None) -> tuple[list[str], dict[str, Any]]:
    """The files a saved plan was made for, which `files` must name again, and the plan itself (`data`, when read
    already); with `at`, `files` are a revision's, unpacked, and the plan names them by the work tree's paths.

    The plan file names its files, but it is only a file: whoever can write it (an artifact of a pull
    request's job) could name others. So the files come from the caller, as they are at apply time, and the
    plan is applied only when they are the same files with the same digests (`stale_reasons`).
    """
    data = data if data is not None else saved_plan.load(saved)
    planned = saved_plan.saved_files(data)
    if not files:
        raise DocumentError([f"{saved}: give the desired-state files again (apply --plan {saved} FILE...): a saved "
                             f"plan is applied only to the files it was made from, {', '.join(planned) or 'none'}"])
    try:
        given = expand(list(files))
    except SourceError as exc:
        raise DocumentError(exc.problems) from None
    if names_of(given, at) != planned:
        raise StalePlan([f"{saved}: the plan was made for {', '.join(planned)}, not {', '.join(names_of(given, at))}"])
    return given, data


def _at_revision(options: Options, resources: ExitStack
                 ) -> tuple[Options, Optional[dict[str, Any]], Optional[AtRevision]]:
    """The options with the files at the revision asked (`--revision`, or the saved plan's), unpacked for as long as
    `resources` are open; the saved plan (None without one); the revision (None for the files as they are)."""
    data = saved_plan.load(options.saved) if options.saved else None
    recorded = saved_plan.saved_revision(data) if data is not None else None
    if data is not None and options.at_revision and not recorded:
        raise StalePlan([f"{options.saved}: the plan was made from the files as they are, not at a revision: "
                         f"apply it without --revision"])
    wanted = recorded or options.at_revision
    if not wanted or not options.files:
        return options, data, None
    at = resources.enter_context(rollback.checkout(list(options.files), wanted))
    if recorded and options.at_revision and rollback.resolve(at.toplevel, options.at_revision) != recorded:
        raise StalePlan([f"{options.saved}: the plan was made at revision {recorded[:12]}, not at "
                         f"{options.at_revision}"])
    return replace(options, files=at.files, revision=at.commit), data, at


def _with_saved_plan(options: Options, data: Optional[dict[str, Any]], at: Optional[AtRevision]
                     ) -> tuple[Options, Optional[dict[str, Any]]]:
    """The options as the saved plan (if any) makes them: its files, targets and prune; and the saved plan."""
    if not options.saved:
        return options, None
    files, data = files_of_saved_plan(options.saved, options.files, data, at)
    planned_targets = saved_plan.saved_targets(data)
    if options.targets and list(options.targets) != planned_targets:
        raise StalePlan([f"{options.saved}: the plan was made for targets {planned_targets or 'none'}, "
                         f"not {list(options.targets)}"])
    chosen = {key: saved_plan.saved_choice(data, key) for key in ("excludes", "replaces")}
    for key, planned in chosen.items():
        if getattr(options, key) and list(getattr(options, key)) != planned:
            raise StalePlan([f"{options.saved}: the plan was made for --{key[:-1]} {planned or 'none'}, "
                             f"not {list(getattr(options, key))}"])
    return replace(options, files=files, targets=planned_targets, prune=saved_plan.saved_prune(data),
                   excludes=chosen["excludes"], replaces=chosen["replaces"]), data


def plan(options: Options) -> PlannedRun:
    """Load and validate the files, take the locks when the plan is to be applied, read live state and plan.

    An entry that cannot be planned (a refusal that needs a person, a read that failed after its retries) is
    blocked in the plan, and what waits for it skipped. With `options.saved`, StalePlan when a file or the live
    state moved since it was made; with `options.out`, the plan is saved there. `guardrails.Refused`, before
    anything is saved or written, when the plan deletes or replaces a protected object or deletes more than the
    delete budget (a saved plan is checked again as it is applied); `prune_scope.PartialState`, before any request,
    when prune is on and files of the owner's desired state were not given. The run is open: close it.
    """
    resources = ExitStack()
    at: Optional[AtRevision] = None
    try:
        options, saved_data, at = _at_revision(options, resources)
        options, saved_data = _with_saved_plan(options, saved_data, at)
        if not options.files:
            raise DocumentError(["no desired-state file given"])
        desired, excluded = exclude(select(load(list(options.files), options.endpoints_files),
                                           list(options.targets)), list(options.excludes))
        if at is not None:  # what the work tree's files own, wherever the revision's are unpacked
            desired.settings.setdefault("owner", default_owner(names_of(desired.files, at)))
        if options.owner:
            desired.settings.setdefault("owner", options.owner)
        replacing = frozenset(replaced(desired, list(options.replaces)))
        pruning = bool(desired.settings.get("prune", False) if options.prune is None else options.prune)
        pruning = pruning and not options.targets and not options.excludes
        scope = prune_scope.check(desired, endpoints_files_given(options.endpoints_files)) if pruning else None
        secrets = resolve_secrets(desired)
        # before any platform request: a state that cannot be used fails first
        root = Path(at.real(str(state_root(desired)))).absolute() if at else None  # the work tree's, not the copy's
        recorder = open_state(options.state, desired, create=options.apply, revision=options.revision, root=root)
        resources.callback(recorder.close)
        if options.apply and options.lock:
            names = names_of(desired.files, at)
            resources.enter_context(apply_lock(desired.endpoints, names, options.lock_timeout))
            resources.enter_context(recorder.lock(desired, options.lock_timeout, names))
        session = resources.enter_context(Session(desired, root))
        for value in secrets:
            session.redact.add(value)
        workers = options.concurrency or desired.settings.get("concurrency", DEFAULT_CONCURRENCY)
        made = make_plan(desired, session, workers, prune=pruning, replacing=replacing,
                         hint=options.unnamed and not options.targets and not options.excludes,
                         ledger=plan_ledger(recorder.backend, recorder.owner))  # why each update differs
        if saved_data is not None and options.saved:
            _refuse_stale(saved_data, made, options.saved, session.redact, at)
        guardrails.check(made, desired.settings, options.max_deletes)
        if options.out:
            saved_plan.save(made, desired.files, options.out, session.redact, list(options.targets), pruning,
                            {"excludes": list(options.excludes), "replaces": list(options.replaces),
                             "prune_scope": names_of(scope, at) if scope else scope,
                             **({"revision": at.commit} if at else {})}, names_of(desired.files, at))
    except BaseException as exc:
        if at is not None and isinstance(exc, ReconcilerError):  # a problem of the revision's files, by their names
            exc.problems = [at.shown(problem) for problem in exc.problems]
        resources.close()
        raise
    return PlannedRun(options, desired, made, session, workers, resources, excluded=excluded, recorder=recorder,
                      rollback=at)


def _refuse_stale(saved_data: dict[str, Any], made: Plan, saved: str, redact: Callable[[str], str],
                  at: Optional[AtRevision] = None) -> None:
    """StalePlan listing why the saved plan no longer holds for the plan just made, if it does not."""
    reasons = saved_plan.stale_reasons(saved_data, made, saved, at.located if at else str)
    if reasons:
        raise StalePlan([redact(reason) for reason in reasons]
                        + ["the saved plan is stale: run plan again and review it"])


def apply(run: PlannedRun, observer: Optional[Observer] = None, halt: Optional[Callable[[], Optional[str]]] = None
          ) -> Report:
    """Apply the plan of `run` (planned with `Options(apply=True)`), each change as soon as what it needs is done.

    `observer` hears of the plan first, then of each change as it starts and as it ends. A failed change skips
    only what depends on it; the report says what was done, what failed and what was skipped. `halt` (a watch
    told to stop) is asked before each change: once it names a reason, what has not started is skipped with it.
    """
    if not run.options.apply:
        raise ValueError("this run was planned without Options(apply=True): plan it again to apply it")
    if run.applied:
        raise ValueError("this run's plan has been applied already: plan again")
    run.applied = True
    heard = observer or Unobserved()
    if run.recorder is None:
        heard.on_plan(run.plan, run.redact)
        return apply_plan(run.plan, run.session, run.workers, lambda outcome: heard.on_outcome(outcome, run.redact),
                          heard.on_start, halt=halt)
    with run.recorder.applying(run.file_names) as end:  # the history: begun, then ended with its outcome
        heard.on_plan(run.plan, run.redact)
        end.outcome = "failed"  # from here on, writes are made
        run.recorder.settle(run.plan.changes)
        run.recorder.forget_gone(run.plan.gone)  # ledger entries whose objects are gone from their platforms
        report = end.reported(apply_plan(run.plan, run.session, run.workers,
                                         lambda outcome: heard.on_outcome(outcome, run.redact), heard.on_start,
                                         run.recorder, halt))
    if run.rollback is not None and end.outcome == "success":
        note = rollback.hold_watches(run.recorder.backend, run.recorder.owner, run.rollback)
        run.notes.extend([note] if note else [])
    return report


def reconcile(options: Options, observer: Optional[Observer] = None) -> Result:
    """`plan(options)` and, with `options.apply`, `apply` it; the run closed before this returns."""
    with plan(options) as run:
        report = apply(run, observer) if options.apply else None
        return Result(run.plan, report, run.redact)
