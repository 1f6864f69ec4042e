# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec of the VSD batch volume rollback: single disks of a shut-down VM back to volume snapshots."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd.scope import (
    ROLLBACK,
    check_scope,
    scope_fields,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Change, Field, ResourceSpec, SpecError
from ansible_collections.converge.platforms.plugins.module_utils.vsd import scope_of, vm_label
from ansible_collections.converge.platforms.plugins.module_utils.vsd_facts import (
    disk_snapshot_facts,
    disk_snapshot_info,
    snapshot_facts,
)

#: one volume snapshot to roll back to, as a snapshot's C(disk_snapshots) lists it (the API's DiskSnapshotInfo)
DISK_SNAPSHOT_OPTIONS = {
    "volume_uuid": Field("str", "UUID of the volume (disk) to roll back.", required=True),
    "snapshot_uuid": Field("str", "UUID of the volume snapshot to roll it back to.", required=True),
    "disk_drive": Field("str", "Drive of the disk, such as C(sda); sent as given, empty when not given."),
}
DISK_SNAPSHOT_KEYS = tuple(DISK_SNAPSHOT_OPTIONS)


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
