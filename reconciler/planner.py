"""Read live state and compare it with the desired state: the plan."""

from __future__ import annotations

import contextlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator

from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, NOOP, Change, SpecError

from .document import Desired, DocumentError, Entry, resource_title
from .graph import Graph, entry_graph
from .ownership import ADOPT, live_key, owner_of, prunable_kinds, prune_change, pruned_entry
from .platforms import kinds
from .session import Session

ACTION_ORDER = ("create", "update", "replace", "delete")


@dataclass
class PlannedChange:
    """A spec Change together with the entry it came from."""

    entry: Entry
    change: Change
    #: the deletion of an owned object that no file names any more
    prune: bool = False
    #: the run's owner, for kinds that carry one (their create and adopt record it, their delete forgets it)
    owner: str | None = None

    @property
    def title(self) -> str:
        """`kind[identity]`, as plans and reports name a resource."""
        return resource_title(self.change.kind, self.change.spec.public(self.change.identity()))

    def as_dict(self) -> dict[str, Any]:
        data = self.change.as_dict()
        data["source"] = self.entry.where
        if self.prune:
            data["prune"] = True
        return data


@dataclass
class Plan:
    """Every entry's change (no-ops included), in file order, with the graph of their dependencies."""

    changes: list[PlannedChange]
    graph: Graph = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.graph is None:
            self.graph = plan_graph(self.changes)

    @property
    def pending(self) -> list[PlannedChange]:
        """Changes that do something, in the order apply may run them (dependencies first, deletions last)."""
        return [self.changes[i] for i in self.pending_order]

    @cached_property
    def pending_order(self) -> list[int]:
        """Indexes of pending changes: writes in dependency order, then deletions, dependants first."""
        order = self.graph.order()
        writes = [i for i in order if self._pending(i) and self.changes[i].change.action != DELETE]
        deletes = [i for i in reversed(order) if self._pending(i) and self.changes[i].change.action == DELETE]
        return writes + deletes

    def execution_graph(self) -> Graph:
        """Edges between pending changes: a write waits for the writes it needs; a delete for its dependants'."""
        result = Graph(len(self.changes))
        for item, needs in self.graph.needs.items():
            if not self._pending(item):
                continue
            deleting = self.changes[item].change.action == DELETE
            for dependency in needs:
                if not self._pending(dependency):
                    continue
                if (self.changes[dependency].change.action == DELETE) != deleting:
                    continue
                if deleting:
                    result.add(dependency, item)  # the parent's delete waits for the child's
                else:
                    result.add(item, dependency)
        return result

    def _pending(self, index: int) -> bool:
        return self.changes[index].change.action != NOOP

    def summary(self) -> dict[str, int]:
        """Counts of create / update / replace / delete and of other actions."""
        counts = Counter(c.change.action for c in self.pending)
        result = {action: counts.pop(action, 0) for action in ACTION_ORDER}
        result["action"] = sum(counts.values())
        return result

    def as_dict(self) -> dict[str, Any]:
        graph = self.execution_graph()
        order = self.pending_order
        position = {index: place for place, index in enumerate(order)}
        changes = []
        for index in order:
            data = self.changes[index].as_dict()
            after = sorted(graph.needs[index], key=position.__getitem__)
            if after:
                data["depends_on"] = [self.changes[i].title for i in after]
            changes.append(data)
        return {"format_version": 1, "summary": self.summary(), "changes": changes,
                "unchanged": len(self.changes) - len(changes)}


def plan_graph(changes: list[PlannedChange]) -> Graph:
    """The dependency graph of planned entries (references and kind prerequisites)."""
    known = kinds()
    return entry_graph([c.entry for c in changes], known)


def provided_names(desired: Desired) -> dict[str, set]:
    """For each kind, the names (`reference_key`) of the entries this run creates or keeps (not those it deletes)."""
    known = kinds()
    names: dict[str, set] = {}
    for entry in desired.entries:
        spec = known[entry.kind]
        data = entry.normalized
        if data.get("state") != "absent" and data.get(spec.reference_key) is not None:
            names.setdefault(entry.kind, set()).add(data[spec.reference_key])
    return names


def read_kind(spec, client, wanted: list[dict], provided: dict[str, set]) -> list:
    """A kind's live objects for its entries, after the kind's checks against the platform (`check_live`)."""
    lives = spec.read_many(client, wanted)
    spec.check_live(client, wanted, provided)
    return lives


def make_plan(desired: Desired, session: Session, concurrency: int | None = None, prune: bool = False) -> Plan:
    """Read every kind's live objects (concurrently, through list endpoints) and plan each entry.

    Entries of kinds that carry an owner send the owner's marker on create (and on `adopt: true`). With
    `prune`, owned objects that no entry names are planned as deletions, marked `prune`.
    """
    known = kinds()
    grouped = desired.by_kind()
    workers = concurrency or desired.settings.get("concurrency", 8)
    provided = provided_names(desired)
    owner = owner_of(desired)
    pruning = prunable_kinds(desired) if prune else []
    with remembering_reads(session, {known[kind].platform for kind in grouped} | {spec.platform for spec in pruning}):
        return _plan_read(desired, session, known, grouped, workers, provided, owner, pruning)


@contextlib.contextmanager
def remembering_reads(session: Session, platforms: set[str]) -> Iterator[None]:
    """Identical reads sent once on each of the platforms' endpoints while the block runs (see read_memo);
    every memo opened is closed again, also when a later platform's client cannot be built."""
    with contextlib.ExitStack() as stack:
        for name in sorted(platforms):
            http = getattr(session.client(name), "http", None)
            if http is not None:
                stack.enter_context(http.remembering())
        yield


def _plan_read(desired: Desired, session: Session, known: dict, grouped: dict, workers: int, provided: dict,
               owner: str, pruning: list) -> Plan:
    """make_plan's reads and the planning of each entry."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(grouped) + len(pruning) or 1))) as pool:
        futures = {}
        for kind, entries in grouped.items():
            spec = known[kind]
            wanted = [e.normalized for e in entries]
            futures[kind] = pool.submit(read_kind, spec, session.client(spec.platform), wanted, provided)
        owned_futures = {spec.kind: pool.submit(spec.ownership.owned, session.client(spec.platform), spec, owner)
                         for spec in pruning}
        lives = {}
        for kind, future in futures.items():
            try:
                lives[kind] = dict(zip((id(e) for e in grouped[kind]), future.result(), strict=True))
            except SpecError as exc:
                raise DocumentError([f"{grouped[kind][0].where}: {kind}: {exc}"])
            except ApiError as exc:
                _raise_unreachable(session, known[kind].platform, exc)
        owned = {}
        for kind, future in owned_futures.items():
            try:
                owned[kind] = future.result()
            except ApiError as exc:
                _raise_unreachable(session, known[kind].platform, exc)
            except SpecError as exc:
                endpoint = desired.endpoints[known[kind].platform]
                raise DocumentError([f"{endpoint.file}:{endpoint.line}: prune {kind}: {exc}"])
    changes = []
    problems = []
    for entry in desired.entries:
        spec = known[entry.kind]
        try:
            changes.append(_planned(spec, entry, lives[entry.kind][id(entry)], owner, session))
        except SpecError as exc:
            problems.append(f"{entry.where}: {entry.kind}: {exc}")
    for kind, objects in owned.items():
        spec = known[kind]
        kept = {live_key(spec, live) for live in lives.get(kind, {}).values() if live is not None}
        for live in sorted(objects, key=lambda item: repr(spec.identity_of(item))):
            if live_key(spec, live) in kept:
                continue
            try:
                changes.append(PlannedChange(pruned_entry(spec, live, owner), prune_change(spec, live), prune=True,
                                             owner=owner))
            except SpecError as exc:
                problems.append(f"prune {kind}: {exc}")
    if problems:
        raise DocumentError(problems)
    return Plan(changes)


def _raise_unreachable(session: Session, platform_name: str, error: Exception) -> None:
    """Raise a read that failed as a DocumentError at its endpoint's line, naming the endpoint and the call."""
    reason = session.unreachable(platform_name, error)
    if not reason:
        endpoint = session.desired.endpoints[platform_name]
        reason = session.redact(f"{endpoint.file}:{endpoint.line}: endpoints.{platform_name}: {error}")
    raise DocumentError([reason]) from None


def _planned(spec, entry: Entry, live: dict | None, owner: str, session: Session) -> PlannedChange:
    """One entry's change, its values holding the owner's marker where its kind carries one."""
    desired = spec.normalize(entry.data)
    carrier = spec.ownership
    adopt = bool(entry.data.get("adopt"))
    if carrier is None:
        return PlannedChange(entry, spec.plan(desired, live))
    change = spec.plan(carrier.claim(desired, live, owner, adopt), live)
    if adopt and change.action == NOOP and carrier.needs_record(session.client(spec.platform), spec, live, owner):
        change = Change(spec, ADOPT, change.desired, live, note=f"records {owner} as the owner")
    return PlannedChange(entry, change, owner=owner)
