"""Ownership through the ledger: prune for the kinds whose objects hold no marker but whose document has a delete.

A VSD snapshot, every migration object, OpenDCP pool nodes and action implementations have no field that could
carry `[converge:<owner>]`, and their platforms no object that could hold a record beside them. Their specs say
`ledger_owned = True` (beside `ownership = None`), and nothing more: the collection knows nothing of the state
backend. Here the planner gets, for each such kind, a `LedgerOwned` carrier made from the owner's ledger (the
state backend's record of every object this owner created: reconciler/recording.py writes it around each write).

An object of such a kind is owned when a `confirmed` entry of the ledger names its identity. An entry still at
`intent` owns nothing: its write was cut short, and the object the platform holds under that identity may be one
made by hand that the create then met. Prune lists the kind's confirmed entries, reads them on the platform in one
`spec.read_many` (the identities as desired entries, `state: absent`, so a kind that reads more for a delete, as a
snapshot's children, does), and plans each one that still exists and no entry names as `delete (prune)`, built
from the ledger's identity and the values last applied (so pool nodes remove only the nodes this owner added).
An entry whose object is gone from the platform (or whose pool nodes were all removed since) is `gone`: the apply
forgets it from the ledger before its first write (`Plan.gone`, reconciler/api.py), and the plan says nothing else.

`adopt: true` on an entry of such a kind takes its existing object over: the plan shows an `adopt` that writes only
the ledger (`adopted_into_ledger`). A kind with a marker carrier keeps it: markers on the platform stay the source
of truth where they exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from ansible_collections.converge.platforms.plugins.module_utils.ownership import Ownership
from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, NOOP, Change

from .causes import identity_key
from .desired import DesiredState
from .ownership import ADOPT, live_key, prunable_kinds, prune_change
from .platforms import kinds
from .state.backend import LedgerEntry


def identity_fields(spec: Any, entry: LedgerEntry) -> dict[str, Any]:
    """The identity a ledger entry keeps, by field name (kept as the values of `spec.identity`, in order, or as a
    mapping)."""
    identity: Any = entry.identity
    if isinstance(identity, dict):
        return dict(identity)
    return dict(zip(spec.identity, identity, strict=False))


class LedgerOwned(Ownership):
    """The carrier of a `ledger_owned` kind: its objects are those the owner's confirmed ledger entries name."""

    description = "converge's ledger (`reconciler state list`)"

    def __init__(self, entries: Iterable[LedgerEntry]) -> None:
        #: the owner's confirmed entries of the kind
        self.entries = [entry for entry in entries if entry.status == "confirmed"]
        #: the entries whose object the platform no longer holds, once `owned` has read them
        self.gone: list[LedgerEntry] = []
        #: the ledger entry of each owned object read, by `live_key`
        self._by_live: dict[tuple, LedgerEntry] = {}

    def wanted(self, spec: Any, entry: LedgerEntry) -> dict[str, Any]:
        """The desired entry that deletes a ledger entry's object: its identity, the values last applied (secrets
        aside: the ledger holds them masked), `state: absent`."""
        secrets = set(spec.secret_fields())
        data = {name: value for name, value in entry.applied.items() if name in spec.fields and name not in secrets}
        data.update(identity_fields(spec, entry))
        data["state"] = "absent"
        return spec.normalize(data)

    def owned(self, client: Any, spec: Any, owner: str) -> list[dict[str, Any]]:
        """The live objects of the kind's confirmed ledger entries, read in one `read_many`; the entries whose object
        is missing are kept in `gone`."""
        if not self.entries:
            return []
        lives = spec.read_many(client, [self.wanted(spec, entry) for entry in self.entries])
        found = []
        for entry, live in zip(self.entries, lives, strict=True):
            if live is None:
                self.gone.append(entry)
                continue
            self._by_live[live_key(spec, live)] = entry
            found.append(live)
        return found

    def prune_change(self, spec: Any, live: dict[str, Any]) -> Optional[Change]:
        """The deletion of an owned object, planned from its ledger entry (its identity is the ledger's, so the apply
        forgets that very entry); None when nothing of it is left to delete (the entry is then `gone`)."""
        entry = self._by_live[live_key(spec, live)]
        desired = self.wanted(spec, entry)
        change = spec.plan(desired, live)
        if change.action == NOOP:
            self.gone.append(entry)
            return None
        return change if change.action == DELETE else Change(spec, DELETE, desired, live)


def ledger_owned(spec: Any) -> bool:
    """Whether a kind is owned through the ledger: its spec says `ledger_owned = True` (a kind's own attribute, beside
    `ownership`; the others have none)."""
    return bool(getattr(spec, "ledger_owned", False))


def prune_carriers(desired: DesiredState, ledger: Optional[Any]) -> dict[str, Any]:
    """kind -> the carrier prune lists its owned objects with: its marker carrier where it has one, else (for a
    `ledger_owned` kind) a `LedgerOwned` of the owner's ledger; kinds of platforms without an endpoint left out.
    `ledger` is the plan's (reconciler/causes.py: `(kind, identity) -> LedgerEntry`); without one, no ledger kind."""
    carriers = {spec.kind: spec.ownership for spec in prunable_kinds(desired)}
    entries = list(ledger.values()) if ledger else []
    for spec in kinds().values():
        if ledger_owned(spec) and spec.ownership is None and spec.reconcilable and spec.platform in desired.endpoints:
            carriers[spec.kind] = LedgerOwned(entry for entry in entries if entry.kind == spec.kind)
    return carriers


def pruned_change(carrier: Any, spec: Any, live: dict[str, Any]) -> Optional[Change]:
    """The deletion prune plans for an owned object, as its carrier plans it (None: nothing left to delete)."""
    if isinstance(carrier, LedgerOwned):
        return carrier.prune_change(spec, live)
    return prune_change(spec, live)


def adopted_into_ledger(changes: list[Any], ledger: Optional[Any], owner: str) -> None:
    """Turn each `adopt: true` entry of a `ledger_owned` kind whose object already matches, and that no confirmed
    entry of the ledger names yet, into an ADOPT: the apply writes nothing to the platform and records the object in
    the ledger, from then on this owner's (and pruned once no entry names it). Without a ledger, nothing changes."""
    if ledger is None:
        return
    for planned in changes:
        change, data = planned.change, planned.entry.data
        if not (data.get("adopt") and ledger_owned(change.spec) and change.spec.ownership is None) or \
                planned.observed or change.action != NOOP or change.live is None:
            continue
        known = ledger.get(identity_key(change.kind, change.identity()))
        if known is None or known.status != "confirmed":
            planned.change = Change(change.spec, ADOPT, change.desired, change.live,
                                    note=f"records {owner} as the owner in converge's ledger")
            planned.owner = owner


def gone_entries(carriers: dict[str, Any]) -> list[LedgerEntry]:
    """The ledger entries whose objects the platforms no longer hold, as the carriers found them."""
    return [entry for carrier in carriers.values() if isinstance(carrier, LedgerOwned) for entry in carrier.gone]
