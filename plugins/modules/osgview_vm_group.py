#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: osgview_vm_group
short_description: Clone an OSG view lab VM group and wait until its VMs are active
version_added: 0.2.0
description:
- A course-lab VM group on OSG view, cloned from a group template (I(gtuuid)) for a course scenario (I(marker)).
  The module waits until every VM of the group is active, then returns the group id, the VM ids, whether the template's
  image was cached, and how to connect to the group's console with the chosen I(method).
- The OSG view API has no call that lists or finds groups, so idempotence needs the group's id from an earlier run.
  Give I(gnuuid) (and I(server_ids)) from an earlier run's C(vm_group) result and the module checks that group,
  waiting while it is still building, instead of cloning a new one; a group OSG view no longer knows is an error,
  never a silent second clone.
- 'Or give I(record_file): each group cloned is recorded there under its I(gtuuid) and I(marker), and a later run
  with the same pair checks the recorded group instead of cloning. When OSG view no longer knows a recorded group,
  a new one is cloned and recorded in its place. Choose a I(marker) that names one lab (a course scenario and a
  student, say): the pair I(gtuuid), I(marker) is then the group''s identity. The reconciler identifies C(osgview_vm_group)
  entries by that pair and finds their groups through I(record_file) the same way, so a second C(apply) clones nothing.'
- Without I(gnuuid) or I(record_file), every run clones a new group and reports a change. OSG view has no call to
  delete a group, so there is no C(state=absent) and the reconciler never prunes these groups. Check mode calls
  only the read operations (C(gperpare), C(gstart), C(gconnent)), never C(gclone).
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(osgview_vm_group).
author:
- converge contributors (@converge)
options:
  gtuuid:
    description:
    - Id of the VM group template to clone, as the OSG view UI shows it.
    type: str
    required: true
  marker:
    description:
    - Course scenario the group is cloned for; the UI's test runs use C(testing). With I(gtuuid) it identifies the
      group in I(record_file).
    type: str
    required: true
  gnuuid:
    description:
    - Id of a group cloned earlier (C(vm_group.gnuuid) of an earlier run). When set, that group is checked instead
      of cloning a new one.
    type: str
  server_ids:
    description:
    - Ids of the VMs of group I(gnuuid) (C(vm_group.server_ids) of an earlier run), which the API cannot list. Not
      needed when I(record_file) recorded that group.
    type: list
    elements: str
  method:
    description:
    - 'Console to return connection details for: C(vnc) and C(rdp) give an address and a port, C(url) a web console
      address.'
    type: str
    default: vnc
    choices:
    - vnc
    - rdp
    - url
  record_file:
    description:
    - JSON file on the host running the module where each cloned group is recorded, so that a later run with the
      same I(gtuuid) and I(marker) finds it.
    type: path
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    type: str
    default: present
    choices:
    - present
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
- converge.platforms.osgview
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Clone the web-security lab for one student, recording it so the next run finds it
  converge.platforms.osgview_vm_group:
    url: http://127.0.0.1:18084
    gtuuid: 7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e
    marker: websec-2018-alice
    record_file: "{{ playbook_dir }}/.osgview-groups.json"
    method: vnc
    wait_timeout: 900
  register: lab

- name: Say how to connect
  ansible.builtin.debug:
    msg: "VNC to {{ lab.vm_group.connection.ip }}:{{ lab.vm_group.connection.port }}"

- name: Check the group an earlier run cloned instead of cloning again (no record file needed)
  converge.platforms.osgview_vm_group:
    url: http://127.0.0.1:18084
    gtuuid: 7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e
    marker: websec-2018-alice
    gnuuid: "{{ lab.vm_group.gnuuid }}"
    server_ids: "{{ lab.vm_group.server_ids }}"
    method: url

- name: Clone without waiting; a later task checks it with gnuuid and server_ids
  converge.platforms.osgview_vm_group:
    url: http://127.0.0.1:18084
    gtuuid: 6f1d8c2a9b3e4f5a8c7d6e5f4a3b2c1d
    marker: testing
    wait: false
  register: started
"""

RETURN = r"""
action:
  description: C(create) when a group was cloned, C(noop) when an existing group was checked.
  returned: always
  type: str
note:
  description: Why a new group was cloned although I(record_file) named one (OSG view no longer knows it).
  returned: when a recorded group was replaced
  type: str
vm_group:
  description: The group after the run. In check mode, before a clone, the ids are not known yet (null or empty).
  returned: always
  type: dict
  contains:
    gtuuid:
      description: Template the group was cloned from.
      type: str
    marker:
      description: Course scenario the group was cloned for.
      type: str
    gnuuid:
      description: Id of the group; give it (with C(server_ids)) as I(gnuuid) to check this group later.
      type: str
    server_ids:
      description: Ids of the group's VMs.
      type: list
      elements: str
    count:
      description: Number of VMs in the group.
      type: int
    if_cache:
      description: Whether the template's image was already cached when the group was cloned (null when unknown).
      type: bool
    ready:
      description: Whether every VM is active.
      type: bool
    vms:
      description: Each VM's readiness (C(state) C(active), C(building) or C(error), the API C(status) and C(msg)) and
        its start status C(vm_status) (such as C(ACTIVE)) once active.
      type: list
      elements: dict
    method:
      description: Console type of C(connection).
      type: str
    connection:
      description: How to reach the group's console (C(method), C(sysname), C(ip), C(port), C(url)); null until ready.
      type: dict
  sample:
    gtuuid: 7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e
    marker: websec-2018-alice
    gnuuid: e13c89d817134ea720df5044a992fb67
    server_ids: [0d032181-0600-452d-a8e2-cf96a3b3f892]
    count: 1
    if_cache: true
    ready: true
    vms:
      - {server_id: 0d032181-0600-452d-a8e2-cf96a3b3f892, state: active, status: 200, msg: "", vm_status: ACTIVE}
    method: vnc
    connection: {method: vnc, sysname: Kali Linux 2018.2, ip: 127.0.0.2, port: "5900", url: null}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.osgview import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.osgview import VmGroupSpec


def main():
    run_spec_module(VmGroupSpec(), ConnectionSpec("osgview", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
