"""Why each difference of a plan exists: the files moved, the platform moved, or both.

An update (or a replace) brings a live object to its entry. With the ledger of the state backend, which holds
the values last applied to each object, every changed field is compared three ways, as kubectl's three-way
comparison does: the files changed it when the desired value differs from the one last applied; the platform
changed it when the live value differs from the one last applied. A field is `unknown` when the object has no
confirmed entry in the ledger (never applied by this owner, or a write cut short), when the entry lacks the
field, and always for a secret (the ledger holds secrets masked: they are never compared). A change's cause is
the union of its fields' known causes: `files`, `platform`, `both`, or `unknown` when none is known.

Values are compared as the kind compares them (`spec.same`), the owner's marker taken off the field that
carries it, so the marker converge adds is never taken for an edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.converge.platforms.plugins.module_utils.spec import REPLACE, UPDATE, Change

from .platforms import kinds
from .state.backend import Backend, LedgerEntry, canonical

FILES = "files"
PLATFORM = "platform"
BOTH = "both"
UNKNOWN = "unknown"
#: the actions whose differences have a cause: those that change a live object's fields
CAUSED_ACTIONS = (UPDATE, REPLACE)

#: the ledger as the planner reads it: (kind, canonical JSON of the identity) -> the object's entry
Ledger = Mapping[tuple[str, str], LedgerEntry]


@dataclass(frozen=True)
class Cause:
    """Why a change's fields differ: the change's cause, each field's, and the apply the ledger remembers."""

    cause: str
    fields: dict[str, str] = field(default_factory=dict)
    applied_at: Optional[str] = None
    revision: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        """`cause`, the per-field `causes`, and `last_applied` (its time and revision) when the ledger had it."""
        data: dict[str, Any] = {"cause": self.cause, "causes": dict(self.fields)}
        if self.applied_at is not None:
            data["last_applied"] = {"at": self.applied_at, "revision": self.revision}
        return data


#: the cause of a change when the ledger knows nothing of it
NOT_KNOWN = Cause(UNKNOWN)


def identity_key(kind: str, identity: Any, names: Iterable[str] = ()) -> tuple[str, str]:
    """The ledger's key of an object: its kind and the canonical JSON of its identity, given as a mapping or as
    the values of the identity's `names` in order (`spec.identity_of`)."""
    if isinstance(identity, Mapping):
        return kind, canonical(identity)
    values, fields = list(identity), list(names)
    if len(values) != len(fields):  # kept under an identity of other fields than the kind's: it matches nothing
        return kind, canonical({"": values})
    return kind, canonical(dict(zip(fields, values, strict=True)))


def ledger_index(entries: Iterable[LedgerEntry], identities: Mapping[str, Iterable[str]]) -> dict[tuple[str, str],
                                                                                                   LedgerEntry]:
    """The ledger keyed as `make_plan` reads it; `identities` names each kind's identity fields, for the entries
    whose identity is stored as a list of values."""
    return {identity_key(entry.kind, entry.identity, identities.get(entry.kind, ())): entry for entry in entries}


def plan_ledger(backend: Backend, owner: str) -> dict[tuple[str, str], LedgerEntry]:
    """The owner's ledger in `backend`, keyed as `make_plan` reads it."""
    return ledger_index(backend.ledger(owner), {kind: spec.identity for kind, spec in kinds().items()})


def cause_of(change: Change, ledger: Optional[Ledger]) -> Optional[Cause]:
    """The cause of `change` (None when its action has none: a create, a delete, a no-op)."""
    if change.action not in CAUSED_ACTIONS:
        return None
    entry = ledger.get(identity_key(change.kind, change.identity())) if ledger else None
    if entry is None or entry.status != "confirmed":
        return Cause(UNKNOWN, {name: UNKNOWN for name in change.fields})
    fields = {name: field_cause(change.spec, name, live, desired, entry.applied)
              for name, (live, desired) in change.fields.items()}
    return Cause(union(fields.values()), fields, entry.applied_at, entry.revision)


def field_cause(spec, name: str, live: Any, desired: Any, applied: Mapping[str, Any]) -> str:
    """One changed field's cause: whether the files, the platform or both moved it from the value last applied."""
    described = spec.fields.get(name)
    if name not in applied or described is None or described.secret:
        return UNKNOWN
    last = unmarked(spec, name, applied[name])
    files = not spec.same(name, unmarked(spec, name, desired), last)
    platform = not spec.same(name, last, unmarked(spec, name, live))
    if files and platform:
        return BOTH
    return FILES if files else PLATFORM if platform else UNKNOWN


def unmarked(spec, name: str, value: Any) -> Any:
    """`value` without the owner's marker when `name` is the field that carries it (`[converge:<owner>]`)."""
    carrier = spec.ownership
    if isinstance(value, str) and getattr(carrier, "field", None) == name and hasattr(carrier, "without_marker"):
        return carrier.without_marker(value)
    return value


def union(causes: Iterable[str]) -> str:
    """The cause of a change whose fields have `causes`: `both` when the known ones differ, `unknown` when none is
    known."""
    known = {cause for cause in causes if cause != UNKNOWN}
    if BOTH in known or known == {FILES, PLATFORM}:
        return BOTH
    return known.pop() if known else UNKNOWN


def cause_lines(data: Mapping[str, Any]) -> list[str]:
    """The lines that say why a change's fields differ (a change's `as_dict()`): `changed on the platform since
    the apply of <time> (<revision>)`, `changed in the files`, or both; each names its fields when the change has
    more than one. None without a known cause."""
    cause = data.get("cause")
    if cause not in (FILES, PLATFORM, BOTH):
        return []
    fields: Mapping[str, str] = data.get("causes") or {}
    applied = data.get("last_applied") or {}
    since = f" since the apply of {applied.get('at')}" if applied.get("at") else ""
    revision = f" ({applied['revision']})" if applied.get("revision") else ""
    lines = []
    for each, text in ((PLATFORM, f"changed on the platform{since}{revision}"), (FILES, "changed in the files")):
        if cause not in (each, BOTH):
            continue
        named = sorted(name for name, by in fields.items() if by in (each, BOTH))
        lines.append(text + (f": {', '.join(named)}" if len(fields) > 1 and named else ""))
    return lines
