#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vsd_snapshot
short_description: Create, describe, delete and roll back to VSD VM snapshots
version_added: 0.2.0
description:
- A snapshot of a VSD virtual machine, identified by the VM and the snapshot's name.
- The snapshots of a VM form a tree. A new snapshot becomes a child of the snapshot the VM runs from (its head)
  and then the head itself; rolling back to a snapshot (C(state=current)) makes it the head again.
- A memory snapshot (I(memory=true)) needs a running VM and a tenant with memory snapshot space, and cannot be used
  until its memory data is saved; with I(wait) the module waits for that. The platform refuses to delete a snapshot
  with more than one child, the VM's current state counting as a child of its head; the module reads the snapshot
  tree and refuses such a delete itself, in check mode too.
- 'In check mode, C(state=current) on a snapshot that does not exist yet reports the rollback with a note instead
  of failing: an earlier task of the play (in check mode, creating nothing) may be the one that creates it.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(vsd_snapshot).
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
  name:
    description:
    - Name of the snapshot; with the VM, it identifies the snapshot.
    type: str
    required: true
  description:
    description:
    - Description of the snapshot (C(state=present)); changed in place when it differs.
    type: str
  memory:
    description:
    - 'With C(state=present), take a memory snapshot when the snapshot is created: the VM must be running. A snapshot
      cannot gain or lose memory later. With C(state=current), restore the saved memory too, so the VM comes back
      running as it was; defaults to true when the snapshot holds memory, and true on a snapshot without memory
      is refused before anything is written. Without memory a rollback leaves the VM shut down.'
    type: bool
  force:
    description:
    - With C(state=current), roll back even when the VM already runs from this snapshot, to discard what changed
      since it was taken (the API cannot show whether anything did). Not idempotent.
    type: bool
    default: false
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    - 'C(absent): the resource does not exist.'
    - 'C(current): the VM runs from this snapshot: it is rolled back to it unless it already is the head (see I(force)).'
    type: str
    default: present
    choices:
    - present
    - absent
    - current
  wait:
    description:
    - Wait until the object has finished its work.
    type: bool
    default: true
  wait_timeout:
    description:
    - How long to wait, in seconds.
    type: int
    default: 600
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
- name: Snapshot a VM before an upgrade
  converge.platforms.vsd_snapshot:
    url: http://127.0.0.1:18081
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
    name: before-upgrade
    description: taken by the upgrade playbook

- name: Take a memory snapshot of a running VM, named by its name, and wait until it is usable
  converge.platforms.vsd_snapshot:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    tenant: a5badacf-a25c-4171-9aff-b619fc2d300a
    compute_name: test-templ
    name: running-state
    memory: true
    wait: true
    wait_timeout: 300

- name: Roll the VM back to the snapshot (nothing happens when it already runs from it)
  converge.platforms.vsd_snapshot:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
    name: before-upgrade
    state: current

- name: Discard every change since the snapshot the VM runs from
  converge.platforms.vsd_snapshot:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
    name: before-upgrade
    state: current
    force: true

- name: Delete the snapshot (refused by the platform while it has more than one child)
  converge.platforms.vsd_snapshot:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
    name: before-upgrade
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update) (the description), C(delete) or C(rollback).
  returned: always
  type: str
note:
  description: Why a change is planned the way it is, when that needs saying (such as a forced rollback).
  returned: when there is one
  type: str
snapshot:
  description: The snapshot after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  contains:
    uuid:
      description: UUID of the snapshot.
      type: str
    name:
      description: Name of the snapshot.
      type: str
    description:
      description: Description of the snapshot.
      type: str
    compute_uuid:
      description: UUID of the VM.
      type: str
    ctime:
      description: Creation time, Unix seconds.
      type: int
    memory:
      description: Whether the snapshot holds the VM's memory.
      type: bool
    memory_status:
      description: C(saving) while the memory data is being saved (the snapshot is unusable), then C(ready); empty
        for a disk-only snapshot.
      type: str
    head:
      description: Name of the snapshot the VM runs from (with C(state=current)).
      type: str
    disk_snapshots:
      description: The volume snapshot of each disk (C(volume_uuid), C(snapshot_uuid), C(disk_drive)).
      type: list
      elements: dict
  sample:
    uuid: 60fe79cb-0fc7-4d78-a0d7-64b9a87b47d2
    name: before-upgrade
    description: taken by the upgrade playbook
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    ctime: 1631166673
    memory: false
    memory_status: ""
    disk_snapshots:
      - volume_uuid: 3e8b046d-99a2-4a28-ba73-01c8af4d85e0
        snapshot_uuid: 25a949de-eaad-4f99-9bf8-b794578d8cfe
        disk_drive: sda
"""

from ansible.module_utils.basic import _load_params
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd import SnapshotSpec
from ansible_collections.converge.platforms.plugins.module_utils.vsd import CONNECTION_ARGUMENT_SPEC, client_from_params


def check_mode_requested():
    """Whether the task runs in check mode, read before the module is built so that the spec can plan for it."""
    try:
        return bool((_load_params() or {}).get("_ansible_check_mode"))
    except Exception:  # parameters not from a controller (a test harness): a real run
        return False


def main():
    """Bring one snapshot to its state; in check mode a rollback to a snapshot not yet created is predicted."""
    run_spec_module(SnapshotSpec(check_mode=check_mode_requested()),
                    ConnectionSpec("vsd", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
