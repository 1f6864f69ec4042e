#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_transport_server
short_description: Manage the Transport servers of the migration platform
version_added: 0.2.0
description:
- A Transport server of the migration platform, identified by its name.
- A C(Cloud) server runs in the target cloud (I(cloud) names its cloud connection) and every migration needs one;
  an C(On-Premises) server runs next to the source hosts. The platform contacts the server at I(address) when it
  is added. Only the name of a server can change, so a different I(server_type), I(cloud) or I(address) fails naming
  the option. C(state=refreshed) re-reads the server's facts (storage, task capacity) on every run. The platform
  refuses to delete a server while source hosts use it.
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(migration_transport_server).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the server; it identifies the server.
    type: str
    required: true
  server_type:
    description:
    - C(Cloud) for a server in the target cloud, C(On-Premises) for one next to the source hosts. Required to add
      the server.
    type: str
    choices:
    - On-Premises
    - Cloud
  cloud:
    description:
    - Name of the cloud connection of a C(Cloud) server.
    type: str
  address:
    description:
    - Management address of the server. Required to add the server.
    type: str
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
- name: Add the Transport server in the target cloud
  converge.platforms.migration_transport_server:
    url: https://migration.example.invalid
    password: "{{ migration_password }}"
    name: transport-cloud
    server_type: Cloud
    cloud: openstack-prod
    address: 127.0.0.2

- name: Add an on-premises Transport server and re-read its facts on every run
  converge.platforms.migration_transport_server:
    name: transport-dc1
    server_type: On-Premises
    address: 127.0.0.3
    state: refreshed
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update) (the name), C(delete) or C(refresh).
  returned: always
  type: str
note:
  description: Why a change is planned the way it is, when that needs saying.
  returned: when there is one
  type: str
transport_server:
  description: The server after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  sample:
    id: 9d2b7c0e6f1a4b3c8d5e2f1a0b9c8d7e
    name: transport-cloud
    server_type: Cloud
    cloud: openstack-prod
    address: 127.0.0.2
    max_supported_tasks: 10
    current_tasks: 0
    storage_type: LOCAL
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import TransportServerSpec


def main():
    run_spec_module(TransportServerSpec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
