#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the info fields by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: osgview_vm_group_info
short_description: Read the VMs and the console of an OSG view lab VM group
version_added: 0.2.0
description:
- Reports each VM's readiness (C(gperpare)) and start status (C(gstart)), and the group's connection details (C(gconnent))
  once every VM is active; never changes anything.
author:
- converge contributors (@converge)
options:
  gtuuid:
    description:
    - Id of the VM group template the group was cloned from.
    type: str
    required: true
  gnuuid:
    description:
    - Id of the group (C(vm_group.gnuuid) of M(converge.platforms.osgview_vm_group)).
    type: str
    required: true
  server_ids:
    description:
    - Ids of the group's VMs (C(vm_group.server_ids)); the API cannot list them.
    type: list
    required: true
    elements: str
  method:
    description:
    - 'Console to return connection details for: C(vnc) and C(rdp) give an address and a port, C(url) a web console
      address. Asked for only once every VM is active.'
    type: str
    default: vnc
    choices:
    - vnc
    - rdp
    - url
  marker:
    description:
    - 'Course scenario the group was cloned for (its I(marker) in a desired state): with I(gtuuid), the identity
      of the group''s entry in C(entries). OSG view does not report it, so it is required with I(as_entries).'
    type: str
  as_entries:
    description:
    - 'Also return C(entries): what was read, as the C(resources:) section C(reconciler import) writes (C(adopt:
      true), secrets as C({env: CONVERGE_...}), references by name). Its kind is C(osgview_vm_group): the one group
      read, with its I(gnuuid) and I(server_ids), by which a run finds it. OSG view lists no groups, so C(reconciler
      import) cannot take them; this is how a group is brought under a desired state.'
    type: bool
    default: false
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.osgview
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read a lab group's state and its RDP details
  converge.platforms.osgview_vm_group_info:
    url: http://127.0.0.1:18084
    gtuuid: 8b3fae4cbd5a4b7cae9f8a7b6c5d4e3f
    gnuuid: "{{ lab.vm_group.gnuuid }}"
    server_ids: "{{ lab.vm_group.server_ids }}"
    method: rdp
  register: group

- name: List the VMs still building
  ansible.builtin.debug:
    msg: "{{ group.vm_group.vms | selectattr('state', 'equalto', 'building') | map(attribute='server_id') | list }}"

- name: A group cloned by hand, as the entry that brings it under a desired state
  converge.platforms.osgview_vm_group_info:
    gtuuid: 8b3fae4cbd5a4b7cae9f8a7b6c5d4e3f
    gnuuid: e13c89d817134ea720df5044a992fb67
    server_ids: [0d032181-0600-452d-a8e2-cf96a3b3f892]
    marker: course-101-alice
    as_entries: true
  register: lab_now
"""

RETURN = r"""
vm_group:
  description: The group as OSG view reports it now.
  returned: always
  type: dict
  contains:
    gtuuid:
      description: Template the group was cloned from.
      type: str
    gnuuid:
      description: Id of the group.
      type: str
    server_ids:
      description: Ids of the group's VMs.
      type: list
      elements: str
    count:
      description: Number of VMs.
      type: int
    ready:
      description: Whether every VM is active.
      type: bool
    vms:
      description: Each VM's readiness from C(gperpare) (C(state) C(active), C(building) or C(error), the API
        C(status) and C(msg)) and its start status C(vm_status) from C(gstart) once active.
      type: list
      elements: dict
    method:
      description: Console type of C(connection).
      type: str
    connection:
      description: How to reach the group's console (C(method), C(sysname), C(ip), C(port), C(url)); null until ready.
      type: dict
  sample:
    gtuuid: 8b3fae4cbd5a4b7cae9f8a7b6c5d4e3f
    gnuuid: e13c89d817134ea720df5044a992fb67
    server_ids: [0d032181-0600-452d-a8e2-cf96a3b3f892]
    count: 1
    ready: true
    vms:
      - {server_id: 0d032181-0600-452d-a8e2-cf96a3b3f892, state: active, status: 200, msg: "", vm_status: ACTIVE}
    method: rdp
    connection: {method: rdp, sysname: Windows Server 2012 R2, ip: 127.0.0.2, port: "3389", url: null}
entries:
  description: The group under C(osgview_vm_group), as an entry of a desired state.
  returned: when I(as_entries) is true (and I(marker) given)
  type: dict
  sample:
    osgview_vm_group:
      - gtuuid: 8b3fae4cbd5a4b7cae9f8a7b6c5d4e3f
        marker: course-101-alice
        gnuuid: e13c89d817134ea720df5044a992fb67
        server_ids: [0d032181-0600-452d-a8e2-cf96a3b3f892]
        adopt: true
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_info_module
from ansible_collections.converge.platforms.plugins.module_utils.osgview import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.osgview_info import argument_spec, gather


def main():
    run_info_module(argument_spec(), ConnectionSpec("osgview", CONNECTION_ARGUMENT_SPEC, client_from_params), gather)


if __name__ == "__main__":
    main()
