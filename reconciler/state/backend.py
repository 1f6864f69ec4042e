"""What a state backend keeps for each owner, and the interface every backend offers.

Per owner a backend holds:

- the ledger: every object the owner created or adopted, by kind and platform identity, with the values last
  applied (`applied`) and the revision they came from. An entry is recorded as an `intent` before the platform
  write and `confirmed` after it, so a write cut short leaves an entry that says so;
- the history of applies: who applied which revision from which host, when, with what outcome and counts;
- the lock: one per key (an endpoint), held for the length of an apply, naming its holder to whoever is refused;
- the suspensions: objects set aside (by kind and name) with the reason, for a later watch mode.

Secrets are never stored. `applied` holds what `spec.public(...)` gives, secret values masked; a caller that
passes values of its own names the secret fields in `secrets`, and those are stored masked too (`public_values`).
Identities are stored as canonical JSON (sorted keys, no spaces), so two equal identities always match.
"""

from __future__ import annotations

import abc
import contextlib
import json
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ansible_collections.converge.platforms.plugins.module_utils.spec import SECRET_MASK

from ..lock import holder_text

#: the status of a ledger entry: written to the platform (`confirmed`), or about to be (`intent`)
Status = Literal["intent", "confirmed"]


@dataclass(frozen=True)
class LedgerEntry:
    """One object an owner created or adopted, with the values last applied to it."""

    owner: str
    kind: str
    platform: str
    identity: dict[str, Any]
    applied: dict[str, Any]
    revision: str | None
    applied_at: str
    status: Status


@dataclass(frozen=True)
class ApplyRecord:
    """One apply in the history: `ended_at`, `outcome` and `counts` stay empty until it ends."""

    id: int
    owner: str
    revision: str | None
    user: str
    host: str
    files: list[str]
    started_at: str
    ended_at: str | None = None
    outcome: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock: the host and process of the apply, the files it applies, since when."""

    host: str
    pid: int
    files: list[str]
    started_at: str

    def describe(self) -> str:
        """The holder as a refused apply names it (the words of the one-machine lock, reconciler/lock.py)."""
        return holder_text({"pid": self.pid, "host": self.host, "files": self.files, "since": self.started_at})


@dataclass(frozen=True)
class Suspension:
    """An object set aside (by kind and name; `*` for every one): the reason, since when, until when (None: until
    resumed), the branch head it waits to see move past (a rollback's), and who set it."""

    owner: str
    kind: str
    name: str
    reason: str
    since: str
    expires_at: str | None = None
    until_revision: str | None = None
    user: str | None = None


def canonical(value: Mapping[str, Any]) -> str:
    """A JSON text of `value` that is the same for equal values: keys sorted, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def public_values(applied: Mapping[str, Any], secrets: Collection[str] = ()) -> dict[str, Any]:
    """`applied` as it may be stored: the value of every field named in `secrets` masked (None stays None)."""
    return {key: SECRET_MASK if key in secrets and value is not None else value for key, value in applied.items()}


def utc_now() -> str:
    """The current time as the state keeps it: ISO 8601, UTC, to the second (as the one-machine lock does)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Backend(abc.ABC):
    """A store of ledgers, apply histories, locks and suspensions, for every owner sharing it."""

    #: the URL the backend was opened with, its password masked: what every message about it names
    shown_url: str = ""

    @abc.abstractmethod
    def migrate(self) -> int:
        """Bring the schema to the newest version (each missing migration in order; none when up to date).

        Returns the schema version.
        """

    @abc.abstractmethod
    def ledger(self, owner: str, kind: str | None = None) -> list[LedgerEntry]:
        """The owner's ledger (of one kind when given), ordered by kind and identity."""

    @abc.abstractmethod
    def record_intent(self, owner: str, kind: str, platform: str, identity: Mapping[str, Any],
                      applied: Mapping[str, Any], revision: str | None, secrets: Collection[str] = ()) -> None:
        """Record, before the platform write, that the object is about to get `applied` (status `intent`)."""

    @abc.abstractmethod
    def confirm(self, owner: str, kind: str, identity: Mapping[str, Any], applied: Mapping[str, Any],
                secrets: Collection[str] = ()) -> None:
        """Record, after the platform write, that the object has `applied` (status `confirmed`).

        Raises StateError when no intent was recorded for the object.
        """

    @abc.abstractmethod
    def forget(self, owner: str, kind: str, identity: Mapping[str, Any]) -> bool:
        """Drop an object from the owner's ledger (never touching the platform); False when it was not there."""

    @abc.abstractmethod
    def begin_apply(self, owner: str, revision: str | None, files: list[str]) -> int:
        """Record the start of an apply by this user on this host; returns its id in the history."""

    @abc.abstractmethod
    def end_apply(self, apply_id: int, outcome: str, counts: Mapping[str, int]) -> None:
        """Record how the apply `apply_id` ended."""

    @abc.abstractmethod
    def history(self, owner: str, limit: int = 20) -> list[ApplyRecord]:
        """The owner's last `limit` applies, newest first."""

    @abc.abstractmethod
    def suspend(self, owner: str, kind: str, name: str, reason: str, expires_at: str | None = None,
                until_revision: str | None = None, user: str | None = None) -> None:
        """Set an object aside, with the reason, until `expires_at` (UTC, ISO 8601; None: until resumed) or until
        the branch moves past `until_revision` (again: the rest replaced, `since` kept)."""

    @abc.abstractmethod
    def resume(self, owner: str, kind: str, name: str) -> bool:
        """Take an object's suspension away; False when it had none."""

    @abc.abstractmethod
    def suspensions(self, owner: str) -> list[Suspension]:
        """The owner's suspended objects, ordered by kind and name."""

    @abc.abstractmethod
    def lock(self, keys: list[str], holder: LockHolder,
             timeout: float = 0.0) -> contextlib.AbstractContextManager[None]:
        """Hold the lock of every key (in sorted order, so two applies never deadlock) for the block.

        Waits up to `timeout` seconds for a key another apply holds, then raises LockHeld naming that apply's
        host, pid, files and start.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Let go of the backend's connections (and any lock still held)."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
