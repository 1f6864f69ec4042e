#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vsd_volume_snapshot_rollback
short_description: Roll disks of a VSD VM back to volume snapshots
version_added: 0.2.0
description:
- Roll single disks of a shut-down VSD VM back to volume snapshots, in one batch call.
- 'Only disk data is rolled back: the VM''s configuration and its head snapshot stay as they are. Give either I(snapshot),
  the VM snapshot whose volume snapshots to use (optionally limited to I(volumes)), or the volume snapshots themselves
  as I(disk_snapshots). The platform answers for each volume; when any volume fails, the task fails and lists which
  volumes failed and which were rolled back.'
- The API cannot show a volume's data, so the rollback runs, and reports a change, on every call.
- Acts on every run, since the API cannot show whether the action is needed; supports check mode and diff mode (diff
  shows only what changes).
author:
- converge contributors (@converge)
options:
  cluster_uuid:
    description:
    - UUID of the cluster the VM runs in.
    type: str
    required: true
  tenant:
    description:
    - UUID of the tenant the VM belongs to. When set, the VM must belong to it; when not set, the tenant is not
      checked.
    type: str
  compute_uuid:
    description:
    - UUID of the VM. One of I(compute_uuid) or I(compute_name) is required.
    type: str
  compute_name:
    description:
    - Name of the VM within the cluster (and tenant), when I(compute_uuid) is not given. The document lists only
      C(compute_uuid) for reads, so a platform that does not accept names there needs I(compute_uuid).
    type: str
  snapshot:
    description:
    - Name of the VM snapshot whose volume snapshots to roll back to. Mutually exclusive with I(disk_snapshots).
    type: str
  volumes:
    description:
    - With I(snapshot), roll back only these disks, each given by volume UUID or drive (such as C(sda)). All of
      the snapshot's disks by default.
    type: list
    elements: str
  disk_snapshots:
    description:
    - Volume snapshots to roll back to, each a mapping with C(volume_uuid), C(snapshot_uuid) and optionally C(disk_drive),
      as in the C(disk_snapshots) of a snapshot from M(converge.platforms.vsd_snapshot_info). Mutually exclusive
      with I(snapshot).
    type: list
    elements: dict
    suboptions:
      volume_uuid:
        description:
        - UUID of the volume (disk) to roll back.
        type: str
        required: true
      snapshot_uuid:
        description:
        - UUID of the volume snapshot to roll it back to.
        type: str
        required: true
      disk_drive:
        description:
        - Drive of the disk, such as C(sda); sent as given, empty when not given.
        type: str
  state:
    description:
    - 'Desired state:'
    - 'C(rolled_back): the volumes are rolled back to their snapshots (runs, and reports a change, on every call).'
    type: str
    default: rolled_back
    choices:
    - rolled_back
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.vsd
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Roll every disk of a shut-down VM back to its volume snapshot in a VM snapshot
  converge.platforms.vsd_volume_snapshot_rollback:
    url: http://127.0.0.1:18081
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: 4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f
    snapshot: before-upgrade

- name: Roll back only the data disk
  converge.platforms.vsd_volume_snapshot_rollback:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_name: test-templ
    snapshot: before-upgrade
    volumes: [sdb]

- name: Roll back given volume snapshots
  converge.platforms.vsd_volume_snapshot_rollback:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: 4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f
    disk_snapshots:
      - volume_uuid: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
        snapshot_uuid: 25a949de-eaad-4f99-9bf8-b794578d8cfe
        disk_drive: vda
"""

RETURN = r"""
action:
  description: Always C(rollback).
  returned: always
  type: str
note:
  description: Why the rollback runs on every call.
  returned: always
  type: str
rollback:
  description: What the platform answered for each volume (in check mode, the volumes it would roll back).
  returned: always
  type: dict
  contains:
    snapshot:
      description: The VM snapshot whose volume snapshots were used, if I(snapshot) was given.
      type: str
    success:
      description: Number of volumes rolled back.
      type: int
    fail:
      description: Number of volumes that failed (the task fails when this is not 0).
      type: int
    volumes:
      description: Each volume with C(volume_uuid), C(snapshot_uuid), C(disk_drive), C(success) and C(message).
      type: list
      elements: dict
  sample:
    snapshot: before-upgrade
    success: 1
    fail: 0
    volumes:
      - volume_uuid: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
        snapshot_uuid: 25a949de-eaad-4f99-9bf8-b794578d8cfe
        disk_drive: vda
        success: true
        message: success
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd import VolumeSnapshotRollbackSpec
from ansible_collections.converge.platforms.plugins.module_utils.vsd import CONNECTION_ARGUMENT_SPEC, client_from_params


def main():
    run_spec_module(VolumeSnapshotRollbackSpec(), ConnectionSpec("vsd", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
