# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the VSD kinds: VM snapshots, and the batch volume rollback."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    NOOP,
    Change,
    Field,
    ResourceSpec,
    SpecError,
)
from ansible_collections.converge.platforms.plugins.module_utils.vsd import (
    VsdError,
    head_name,
    scope_of,
    vm_label,
)

ROLLBACK = "rollback"
#: the snapshot tree's name for the VM's current state (`vsd-vm-snapshot-api.md`, tree example)
HEAD_NODE = "head"
#: one volume snapshot to roll back to, as a snapshot's C(disk_snapshots) lists it (the API's DiskSnapshotInfo)
DISK_SNAPSHOT_OPTIONS = {
    "volume_uuid": Field("str", "UUID of the volume (disk) to roll back.", required=True),
    "snapshot_uuid": Field("str", "UUID of the volume snapshot to roll it back to.", required=True),
    "disk_drive": Field("str", "Drive of the disk, such as C(sda); sent as given, empty when not given."),
}
DISK_SNAPSHOT_KEYS = tuple(DISK_SNAPSHOT_OPTIONS)


def scope_fields():
    """The options naming a VM: cluster, optional tenant, and the VM's uuid or name."""
    return {
        "cluster_uuid": Field("str", "UUID of the cluster the VM runs in.", required=True),
        "tenant": Field("str", "UUID of the tenant the VM belongs to. When set, the VM must belong to it; when "
                               "not set, the tenant is not checked.", compare=False),
        "compute_uuid": Field("str", "UUID of the VM. One of I(compute_uuid) or I(compute_name) is required."),
        "compute_name": Field("str", "Name of the VM within the cluster (and tenant), when I(compute_uuid) is not "
                                     "given. The document lists only C(compute_uuid) for reads, so a platform that "
                                     "does not accept names there needs I(compute_uuid).", compare=False),
    }


def check_scope(desired):
    """A VM must be named; raise SpecError naming the option otherwise."""
    if not desired.get("compute_uuid") and not desired.get("compute_name"):
        raise SpecError("compute_uuid", "one of compute_uuid or compute_name is required")
    if not (desired.get("cluster_uuid") or "").strip():
        raise SpecError("cluster_uuid", "must not be empty")


def disk_snapshot_facts(info):
    """A DiskSnapshotInfo (`VolumeUuid`, `SnapshotUuid`, `DiskDrive`) with the option names."""
    return {"volume_uuid": info.get("VolumeUuid"), "snapshot_uuid": info.get("SnapshotUuid"),
            "disk_drive": info.get("DiskDrive") or ""}


def disk_snapshot_info(facts):
    """The API's DiskSnapshotInfo from option names."""
    return {"VolumeUuid": facts["volume_uuid"], "SnapshotUuid": facts["snapshot_uuid"],
            "DiskDrive": facts.get("disk_drive") or ""}


def snapshot_facts(item):
    """A GetVsdSnapshotResponse in the modules' field names.

    Whether a snapshot holds memory, and how far saving that memory has got, are read from
    `attr` (the document's "other attributes"): `domain_memory`, `memory_status` (C(saving) or
    C(ready)), `memory_progress`.
    """
    attr = item.get("attr") or {}
    memory = str(attr.get("domain_memory", "")).lower() == "true"
    return {
        "uuid": item.get("uuid"),
        "name": item.get("name"),
        "description": item.get("description") or "",
        "compute_uuid": item.get("compute_uuid"),
        "tenant": item.get("tenant") or "",
        "tenant_name": item.get("tenant_name") or "",
        "namespace": item.get("namespace") or "",
        "ctime": item.get("ctime"),
        "memory": memory,
        "memory_status": attr.get("memory_status") or ("ready" if memory else ""),
        "vm_detail": item.get("vm_detail"),
        "disk_snapshots": [disk_snapshot_facts(d) for d in item.get("disk_snapshot_list") or []],
        "attr": attr,
    }


def tree_facts(tree):
    """A VirtualMachineSnapshotTree as `compute_uuid`, `head`, `parents` and `children` lists."""
    children = dict((name, list((node or {}).get("Children") or [])) for name, node in
                    ((tree or {}).get("Children") or {}).items())
    return {"compute_uuid": (tree or {}).get("UUID"), "head": head_name(tree) or None,
            "parents": dict((tree or {}).get("Parents") or {}), "children": children}


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
        if desired.get("wait_timeout") is not None and desired["wait_timeout"] <= 0:
            raise SpecError("wait_timeout", "must be positive")

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


class VolumeSnapshotRollbackSpec(ResourceSpec):
    """Roll single disks of a shut-down VSD VM back to volume snapshots, in one batch call.

    Only disk data is rolled back: the VM's configuration and its head snapshot stay as they are. Give either
    I(snapshot), the VM snapshot whose volume snapshots to use (optionally limited to I(volumes)), or the volume
    snapshots themselves as I(disk_snapshots). The platform answers for each volume; when any volume fails, the task
    fails and lists which volumes failed and which were rolled back.

    The API cannot show a volume's data, so the rollback runs, and reports a change, on every call.
    """

    kind = "vsd_volume_snapshot_rollback"
    platform = "vsd"
    result_key = "rollback"
    description = "Roll disks of a VSD VM back to volume snapshots."
    identity = ("cluster_uuid", "compute_uuid", "compute_name")
    states = ("rolled_back",)
    reconcilable = False
    idempotent = False

    @property
    def fields(self):
        fields = scope_fields()
        fields.update({
            "snapshot": Field("str", "Name of the VM snapshot whose volume snapshots to roll back to. Mutually "
                                     "exclusive with I(disk_snapshots).", compare=False),
            "volumes": Field("list", "With I(snapshot), roll back only these disks, each given by volume UUID or "
                                     "drive (such as C(sda)). All of the snapshot's disks by default.",
                             elements="str", compare=False),
            "disk_snapshots": Field("list", "Volume snapshots to roll back to, each a mapping with C(volume_uuid), "
                                            "C(snapshot_uuid) and optionally C(disk_drive), as in the "
                                            "C(disk_snapshots) of a snapshot from "
                                            "M(converge.platforms.vsd_snapshot_info). Mutually exclusive with "
                                            "I(snapshot).", elements="dict", options=DISK_SNAPSHOT_OPTIONS,
                              compare=False),
        })
        return fields

    def check(self, desired):
        check_scope(desired)
        if bool(desired.get("snapshot")) == bool(desired.get("disk_snapshots")):
            raise SpecError("snapshot", "give exactly one of snapshot or disk_snapshots")
        if desired.get("volumes") and not desired.get("snapshot"):
            raise SpecError("volumes", "applies only with snapshot")

    def read(self, client, desired):
        """The volume snapshots the rollback would use (from the named VM snapshot, or as given)."""
        targets = [dict((k, item.get(k) or "") for k in DISK_SNAPSHOT_KEYS) for item in desired.get("disk_snapshots")
                   or []]
        if desired.get("snapshot"):
            targets = self._snapshot_targets(client, desired)
        live = dict((key, desired.get(key)) for key in ("cluster_uuid", "compute_uuid", "compute_name"))
        live.update(snapshot=desired.get("snapshot"), disk_snapshots=targets)
        return live

    @staticmethod
    def _snapshot_targets(client, desired):
        scope = scope_of(desired)
        item = client.find_snapshot(scope, desired["snapshot"])
        if item is None:
            raise SpecError("snapshot", "VM %s has no snapshot named %r" % (vm_label(scope), desired["snapshot"]))
        disks = snapshot_facts(item)["disk_snapshots"]
        wanted = desired.get("volumes")
        if not wanted:
            return disks
        known = set(d["volume_uuid"] for d in disks) | set(d["disk_drive"] for d in disks)
        missing = [v for v in wanted if v not in known]
        if missing:
            have = ", ".join("%s (%s)" % (d["disk_drive"], d["volume_uuid"]) for d in disks)
            raise SpecError("volumes", "snapshot %r has no disk %s; it has %s"
                            % (desired["snapshot"], ", ".join(missing), have))
        return [d for d in disks if d["volume_uuid"] in wanted or d["disk_drive"] in wanted]

    def plan(self, desired, live):
        return Change(self, ROLLBACK, desired, live, {"disk_snapshots": (None, live["disk_snapshots"])},
                      note="volume data cannot be read through the API, so the rollback runs on every call")

    def act(self, client, change):
        """One batch call; BatchError (listing failed and rolled-back volumes) when any volume failed."""
        infos = [disk_snapshot_info(d) for d in change.live["disk_snapshots"]]
        batch = client.rollback_volumes(scope_of(change.desired), infos)
        return self._outcome(change.live, batch)

    @staticmethod
    def _outcome(live, batch):
        volumes = []
        for result in batch.get("results") or []:
            entry = disk_snapshot_facts(result.get("data") or {})
            entry.update(success=result.get("scode") == 0, message=result.get("message") or "")
            volumes.append(entry)
        return {"snapshot": live.get("snapshot"), "success": batch.get("success", len(volumes)),
                "fail": batch.get("fail", 0), "volumes": volumes}

    def predict(self, change):
        return {"snapshot": change.live.get("snapshot"), "success": None, "fail": None,
                "volumes": [dict(d) for d in change.live["disk_snapshots"]]}


SPECS = [SnapshotSpec(), VolumeSnapshotRollbackSpec()]
