"""What is on the platforms that no entry names: `reconciler unmanaged`, and the count `plan` closes with.

For every platform the desired state has an endpoint for, every kind that can be listed is listed
(`entries.listed_objects`, over the kind's `read_all`), and each live object that no entry reads as its own
(`ownership.live_key`) is unmanaged. A kind that cannot be listed (`import_refusal`, a `read_all` refusing)
is reported once, with the reason. Objects the platform makes itself (`spec.platform_made`) count only for a
kind asked for by name, as `reconciler import` takes them. Each object comes with the owner its marker
names, if any: another desired state's, or this one's when an owned object lost its entry.

    with Session(desired) as session:
        found = find_unmanaged(desired, session)
        print(found.total, found.as_dict())

Its reads are the kinds' listings and their entries' reads, each sent once (the read memo): under a plan's
`remembering_reads`, what the plan read already is not sent again, and `named_by_plan(plan)` hands over the
entries' objects the plan read, so they are not read again either.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

from ansible_collections.converge.platforms.plugins.module_utils.entries import listed_objects, owner_named
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack_ownership import (
    RECORD_PREFIX,
    TagRecord,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

from .causes import Ledger, identity_key
from .desired import DEFAULT_CONCURRENCY, DesiredState, Entry, resource_title
from .errors import ReconcilerError
from .ledger_owned import ledger_owned
from .ownership import live_key, owner_of
from .planner import Plan, read_failure, remembering_reads
from .platforms import kinds
from .session import Session

FORMAT_VERSION = 1
#: the fields of an entry that name the scope its kind is listed within (`read_all`'s `within`): VSD lists a
#: VM's snapshots only, so the VMs the desired state's snapshots name are the ones listed
WITHIN_FIELDS = {"vsd_snapshot": ("cluster_uuid", "compute_uuid")}


class ListingFailed(ReconcilerError):
    """A platform did not answer a listing (after its retries): `file:line: endpoints.<name>: ...`."""


@dataclass(frozen=True)
class UnmanagedObject:
    """A live object no entry names: its kind, its identity (secrets masked) and the owner its marker names."""

    kind: str
    identity: dict[str, Any]
    owner: Optional[str]

    @property
    def title(self) -> str:
        """`kind[identity]`, as plans name a resource."""
        return resource_title(self.kind, self.identity)

    def as_dict(self) -> dict[str, Any]:
        return {"identity": self.identity, "owner": self.owner}


@dataclass
class Unmanaged:
    """What `find_unmanaged` found: per kind listed (in the platforms' order) its unmanaged objects, and why
    each kind that was not listed could not be."""

    owner: str
    kinds: dict[str, list[UnmanagedObject]] = field(default_factory=dict)
    not_listed: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """How many objects no entry names, over every kind listed."""
        return sum(len(objects) for objects in self.kinds.values())

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of `reconciler unmanaged --format json`."""
        return {"format_version": FORMAT_VERSION, "owner": self.owner,
                "kinds": {kind: [item.as_dict() for item in objects] for kind, objects in self.kinds.items()},
                "not_listed": dict(self.not_listed), "total": self.total}


#: the objects of an entry's kind as a plan read them (`named_by_plan`): kind -> each entry's live object or None
Named = dict[str, list[Optional[dict[str, Any]]]]
#: what listing one kind gives: its unmanaged objects, or why it was not listed
KindFound = Union[list[UnmanagedObject], str]


def find_unmanaged(desired: DesiredState, session: Session, asked: Iterable[str] = (),
                   named: Optional[Named] = None, scopes: Iterable[dict[str, Any]] = (),
                   ledger: Optional[Ledger] = None) -> Unmanaged:
    """The live objects no entry of `desired` names, on every platform it has an endpoint for.

    `asked` (`--kind`) narrows the listing to those kinds, and is how the objects of a kind the platform makes
    itself are asked for. `named` (`named_by_plan`) gives the objects a plan already read for the entries of
    some kinds; the entries of the others are read here. `scopes` (`--vsd-vm`) are listed too, beside those
    the entries name, for the kinds listed within a scope. `ledger` (`causes.plan_ledger`) names the owner's
    objects of the kinds owned through it. ListingFailed when a platform does not answer.
    """
    asked = list(asked)
    grouped = desired.by_kind()
    chosen, found = _chosen_kinds(desired, asked)
    workers = desired.settings.get("concurrency") or DEFAULT_CONCURRENCY
    with remembering_reads(session, {spec.platform for spec in chosen}):
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen)))) as pool:
            futures = {spec.kind: pool.submit(_list_kind, spec, session, grouped.get(spec.kind, []),
                                              spec.kind in asked, (named or {}).get(spec.kind),
                                              list(scopes), LedgerOwners(found.owner, ledger))
                       for spec in chosen}
            results = {kind: future.result() for kind, future in futures.items()}
    for kind, result in results.items():
        if isinstance(result, str):
            found.not_listed[kind] = result
        else:
            found.kinds[kind] = result
    found.not_listed = {kind: found.not_listed[kind] for kind in kinds() if kind in found.not_listed}
    return found


def count_unmanaged(desired: DesiredState, session: Session, named: Optional[Named] = None) -> int:
    """How many objects on the platforms no entry names (the closing line of `plan`)."""
    return find_unmanaged(desired, session, named=named).total


def named_by_plan(plan: Plan) -> Named:
    """The live objects a plan read for its entries, per kind; a kind with an entry the plan could not read is
    left out (`find_unmanaged` reads it again)."""
    named: Named = {}
    blocked = set()
    for planned in plan.changes:
        if planned.prune:
            continue
        if planned.blocked:
            blocked.add(planned.entry.kind)
        named.setdefault(planned.entry.kind, []).append(planned.change.live)
    return {kind: lives for kind, lives in named.items() if kind not in blocked}


def _chosen_kinds(desired: DesiredState, asked: list[str]) -> tuple[list[Any], Unmanaged]:
    """The kinds to list (on a platform with an endpoint, among `asked` when given), and the result to fill,
    already saying why an asked kind without an endpoint is not listed."""
    found = Unmanaged(owner_of(desired))
    chosen = []
    for kind, spec in kinds().items():
        if asked and kind not in asked:
            continue
        if spec.platform in desired.endpoints:
            chosen.append(spec)
        elif asked:
            found.not_listed[kind] = f"the desired state has no endpoint for {spec.platform}"
    return chosen, found


def _list_kind(spec, session: Session, entries: list[Entry], platform_made: bool,
               named: Optional[list[Optional[dict[str, Any]]]], scopes: list[dict[str, Any]],
               ledger: LedgerOwners) -> KindFound:
    """One kind's unmanaged objects, or why the kind is not listed."""
    client = session.client(spec.platform)
    try:
        if named is None:
            named = spec.read_many(client, [entry.normalized for entry in entries]) if entries else []
        within = _within(spec, entries, named, scopes)
        if within is None and spec.import_refusal:
            return str(spec.import_refusal)
        lives = listed_objects(spec, client, within, platform_made)
        kept = {live_key(spec, live) for live in named if live is not None}
        unnamed = [live for live in lives if live_key(spec, live) not in kept]
        owners = ledger.owners(spec, unnamed) if ledger_owned(spec) else owners_of(spec, client, unnamed)
    except SpecError as exc:
        return session.redact(exc.reason)
    except ApiError as exc:
        raise ListingFailed([read_failure(session, spec.platform, exc)]) from None
    return [UnmanagedObject(spec.kind, spec.public({name: live.get(name) for name in spec.identity}), owner)
            for live, owner in zip(unnamed, owners, strict=True)]


def _within(spec, entries: list[Entry], named: list[Optional[dict[str, Any]]],
            given: list[dict[str, Any]]) -> Optional[list[dict[str, Any]]]:
    """The scopes to list a kind listed only within one (`WITHIN_FIELDS`): those `given`, and those its entries
    name (from the entry, else from the object it read), in order; None for any other kind, and when none is."""
    keys = WITHIN_FIELDS.get(spec.kind)
    if keys is None:
        return None
    scopes: list[dict[str, Any]] = []
    named_scopes = [{key: entry.normalized.get(key) or (live or {}).get(key) for key in keys}
                    for entry, live in zip(entries, named, strict=True)]
    for scope in [{key: scope.get(key) for key in keys} for scope in given] + named_scopes:
        if all(scope.values()) and scope not in scopes:
            scopes.append(scope)
    return sorted(scopes, key=lambda scope: [scope[key] for key in keys]) or None


@dataclass(frozen=True)
class LedgerOwners:
    """The owner of the objects of a kind owned through converge's ledger: this owner's for an object its ledger
    names as confirmed, else none (the ledger read is this owner's only)."""

    owner: str
    ledger: Optional[Ledger]

    def owners(self, spec, lives: list[dict[str, Any]]) -> list[Optional[str]]:
        """The owner of each live object, in order."""
        def known(live: dict[str, Any]) -> bool:
            entry = (self.ledger or {}).get(identity_key(spec.kind, {name: live.get(name) for name in spec.identity}))
            return entry is not None and entry.status == "confirmed"
        return [self.owner if known(live) else None for live in lives]


def owners_of(spec, client, lives: list[dict[str, Any]]) -> list[Optional[str]]:
    """The owner each live object's marker names (None: no marker), in order. A kind whose owner is recorded
    beside its objects (ZStack tags: `TagRecord`) learns every owner from one listing of the records."""
    if not lives:
        return []
    if isinstance(spec.ownership, TagRecord):
        recorded = tag_owners(client)
        return [recorded.get((live.get("resource_uuid"), spec.tag_kind, live.get("tag") or "")) for live in lives]
    return [owner_named(spec, live) for live in lives]


def tag_owners(client) -> dict[tuple[Any, str, str], str]:
    """(resource uuid, tag kind, tag) -> owner, from the record tags `converge::owner::<owner>::<kind>::<tag>`.

    The records are user tags: read with the listing of every user tag, which the user tags' own listing sends
    too (the read memo answers the second), and kept where their text has a record's shape.
    """
    owners: dict[tuple[Any, str, str], str] = {}
    for row in client.query_tags("user"):
        text = row.get("tag") or ""
        parts = text[len(RECORD_PREFIX):].split("::", 2) if text.startswith(RECORD_PREFIX) else []
        if len(parts) == 3 and parts[1] in ("system", "user"):
            owners.setdefault((row.get("resourceUuid"), parts[1], parts[2]), parts[0])
    return owners
