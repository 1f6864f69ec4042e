"""Read live state and compare it with the desired state: the plan."""

from __future__ import annotations

import contextlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import InitVar, dataclass, field, replace
from functools import cached_property
from typing import Any, Iterator, Optional

from ansible_collections.converge.platforms.plugins.module_utils import spec as specs
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.retry import RETRY_STATUSES
from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, NOOP, UPDATE, Change, SpecError

from .causes import CAUSED_ACTIONS, NOT_KNOWN, Cause, Ledger, cause_of
from .desired import DesiredState, Entry, resource_title
from .graph import Graph, entry_graph
from .ledger_owned import adopted_into_ledger, gone_entries, prune_carriers, pruned_change
from .ownership import ADOPT, live_key, owner_of, pruned_entry
from .platforms import kinds
from .session import Session

ACTION_ORDER = ("create", "update", "replace", "delete")
#: the action of an entry that could not be planned (see Blocked): nothing is done for it
BLOCKED = "blocked"
#: the note of a replace that `--replace` asked for
REPLACE_ASKED = "replace asked for with --replace"


@dataclass
class Blocked:
    """Why an entry could not be planned (a refusal that needs a person, a read that failed), and the remedy."""

    reason: str
    remedy: str


@dataclass
class PlannedChange:
    """A spec Change together with the entry it came from."""

    entry: Entry
    change: Change
    #: the deletion of an owned object that no file names any more
    prune: bool = False
    #: the run's owner, for kinds that carry one (their create and adopt record it, their delete forgets it)
    owner: str | None = None
    #: why the entry could not be planned; its change is then a placeholder whose action is BLOCKED
    blocked: Blocked | None = None
    #: the entry is `observe: true`: its change is drift to show, never a write
    observed: bool = False
    #: the fields whose differences `ignore:` / `settings.ignore` kept out of the change
    ignored: tuple[str, ...] = ()
    #: why a watch holds the change back instead of applying it (suspended, changed on the platform without
    #: --self-heal: reconciler/watch/policy.py); a held change is drift, never a write
    held: Optional[str] = None
    #: why an update's (or a replace's) fields differ, from the ledger's values last applied (reconciler/causes.py)
    cause: Optional[Cause] = None

    @property
    def title(self) -> str:
        """`kind[identity]`, as plans and reports name a resource."""
        return resource_title(self.change.kind, self.change.spec.public(self.change.identity()))

    def as_dict(self) -> dict[str, Any]:
        if self.blocked:
            data = {"kind": self.change.kind, "action": BLOCKED,
                    "identity": self.change.spec.public(self.change.identity()),
                    "reason": self.blocked.reason, "remedy": self.blocked.remedy}
        else:
            data = self.change.as_dict()
        data["source"] = self.entry.where
        if self.prune:
            data["prune"] = True
        if self.ignored:
            data["ignored"] = list(self.ignored)
        if self.held:
            data["held"] = self.held
        if not self.blocked and self.change.action in CAUSED_ACTIONS:
            data.update((self.cause or NOT_KNOWN).as_dict())
        return data


def blocked_change(spec, entry: Entry, blocked: Blocked, live: dict | None = None,
                   prune: bool = False) -> PlannedChange:
    """The plan's stand-in for an entry that could not be planned: its desired data, and its live object if read."""
    return PlannedChange(entry, Change(spec, BLOCKED, entry.normalized, live), prune=prune, blocked=blocked)


@dataclass
class Plan:
    """Every entry's change (no-ops included), in file order, with the graph of their dependencies."""

    changes: list[PlannedChange]
    #: the graph of the changes' entries when it is already known (the desired state's); built otherwise
    known_graph: InitVar[Optional[Graph]] = None
    graph: Graph = field(init=False, repr=False)
    #: with prune off, `kind[identity]` of each owned object that no entry names (what `--prune` would delete)
    unnamed: list[str] = field(default_factory=list)
    #: the ledger entries whose objects the platforms no longer hold (reconciler/ledger_owned.py): the apply
    #: forgets them before its first write
    gone: list[Any] = field(default_factory=list)

    def __post_init__(self, known_graph: Optional[Graph]) -> None:
        self.graph = known_graph if known_graph is not None else plan_graph(self.changes)

    @property
    def pending(self) -> list[PlannedChange]:
        """Changes that do something, in the order apply may run them (dependencies first, deletions last)."""
        return [self.changes[i] for i in self.pending_order]

    @property
    def blocked(self) -> list[PlannedChange]:
        """The entries that could not be planned, in file order (prunes last)."""
        return [c for c in self.changes if c.blocked]

    @property
    def skipped(self) -> list[PlannedChange]:
        """Changes that are not made because they wait, directly or not, for a blocked entry, in file order."""
        return [self.changes[i] for i in sorted(self.blocked_by)]

    @cached_property
    def blocked_by(self) -> dict[int, int]:
        """For each change that waits for a blocked entry, directly or through other changes, that entry's index.

        A blocked entry counts as a write, or as a delete when its desired state is `absent`, so a write
        waits for it as for a write it needs, and a delete as for a dependant's delete.
        """
        origins = [index for index, change in enumerate(self.changes) if change.blocked]
        if not origins:
            return {}
        dependants = self._waits(lambda index: self.changes[index].change.action != NOOP).dependants()
        found: dict[int, int] = {}
        for origin in origins:
            todo = [origin]
            while todo:
                for dependant in dependants[todo.pop()]:
                    if dependant not in found and not self.changes[dependant].blocked:
                        found[dependant] = origin
                        todo.append(dependant)
        return found

    @cached_property
    def pending_order(self) -> list[int]:
        """Indexes of pending changes: writes in dependency order, then deletions, dependants first."""
        order = self.graph.order()
        writes = [i for i in order if self._pending(i) and not self._deleting(i)]
        deletes = [i for i in reversed(order) if self._pending(i) and self._deleting(i)]
        return writes + deletes

    def execution_graph(self) -> Graph:
        """Edges between pending changes: a write waits for the writes it needs; a delete for its dependants'."""
        return self._waits(self._pending)

    def _waits(self, member) -> Graph:
        """Who waits for whom among the changes `member(index)` holds: a write for the writes it needs, a
        delete for the deletes of its dependants."""
        result = Graph(len(self.changes))
        for item, needs in self.graph.needs.items():
            if not member(item):
                continue
            deleting = self._deleting(item)
            for dependency in needs:
                if not member(dependency) or self._deleting(dependency) != deleting:
                    continue
                if deleting:
                    result.add(dependency, item)  # the parent's delete waits for the child's
                else:
                    result.add(item, dependency)
        return result

    def _deleting(self, index: int) -> bool:
        """Whether the change deletes (a blocked entry: whether its desired state is `absent`)."""
        change = self.changes[index].change
        if change.action == BLOCKED:
            return change.desired.get("state") == "absent"
        return change.action == DELETE

    def _pending(self, index: int) -> bool:
        planned = self.changes[index]
        return (planned.change.action not in (NOOP, BLOCKED) and not planned.observed and planned.held is None
                and index not in self.blocked_by)

    def hold(self, reasons: dict[int, str]) -> None:
        """Hold back the changes at these indexes, each with why (a watch's policy): no longer pending, never
        written, what waits for them as when they were done."""
        for index, reason in reasons.items():
            self.changes[index].held = reason
        self.__dict__.pop("pending_order", None)  # the cached order counted them

    @property
    def changing(self) -> list[PlannedChange]:
        """The pending changes that change what the files manage: all but the adoptions (which write only the
        owner's marker or record). What `plan --detailed-exitcode` exits 2 for."""
        return [planned for planned in self.pending if planned.change.action != ADOPT]

    @property
    def drift(self) -> list[PlannedChange]:
        """The observed entries whose object differs from their entry (never written), in file order."""
        return [c for c in self.changes if c.observed and c.change.action not in (NOOP, BLOCKED)]

    def summary(self) -> dict[str, int]:
        """Counts of create / update / replace / delete and of other actions, then of blocked and skipped entries,
        then (each only when there is one) of adoptions, of observed entries that drifted and of the differences
        ignored."""
        counts = Counter(c.change.action for c in self.pending)
        result = {action: counts.pop(action, 0) for action in ACTION_ORDER}
        adopt = counts.pop(ADOPT, 0)
        result["action"] = sum(counts.values())
        result["blocked"] = len(self.blocked)
        result["skipped"] = len(self.blocked_by)
        asides = {"adopt": adopt, "drift": len(self.drift), "ignored": sum(len(c.ignored) for c in self.changes)}
        result.update((key, count) for key, count in asides.items() if count)
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
        skipped = []
        for index in sorted(self.blocked_by):
            data = self.changes[index].as_dict()
            data["blocked_by"] = self.changes[self.blocked_by[index]].title
            skipped.append(data)
        data = {"format_version": 1, "summary": self.summary(), "changes": changes,
                "blocked": [c.as_dict() for c in self.blocked], "skipped": skipped,
                "unchanged": sum(1 for c in self.changes if c.change.action == NOOP)}
        # beside the changes, only when there are some (a plan without them reads as it always has)
        drift = [c.as_dict() for c in self.drift]
        ignored = [{"kind": c.change.kind, "identity": c.change.spec.public(c.change.identity()),
                    "fields": list(c.ignored), "source": c.entry.where} for c in self.changes if c.ignored]
        asides = (("drift", drift), ("ignored", ignored), ("unnamed", list(self.unnamed)))
        data.update((key, value) for key, value in asides if value)
        return data


def plan_graph(changes: list[PlannedChange]) -> Graph:
    """The dependency graph of planned entries (references and kind prerequisites)."""
    known = kinds()
    return entry_graph([c.entry for c in changes], known)


def provided_names(desired: DesiredState) -> dict[str, set]:
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


def make_plan(desired: DesiredState, session: Session, concurrency: int | None = None, prune: bool = False,
              replacing: frozenset[int] = frozenset(), hint: bool = False, ledger: Optional[Ledger] = None) -> Plan:
    """Read every kind's live objects (concurrently, through list endpoints) and plan each entry.

    Entries of kinds that carry an owner send the owner's marker on create (and on `adopt: true`). With
    `prune`, owned objects that no entry names are planned as deletions, marked `prune`; without it and with
    `hint`, those of the kinds the entries have are listed in `Plan.unnamed` (what `--prune` would delete).
    The entries at the indexes `replacing` holds are planned as replaces (`forced_replace`). `ledger` (the state
    backend's, see reconciler/causes.py) tells each update and replace why its fields differ.
    """
    known = kinds()
    grouped = desired.by_kind()
    workers = concurrency or desired.settings.get("concurrency", 8)
    provided = provided_names(desired)
    owner = owner_of(desired)
    hinting = hint and not prune
    pruning = {kind: carrier for kind, carrier in prune_carriers(desired, ledger).items()
               if prune or (hinting and kind in grouped)}
    with remembering_reads(session, {known[kind].platform for kind in set(grouped) | set(pruning)}):
        made = _plan_read(desired, session, known, grouped, workers, provided, owner, pruning, replacing)
    made.gone = gone_entries(pruning)
    adopted_into_ledger(made.changes[:len(desired.entries)], ledger, owner)  # `adopt: true` of a ledger_owned kind
    for planned in made.changes:
        planned.cause = cause_of(planned.change, ledger)
    if hinting:
        made.unnamed = [change.title for change in made.changes[len(desired.entries):] if not change.blocked]
        made.changes = made.changes[:len(desired.entries)]
        made.graph = desired.graph
    return made


@contextlib.contextmanager
def remembering_reads(session: Session, platforms: set[str]) -> Iterator[None]:
    """Identical reads sent once on each of the platforms' endpoints while the block runs (see read_memo);
    every memo opened is closed again, also when a later platform's client cannot be built."""
    with contextlib.ExitStack() as stack:
        for name in sorted(platforms):
            stack.enter_context(session.client(name).remembering())
        yield


def _plan_read(desired: DesiredState, session: Session, known: dict, grouped: dict, workers: int, provided: dict,
               owner: str, pruning: dict[str, Any], replacing: frozenset[int]) -> Plan:
    """make_plan's reads and the planning of each entry; an entry that cannot be planned is blocked, alone.
    `pruning` holds the carrier of each kind whose owned objects are listed (reconciler/ledger_owned.py)."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(grouped) + len(pruning) or 1))) as pool:
        futures = {kind: pool.submit(read_entries, known[kind], session, entries, provided)
                   for kind, entries in grouped.items()}
        owned_futures = {kind: pool.submit(read_owned, known[kind], carrier, session, owner)
                         for kind, carrier in pruning.items()}
        reads: dict[int, Any] = {}
        for kind, future in futures.items():
            reads.update(zip((id(e) for e in grouped[kind]), future.result(), strict=True))
        owned = {kind: future.result() for kind, future in owned_futures.items()}
    ignore = desired.settings.get("ignore") or {}
    changes = [_planned_or_blocked(known[entry.kind], entry, reads[id(entry)], owner, session, ignore,
                                   index in replacing) for index, entry in enumerate(desired.entries)]
    for kind, objects in owned.items():
        changes.extend(_pruned(desired, session, (known[kind], pruning[kind]), objects, grouped.get(kind, []), reads,
                               owner))
    pruned = [change.entry for change in changes[len(desired.entries):]]
    return Plan(changes, desired.graph.extended(pruned, known))


def read_entries(spec, session: Session, entries: list[Entry], provided: dict[str, set]) -> list:
    """Each entry's live object (None when missing), or the Blocked that stands for it.

    The kind is read in one batch (`read_kind`). Only when the batch fails is each entry read on its own,
    so that one entry's refusal or failed read blocks that entry alone. A call the retry policy gave up
    on (never answered, or still answered 429/502/503/504 after its sends) is the endpoint failing, not
    an entry: it blocks every entry left at once, since asking again would only wait as long again. So
    does a call that fails the same way twice in a row with nothing read in between: the entries share it
    (a list, the login), and it is not sent once per entry.
    """
    client = session.client(spec.platform)
    try:
        return read_kind(spec, client, [e.normalized for e in entries], provided)
    except (SpecError, ApiError) as exc:
        failure = exc
    shared = failure if gave_up(failure) else None
    last = failure if isinstance(failure, ApiError) else None
    results: list = []
    for entry in entries:
        if shared is not None:
            results.append(blocked_for(session, spec.platform, shared))
            continue
        try:
            results.append(read_kind(spec, client, [entry.normalized], provided)[0])
        except ApiError as exc:
            if gave_up(exc) or (last is not None and str(exc) == str(last)):
                shared = exc
            last = exc
            results.append(blocked_for(session, spec.platform, exc))
        except SpecError as exc:
            last = None
            results.append(blocked_for(session, spec.platform, exc))
        else:
            last = None
    return results


def gave_up(error: Exception) -> bool:
    """Whether the retry policy gave up on the call: no answer, or a 429/502/503/504 after every send."""
    return bool(getattr(error, "transport", False)) or getattr(error, "status", None) in RETRY_STATUSES


def read_owned(spec, carrier, session: Session, owner: str) -> list | Blocked:
    """The owned objects of a kind that prune may delete, as its carrier lists them, or the Blocked that says why
    they cannot be listed."""
    try:
        return carrier.owned(session.client(spec.platform), spec, owner)
    except (SpecError, ApiError) as exc:
        blocked = blocked_for(session, spec.platform, exc)
        return replace(blocked, reason=f"its owned objects cannot be listed, so none is pruned: {blocked.reason}")


def blocked_for(session: Session, platform_name: str, error: SpecError | ApiError) -> Blocked:
    """Why an entry is blocked by a refusal (a SpecError, with its remedy) or by a call that failed after its
    retries (named at its endpoint's line)."""
    if isinstance(error, SpecError):
        return Blocked(session.redact(error.reason), session.redact(error.remedy or REFUSED_REMEDY))
    return Blocked(read_failure(session, platform_name, error), unanswered_remedy(error))


#: the remedy of a refusal that names none of its own
REFUSED_REMEDY = "change the entry (or the platform) as the reason says, then run again"


def unanswered_remedy(error: ApiError) -> str:
    """What to do about a call that failed after its retries: nothing in the files is wrong."""
    if getattr(error, "transport", False):
        return "make sure the endpoint is up and can be reached from here, then run again"
    return "run again once the endpoint answers this call (it failed after its retries)"


def read_failure(session: Session, platform_name: str, error: Exception) -> str:
    """A call that failed, at its endpoint's line: naming the endpoint (and its URL when it was never answered)."""
    reason = session.unreachable(platform_name, error)
    if not reason:
        endpoint = session.desired.endpoints[platform_name]
        reason = session.redact(f"{endpoint.file}:{endpoint.line}: endpoints.{platform_name}: {error}")
    return reason


def _planned_or_blocked(spec, entry: Entry, read: dict | Blocked | None, owner: str,
                        session: Session, ignore: dict, forced: bool = False) -> PlannedChange:
    """An entry's change (a replace when `forced`); blocked when its read failed or its kind refuses to plan it (a
    SpecError, a failed call)."""
    if isinstance(read, Blocked):
        return blocked_change(spec, entry, read)
    try:
        planned = _planned(spec, entry, read, owner, session, ignore)
        planned = forced_replace(planned) if forced else planned
        if entry.unset_secrets and planned.change.action != NOOP and not planned.observed:
            return blocked_change(spec, entry, Blocked(
                "; ".join(entry.unset_secrets.values()) + f": the {planned.change.action} would send it",
                "set the variable (the secret's value), then run again"), live=read)
        return planned
    except (SpecError, ApiError) as exc:
        return blocked_change(spec, entry, blocked_for(session, spec.platform, exc), live=read)


def forced_replace(planned: PlannedChange) -> PlannedChange:
    """`planned` as a replace that `--replace` asked for: the object deleted and made again even when nothing
    differs, its differing fields (and those that would force a replace anyway) kept. An object that is missing
    is still a create; an observed entry is never written."""
    change = planned.change
    if planned.observed or change.live is None or change.action == BLOCKED:
        return planned
    note = "; ".join(filter(None, (change.note if change.action == specs.REPLACE else None, REPLACE_ASKED)))
    forced = Change(change.spec, specs.REPLACE, change.desired, change.live, change.fields, note=note,
                    forces_replacement=change.forces_replacement)
    return replace(planned, change=forced)


def _pruned(desired: DesiredState, session: Session, kind: tuple, objects: list | Blocked, entries: list[Entry],
            reads: dict, owner: str) -> list[PlannedChange]:
    """The deletions of a kind's owned objects that no entry read as its own.

    None while an entry of the kind could not be read (its object may be among them, unrecognised); the
    listing itself failing is a blocked stand-in at the kind's endpoint. `kind` is the kind's spec and carrier.
    """
    spec, carrier = kind
    if isinstance(objects, Blocked):
        endpoint = desired.endpoints[spec.platform]
        return [blocked_change(spec, Entry(spec.kind, {"state": "absent"}, endpoint.file, endpoint.line), objects,
                               prune=True)]
    if any(isinstance(reads[id(entry)], Blocked) for entry in entries):
        return []
    kept = {live_key(spec, reads[id(entry)]) for entry in entries if reads[id(entry)] is not None}
    changes = []
    for live in sorted(objects, key=lambda item: repr(spec.identity_of(item))):
        if live_key(spec, live) in kept:
            continue
        entry = pruned_entry(spec, live, owner)
        try:
            change = pruned_change(carrier, spec, live)
            if change is not None:
                changes.append(PlannedChange(entry, change, prune=True, owner=owner))
        except SpecError as exc:
            changes.append(blocked_change(spec, entry, blocked_for(session, spec.platform, exc), live=live, prune=True))
    return changes


def _planned(spec, entry: Entry, live: dict | None, owner: str, session: Session, ignore: dict) -> PlannedChange:
    """One entry's change, its values holding the owner's marker where its kind carries one.

    The fields `ignore` (`settings.ignore` of the kind, with the entry's own `ignore:`) names are planned at
    their live value, so no write changes them; their differences are counted. An observed entry is planned
    without taking the object over (its change is drift to show). Adopting an object that matches but for the
    owner's marker is an ADOPT: the marker is all that apply writes.
    """
    desired, ignored = _ignoring(spec, spec.normalize(entry.data), live,
                                 set(ignore.get(entry.kind, ())) | set(entry.data.get("ignore") or ()))
    carrier = spec.ownership
    observed = bool(entry.data.get("observe"))
    adopt = bool(entry.data.get("adopt")) and not observed
    if carrier is None:
        return PlannedChange(entry, spec.plan(desired, live), observed=observed, ignored=ignored)
    change = spec.plan(carrier.claim(desired, live, owner, adopt), live)
    if adopt and change.action == UPDATE and spec.plan(carrier.claim(desired, live, owner, False), live).action == NOOP:
        change = Change(spec, ADOPT, change.desired, live, change.fields, note=f"writes {owner} as the owner")
    elif adopt and change.action == NOOP and carrier.needs_record(session.client(spec.platform), spec, live, owner):
        change = Change(spec, ADOPT, change.desired, live, note=f"records {owner} as the owner")
    return PlannedChange(entry, change, owner=None if observed else owner, observed=observed, ignored=ignored)


def _ignoring(spec, desired: dict, live: dict | None, names: set) -> tuple[dict, tuple[str, ...]]:
    """`desired` with each ignored field at its live value (a create sends the desired one), and the ignored
    fields whose values differ."""
    if live is None or not names:
        return desired, ()
    differing = tuple(name for name in spec.fields if name in names and desired.get(name) is not None
                      and not spec.same(name, desired[name], live.get(name)))
    kept = dict(desired)
    for name in names:
        kept[name] = live.get(name)
    return kept, differing
