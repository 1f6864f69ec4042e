# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VSD answers in the modules' field names: snapshots, their volume snapshots, the snapshot tree."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.vsd import head_name


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
