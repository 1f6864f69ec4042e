#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_vsphere_platform
short_description: Manage the vSphere platforms of the migration platform
version_added: 0.2.0
description:
- A vSphere platform (vCenter or ESXi) whose VMs migrate without an agent, identified by its name.
- The platform logs in to vSphere at I(address) when it is added and reads its VMs through the transport server.
  It never shows the vSphere user, password or transport server of a platform, so they are sent when the platform
  is added and, with I(update_password=always), on every run (which then always reports a change). A different I(address)
  fails naming the option. C(state=refreshed) re-reads the VM tree and the VMs' configuration.
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(migration_vsphere_platform).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the vSphere platform; it identifies it.
    type: str
    required: true
  address:
    description:
    - Address of the vCenter or ESXi host. Required to add the platform.
    type: str
  vsphere_username:
    description:
    - vSphere user the platform logs in with. Required to add the platform.
    type: str
  vsphere_password:
    description:
    - Password of I(vsphere_username). Required to add the platform.
    type: str
  transport_server:
    description:
    - Name of the transport server that reads the VMs. Required to add the platform.
    type: str
  update_password:
    description:
    - C(on_create) sends the user, password and transport server only when the platform is added; C(always) sends
      them on every run.
    type: str
    default: on_create
    choices:
    - on_create
    - always
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    - 'C(absent): the resource does not exist.'
    - 'C(refreshed): the object exists and the platform re-reads its facts (runs, and reports a change, on every
      call).'
    type: str
    default: present
    choices:
    - present
    - absent
    - refreshed
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.migration
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Add a vCenter whose VMs migrate without an agent
  converge.platforms.migration_vsphere_platform:
    url: https://migration.example.invalid
    password: "{{ migration_password }}"
    name: vcenter-dc1
    address: 127.0.0.21
    vsphere_username: administrator@vsphere.local
    vsphere_password: "{{ vault_vcenter_password }}"
    transport_server: transport-cloud

- name: Send new vSphere credentials
  converge.platforms.migration_vsphere_platform:
    name: vcenter-dc1
    vsphere_username: administrator@vsphere.local
    vsphere_password: "{{ vault_vcenter_password }}"
    transport_server: transport-cloud
    update_password: always
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(delete) or C(refresh).
  returned: always
  type: str
note:
  description: Why a change is planned the way it is, when that needs saying.
  returned: when there is one
  type: str
vsphere_platform:
  description: The vSphere platform after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  sample:
    id: 5d0f8a3e2b1c4d6e9f7a8b0c1d2e3f4a
    name: vcenter-dc1
    address: 127.0.0.21
    is_vcenter: true
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import VspherePlatformSpec


def main():
    run_spec_module(VspherePlatformSpec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
