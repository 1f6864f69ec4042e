# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec of VSD VM snapshots: create, describe, delete, and roll back to one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd.scope import (
    ROLLBACK,
    check_scope,
    scope_fields,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    NOOP,
    Change,
    Field,
    ResourceSpec,
    SpecError,
)
from ansible_collections.converge.platforms.plugins.module_utils.vsd import VsdError, scope_of, vm_label
from ansible_collections.converge.platforms.plugins.module_utils.vsd_facts import snapshot_facts, tree_facts

#: the snapshot tree's name for the VM's current state (`vsd-vm-snapshot-api.md`, tree example)
HEAD_NODE = "head"
#: the option of `reconciler import` naming the VMs whose snapshots it reads
VM_OPTION = "--vsd-vm CLUSTER_UUID/COMPUTE_UUID"


def is_saving(live):
    """Whether a snapshot's memory is still being saved (it is unusable until then)."""
    return bool(live) and live.get("memory_status") == "saving"


def _needs_tree(entry, by_name):
    """Whether planning an entry needs the VM's snapshot tree: a rollback (the head), a delete (the children)."""
    state = entry.get("state")
    return state == "current" or (state == "absent" and entry["name"] in by_name)


def _scope_key(desired):
    return tuple(desired.get(key) or "" for key in ("cluster_uuid", "tenant", "compute_uuid", "compute_name"))


class SnapshotSpec(ResourceSpec):
    """A snapshot of a VSD virtual machine, identified by the VM and the snapshot's name.

    The snapshots of a VM form a tree. A new snapshot becomes a child of the snapshot the VM runs from (its head)
    and then the head itself; rolling back to a snapshot (C(state=current)) makes it the head again.

    A memory snapshot (I(memory=true)) needs a running VM and a tenant with memory snapshot space, and cannot be used
    until its memory data is saved; with I(wait) the module waits for that. The platform refuses to delete a
    snapshot with more than one child, the VM's current state counting as a child of its head; the module reads the
    snapshot tree and refuses such a delete itself, in check mode too.

    In check mode, C(state=current) on a snapshot that does not exist yet reports the rollback with a note instead
    of failing: an earlier task of the play (in check mode, creating nothing) may be the one that creates it.
    """

    kind = "vsd_snapshot"
    platform = "vsd"
    result_key = "snapshot"
    description = "Create, describe, delete and roll back to VSD VM snapshots."
    identity = ("cluster_uuid", "compute_uuid", "compute_name", "name")
    states = ("present", "absent", "current")
    waits = True
    #: a snapshot has no field for a marker, and `/v1/compute/vsd/snapshot/delete` deletes it: owned through the ledger
    ledger_owned = True
    import_refusal = "VSD lists snapshots only per VM: give the VMs with %s (repeatable)" % VM_OPTION

    def __init__(self, check_mode=False):
        #: planning for check mode: a rollback to a snapshot an earlier task would have created is predicted
        self.check_mode = bool(check_mode)

    @property
    def fields(self):
        fields = scope_fields()
        fields.update({
            "name": Field("str", "Name of the snapshot; with the VM, it identifies the snapshot.", required=True),
            "description": Field("str", "Description of the snapshot (C(state=present)); changed in place when it "
                                        "differs."),
            "memory": Field("bool", "With C(state=present), take a memory snapshot when the snapshot is created: "
                                    "the VM must be running. A snapshot cannot gain or lose memory later. With "
                                    "C(state=current), restore the saved memory too, so the VM comes back running "
                                    "as it was; defaults to true when the snapshot holds memory, and true on a "
                                    "snapshot without memory is refused before anything is written. Without "
                                    "memory a rollback leaves the VM shut down.", compare=False),
            "force": Field("bool", "With C(state=current), roll back even when the VM already runs from this "
                                   "snapshot, to discard what changed since it was taken (the API cannot show "
                                   "whether anything did). Not idempotent.", default=False, compare=False),
        })
        return fields

    def check(self, desired):
        check_scope(desired)
        name = desired.get("name")
        if name is not None and not name.strip():
            raise SpecError("name", "must not be empty")
        if name == HEAD_NODE:
            raise SpecError("name", "%r is reserved: the snapshot tree uses it for the VM's current state" % HEAD_NODE)
        if desired.get("force") and desired.get("state") not in (None, "current"):
            raise SpecError("force", "applies only to state=current")

    # --- reading -------------------------------------------------------------------------
    def read_many(self, client, desired_list):
        """One listing per VM (filtered by name when only one snapshot of it is wanted), one tree per VM
        when a rollback is wanted."""
        groups = {}
        for index, desired in enumerate(desired_list):
            groups.setdefault(_scope_key(desired), []).append(index)
        result = [None] * len(desired_list)
        for indices in groups.values():
            entries = [desired_list[i] for i in indices]
            for index, live in zip(indices, self._read_vm(client, entries)):  # noqa: B905 - for Pythons before 3.10
                result[index] = live
        return result

    def _read_vm(self, client, entries):
        """The live snapshots of one VM's entries; the tree too when a rollback or a delete is wanted."""
        scope = scope_of(entries[0])
        names = set(entry["name"] for entry in entries)
        filter_name = next(iter(names)) if len(names) == 1 else ""
        by_name = dict((item.get("name"), item) for item in client.list_snapshots(scope, filter_name=filter_name))
        tree = None
        if any(_needs_tree(entry, by_name) for entry in entries):
            tree = tree_facts(client.tree(scope))
        return [self._live(by_name[entry["name"]], entry, tree) if entry["name"] in by_name else None
                for entry in entries]

    def read_all(self, client, within=None):
        """The snapshots of each VM of `within` (`{cluster_uuid, compute_uuid}` each), one listing per VM as
        `read_many` reads it; the VSD API lists snapshots only per VM, so without VMs nothing can be listed."""
        if not within:
            raise SpecError(None, self.import_refusal)
        lives = []
        for vm in within:
            scope = dict((key, vm.get(key)) for key in ("cluster_uuid", "compute_uuid"))
            if not all(scope.values()):
                raise SpecError(None, "a VM to read snapshots of needs a cluster_uuid and a compute_uuid, got %r; %s"
                                % (vm, self.import_refusal))
            lives.extend(self._live(item, scope) for item in client.list_snapshots(scope, filter_name="")
                         if item.get("uuid") and item.get("name") not in (None, HEAD_NODE))
        return lives

    def entry_of(self, live):
        """The snapshot by VM and name, its description when it has one, and whether it holds memory (a snapshot
        cannot gain or lose memory later, so the entry says which it is)."""
        entry = ResourceSpec.entry_of(self, live)
        if not entry.get("description"):
            entry.pop("description", None)
        if live.get("memory"):
            entry["memory"] = True
        return entry

    @staticmethod
    def _live(item, desired, tree=None):
        """A snapshot in field names, with the VM's head (a rollback) or its own children (a delete)."""
        live = snapshot_facts(item)
        live["cluster_uuid"] = desired.get("cluster_uuid")
        live["compute_name"] = desired.get("compute_name")
        if tree is not None and desired.get("state") == "current":
            live["head"] = tree["head"]
        if tree is not None and desired.get("state") == "absent":
            live["children"] = list(tree["children"].get(item.get("name")) or [])
        return live

    def _reread(self, client, desired, with_head=False):
        scope = scope_of(desired)
        item = client.find_snapshot(scope, desired["name"])
        if item is None:
            raise VsdError("snapshot %r of VM %s is missing after the change" % (desired["name"], vm_label(scope)))
        return self._live(item, desired, tree_facts(client.tree(scope)) if with_head else None)

    # --- planning ------------------------------------------------------------------------
    def plan(self, desired, live):
        state = desired.get("state") or "present"
        if live and state == "present":
            self._check_memory(desired, live)
        if live and state == "absent":
            self._check_deletable(desired, live)
        return ResourceSpec.plan(self, desired, live)

    @staticmethod
    def _check_deletable(desired, live):
        """The platform refuses to delete a snapshot with more than one child ("删除的快照要求不能有多个子快照"):
        refuse it before the request, so check mode predicts the refusal the real run meets."""
        children = live.get("children") or []
        if len(children) > 1:
            shown = ", ".join("the VM's current state" if child == HEAD_NODE else repr(child) for child in children)
            raise SpecError("name", "snapshot %r of VM %s has %d children (%s) and the platform refuses to delete "
                                    "a snapshot with more than one child; delete or roll back from its children "
                                    "first" % (desired["name"], vm_label(scope_of(desired)), len(children), shown))

    @staticmethod
    def _check_memory(desired, live):
        want, have = desired.get("memory"), bool(live.get("memory"))
        if want is not None and bool(want) != have:
            raise SpecError("memory", "snapshot %r exists %s memory and a snapshot cannot %s it later; delete it or "
                                      "choose another name" % (live.get("name"), "with" if have else "without",
                                                               "lose" if have else "gain"))

    def plan_state(self, state, desired, live):
        """state=current: roll back unless the VM already runs from the snapshot (or force is set)."""
        if not live and self.check_mode:
            return self._predicted_rollback(desired)
        if not live:
            raise SpecError("name", "VM %s has no snapshot named %r" % (vm_label(scope_of(desired)), desired["name"]))
        if desired.get("memory") and not live.get("memory"):
            raise SpecError("memory", "snapshot %r of VM %s holds no memory, so a rollback to it cannot restore a "
                                      "running VM and leaves it shut down; leave out memory (or set it false) to "
                                      "roll back the disks only" % (desired["name"], vm_label(scope_of(desired))))
        head = live.get("head")
        if head == desired["name"] and not desired.get("force"):
            return Change(self, NOOP, desired, live)
        note = None
        if head == desired["name"]:
            note = "the VM already runs from %r; force rolls it back again to discard changes since" % head
        return Change(self, ROLLBACK, desired, live, {"head": (head, desired["name"])}, note=note)

    def _predicted_rollback(self, desired):
        """Check mode, on a snapshot that does not exist: an earlier task of the play may have created it.

        Check mode creates nothing and a module cannot see what earlier tasks predicted, so the
        rollback is predicted with a note rather than refused; a real run fails when the snapshot
        still does not exist then.
        """
        note = ("VM %s has no snapshot named %r yet; check mode assumes an earlier task would have created it and "
                "predicts the rollback to it (a real run fails if it does not exist by then)" % (
                    vm_label(scope_of(desired)), desired["name"]))
        return Change(self, ROLLBACK, desired, None, {"head": (None, desired["name"])}, note=note)

    # --- writing -------------------------------------------------------------------------
    def create(self, client, desired):
        client.create_snapshot(scope_of(desired), desired["name"], desired.get("description") or "",
                               bool(desired.get("memory")))
        return self.settle(client, desired, self._reread(client, desired))

    def update(self, client, live, desired, changes):
        client.modify_snapshot(scope_of(desired), live["name"], desired.get("description") or "")
        return self._reread(client, desired)

    def delete(self, client, live):
        client.delete_snapshot(scope_of(live), live["name"])

    def act(self, client, change):
        """Roll the VM back to the snapshot, first waiting for its memory to be saved when asked to."""
        desired, live = change.desired, self.settle(client, change.desired, change.live)
        memory = desired.get("memory")
        client.rollback_snapshot(scope_of(desired), desired["name"], live.get("memory") if memory is None else memory)
        return self._reread(client, desired, with_head=True)

    def action_done(self, change):
        """A rollback reads back as the VM's head; one forced onto the head already cannot be told from none."""
        if change.live and change.live.get("head") == change.desired["name"]:
            return None
        return lambda live: live is not None and live.get("head") == change.desired["name"]

    def settle(self, client, desired, live):
        """With wait, poll (with backoff) until a memory snapshot's memory is saved."""
        if not is_saving(live) or not desired.get("wait") or desired.get("state") == "absent":
            return live
        with_head = "head" in live
        return self.wait_for(client, desired, live, lambda: self._reread(client, desired, with_head=with_head),
                             lambda now: not is_saving(now),
                             lambda last: "the memory of snapshot %r is still being saved (%s%%) after %ss" % (
                                 desired["name"], (last.get("attr") or {}).get("memory_progress", "?"),
                                 desired.get("wait_timeout")))

    def predict(self, change):
        result = ResourceSpec.predict(self, change)
        if result is None:
            return None
        result.pop("force", None)
        if change.action == ROLLBACK:
            result["head"] = change.desired["name"]
        return result
