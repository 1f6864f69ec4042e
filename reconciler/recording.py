"""What a run keeps in converge's own state (reconciler/state): the ledger around every write, the history of
applies, and the lock of each endpoint across machines.

`open_state(options.state, desired)` opens the backend (`--state URL`, else `CONVERGE_STATE`, else the file default
under the desired state's `.converge/state/`) right after the files are loaded and before any platform request,
so a backend that cannot be used fails the run before anything is read or written. The `Recorder` it returns
writes, for each planned change the executor makes:

- before the platform write, an `intent` with the values about to be applied (`record_intent`);
- after it succeeded, `confirm` with the values now applied; a deletion `forget`s the object once it succeeded
  (no intent is recorded first: until the platform confirmed the delete the object stays in the ledger as it was).

An adoption (`adopt: true` of a kind owned through the ledger, reconciler/ledger_owned.py) is recorded the same
way, with no platform write between; the entries whose objects a prune found gone are forgotten as the apply starts
(`forget_gone`).

An intent left by a write cut short (a kill, the backend lost) is settled by the next apply, which reads the
platform: an object found as its entry wants it is confirmed (`settle`), one still to be written is written again.

The values applied are the entry's normalized desired values as the plan compares them (`spec.comparable`), the
identity fields left out and every secret masked (`spec.public`): no secret ever reaches the backend. The first
failure of the backend is kept (`lost`): the executor then makes no further write, and the apply fails naming it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from collections import Counter
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, NOOP

from .desired import DesiredState
from .errors import StateError
from .executor import Report
from .lock import endpoint_key
from .ownership import owner_of
from .planner import PlannedChange
from .state import Backend, LockHolder, open_backend, state_url
from .state.backend import canonical, utc_now

#: the counts an apply's history keeps, each always present (other actions are added when they happened)
COUNTED = ("create", "update", "replace", "delete", "failed", "skipped")
#: seconds `git rev-parse` may take to name the desired state's revision
GIT_SECONDS = 10


def state_root(desired: DesiredState) -> Path:
    """The desired state's directory, under which the file backend keeps the state by default."""
    return Path(desired.secret_root or os.getcwd())


def revision_of(root: Path) -> Optional[str]:
    """The git commit of the repository holding `root` (`git rev-parse --short HEAD`), None outside one."""
    try:
        found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=str(root), capture_output=True, text=True,
                               timeout=GIT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    revision = found.stdout.strip()
    return revision if found.returncode == 0 and revision else None


def ledger_identity(spec: Any, data: dict[str, Any]) -> Any:
    """The identity an object is kept under in the ledger: `spec.identity_of` of its data (its identity fields'
    values, in the kind's order)."""
    return spec.identity_of(data)


def applied_values(spec: Any, desired: dict[str, Any]) -> dict[str, Any]:
    """The values an apply writes for an entry, as the ledger keeps them: what the plan compares, without the
    identity fields, every secret masked."""
    compared = spec.public(spec.comparable(desired))
    return {name: value for name, value in compared.items() if name in spec.fields and name not in spec.identity}


def open_state(option: Optional[str], desired: DesiredState, create: bool = True,
               revision: Optional[str] = None, root: Optional[Path] = None) -> Recorder:
    """The state backend of a run (see the module), opened and migrated, with what records into it; `create` false
    for a run that only reads (`plan`): a file state not yet made is then read as empty and not made. `root`: the
    desired state's directory when its files are read elsewhere (a revision's, unpacked), default theirs.

    Raises StateError naming the URL (password masked) when it cannot be reached or used.
    """
    root = root or state_root(desired)
    recorder = Recorder(open_backend(state_url(option), root, create), owner_of(desired), root)
    if revision is not None:
        recorder.revision = revision  # given (a watch's commit): git is not asked
    return recorder


class Recorder:
    """One run's view of the state backend: the owner it records under, and the first failure of the backend."""

    def __init__(self, backend: Backend, owner: str, root: Path) -> None:
        self.backend = backend
        self.owner = owner
        self.root = root
        #: the first StateError of the backend during the apply: nothing is written to a platform after it
        self.lost: Optional[StateError] = None

    @cached_property
    def revision(self) -> Optional[str]:
        """The git commit of the desired state (None outside a repository), asked once."""
        return revision_of(self.root)

    @contextlib.contextmanager
    def lock(self, desired: DesiredState, timeout: float, files: Optional[list[str]] = None) -> Iterator[None]:
        """Hold the backend's lock of every endpoint of `desired` (across machines with PostgreSQL) for the block;
        `files`: the files as its holder names them (default the desired state's)."""
        keys = [endpoint_key(endpoint) for endpoint in desired.endpoints.values()]
        holder = LockHolder(socket.gethostname(), os.getpid(), list(files or desired.files), utc_now())
        with self.backend.lock(keys, holder, timeout):
            yield

    def _kept(self, call: Any) -> None:
        """Run one write of the state; its failure is kept in `lost` and raised."""
        try:
            call()
        except StateError as exc:
            self.lost = self.lost or exc
            raise

    def before(self, planned: PlannedChange) -> None:
        """Record the intent of the change about to be written (nothing for a deletion)."""
        change = planned.change
        if change.action in (DELETE, NOOP):
            return
        spec = change.spec
        self._kept(lambda: self.backend.record_intent(
            self.owner, spec.kind, spec.platform, ledger_identity(spec, change.desired or change.live or {}),
            applied_values(spec, planned.entry.normalized), self.revision, spec.secret_fields()))

    def after(self, planned: PlannedChange) -> None:
        """Record that the change was written: confirmed with the values now applied, or forgotten once deleted."""
        change = planned.change
        spec = change.spec
        identity = ledger_identity(spec, change.desired or change.live or {})
        if change.action == DELETE:
            self._kept(lambda: self.backend.forget(self.owner, spec.kind, identity))
        else:
            self._kept(lambda: self.backend.confirm(self.owner, spec.kind, identity,
                                                    applied_values(spec, planned.entry.normalized),
                                                    spec.secret_fields()))

    def settle(self, changes: list[PlannedChange]) -> None:
        """Confirm the intents left by a write cut short whose object the plan found as its entry wants it (no change
        to make): the platform holds the values, so the ledger may say so. Run as an apply starts."""
        intents = {(entry.kind, canonical(entry.identity)) for entry in self.backend.ledger(self.owner)
                   if entry.status == "intent"}
        for planned in changes:
            change = planned.change
            if not intents or change.action != NOOP or change.live is None or planned.observed or planned.blocked:
                continue
            if (change.kind, canonical(ledger_identity(change.spec, change.desired or change.live or {}))) in intents:
                self.after(planned)

    def forget_gone(self, entries: list[Any]) -> None:
        """Forget the ledger entries whose objects the plan found gone from their platforms (`Plan.gone`, see
        reconciler/ledger_owned.py): nothing is left to own. Run as an apply starts, before its first write."""
        for entry in entries:
            self._kept(lambda entry=entry: self.backend.forget(self.owner, entry.kind, entry.identity))

    def begin_apply(self, files: list[str]) -> int:
        """Record the start of an apply in the history; its id."""
        return self.backend.begin_apply(self.owner, self.revision, list(files))

    def end_apply(self, apply_id: int, outcome: str, outcomes: list[Any]) -> Optional[str]:
        """Record how the apply ended, with its counts; the backend's problem when it could not be recorded."""
        try:
            self.backend.end_apply(apply_id, outcome, counts(outcomes))
        except StateError as exc:
            return "; ".join(exc.problems)
        return None

    @contextlib.contextmanager
    def applying(self, files: list[str]) -> Iterator[ApplyEnd]:
        """Record an apply in the history around the block: begun as it starts, ended with its outcome and counts.

        The block says how far it went on the `ApplyEnd` it is given: `cancelled` until it starts writing (a
        confirmation refused, an interrupt), `failed` from then on until its report says `success`; an interrupt
        is `cancelled` at any point. An end the backend could not record is added to the report's problems.
        """
        end = ApplyEnd()
        apply_id = self.begin_apply(files)
        try:
            yield end
        except KeyboardInterrupt:
            end.outcome = "cancelled"
            raise
        finally:
            problem = self.end_apply(apply_id, end.outcome, end.report.outcomes if end.report else [])
            if problem and end.report is not None and problem not in end.report.problems:
                end.report.problems.append(f"{problem}: the end of the apply is not in its history")

    def close(self) -> None:
        """Let go of the backend."""
        self.backend.close()


class ApplyEnd:
    """How an apply ended, as its history records it: its outcome, and its report once it has one."""

    def __init__(self) -> None:
        self.outcome = "cancelled"
        self.report: Optional[Report] = None

    def reported(self, report: Report) -> Report:
        """The apply ended with `report`: `success` unless a change failed or was skipped, or the state was lost."""
        self.report = report
        self.outcome = "failed" if report.failed or report.problems or report.blocked else "success"
        return report


def counts(outcomes: list[Any]) -> dict[str, int]:
    """An apply's counts for its history: the changes done by action, and those failed and skipped."""
    done = Counter(outcome.planned.change.action for outcome in outcomes if outcome.status == "done")
    result = {name: 0 for name in COUNTED}
    result.update(done)
    result["failed"] = sum(1 for outcome in outcomes if outcome.status == "failed")
    result["skipped"] = sum(1 for outcome in outcomes if outcome.status == "skipped")
    return result
