#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vsd_snapshot_info
short_description: Read the snapshots of a VSD VM, its snapshot tree and its head
version_added: 0.2.0
description:
- Reads the snapshots of one VSD virtual machine; never changes anything.
- The snapshot list is read page by page, every page.
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
  gather_subset:
    description:
    - 'What to read: C(snapshots) (every page of the list), C(tree) (parents and children by name, and the head),
      C(head) (the snapshot the VM runs from).'
    type: list
    default:
    - snapshots
    - tree
    - head
    choices:
    - snapshots
    - tree
    - head
    elements: str
  filter_name:
    description:
    - Only snapshots whose names match this filter, as the platform filters names (subset C(snapshots)).
    type: str
  name:
    description:
    - Also read the snapshot of this name, returned as C(snapshot) (null when there is none).
    type: str
  as_entries:
    description:
    - 'Also return C(entries): what was read, as the C(resources:) section C(reconciler import) writes (C(adopt:
      true), secrets as C({env: CONVERGE_...}), references by name). Its kind is C(vsd_snapshot), with subset C(snapshots):
      every snapshot of the VM the module is pointed at, whatever I(filter_name) selects (VSD lists snapshots only
      VM by VM).'
    type: bool
    default: false
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.vsd
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read every snapshot of a VM, its tree and its head
  converge.platforms.vsd_snapshot_info:
    url: http://127.0.0.1:18081
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
  register: vm_snapshots

- name: Snapshots whose names match "nightly", and the one named before-upgrade
  converge.platforms.vsd_snapshot_info:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_name: test-templ
    gather_subset: [snapshots]
    filter_name: nightly
    name: before-upgrade

- name: The snapshots of a VM as the entries reconciler import writes
  converge.platforms.vsd_snapshot_info:
    cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
    gather_subset: [snapshots]
    as_entries: true
  register: vm_now
"""

RETURN = r"""
snapshots:
  description: The VM's snapshots matching I(filter_name), every page, oldest first, each as
    M(converge.platforms.vsd_snapshot) returns a snapshot.
  returned: when gathered
  type: list
  elements: dict
tree:
  description: The snapshot tree. C(parents) maps each name to its parent's (C("") for a root); C(children) maps
    each name with children to their names; C(head) names the snapshot the VM runs from. The node C(head) is
    the VM's current state.
  returned: when gathered
  type: dict
  sample:
    compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d
    head: origin
    parents: {head: origin, origin: ""}
    children: {"": [origin], origin: [head]}
head:
  description: The snapshot the VM runs from; null when it has no snapshot.
  returned: when gathered
  type: dict
snapshot:
  description: The snapshot named I(name); null when there is none.
  returned: when I(name) is given
  type: dict
entries:
  description: Every snapshot of the VM under C(vsd_snapshot), as C(reconciler import --vsd-vm) writes it.
  returned: with I(as_entries)
  type: dict
  sample:
    vsd_snapshot:
      - {cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b, compute_uuid: b6b0e5b9-dacd-432b-9b83-c3e89799009d,
         name: before-upgrade, adopt: true}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_info_module
from ansible_collections.converge.platforms.plugins.module_utils.vsd import CONNECTION_ARGUMENT_SPEC, client_from_params
from ansible_collections.converge.platforms.plugins.module_utils.vsd_info import argument_spec, gather


def main():
    run_info_module(argument_spec(), ConnectionSpec("vsd", CONNECTION_ARGUMENT_SPEC, client_from_params), gather)


if __name__ == "__main__":
    main()
