#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_source_host
short_description: Manage the Packer source hosts of the migration platform
version_added: 0.2.0
description:
- A source host with the Packer agent, reached through a transport server, identified by its name.
- The platform contacts the agent at I(address) when the host is added and records its disks, network and OS. The
  name and the transport server can change; a different I(address) fails naming the option. C(state=refreshed) re-reads
  the host's disks and OS on every run. The platform refuses to delete a host while a task copies it.
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(migration_source_host).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the host (up to 32 characters); it identifies the host.
    type: str
    required: true
  transport_server:
    description:
    - Name of the transport server the platform reaches the host through. Required to add the host.
    type: str
  address:
    description:
    - Address of the host's Packer agent. Required to add the host.
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
- name: Add a source host with the Packer agent
  converge.platforms.migration_source_host:
    url: https://migration.example.invalid
    password: "{{ migration_password }}"
    name: web-01
    transport_server: transport-cloud
    address: 127.0.0.11

- name: Re-read the host's disks and OS after adding a disk
  converge.platforms.migration_source_host:
    name: web-01
    state: refreshed
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
source_host:
  description: The host after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  sample:
    id: fc76c6c0-2bc7-4b19-b1cc-20f628549197
    name: web-01
    address: 127.0.0.11
    transport_server: transport-cloud
    os_type: linux
    agent: true
    offline: false
    in_task: false
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import SourceHostSpec


def main():
    run_spec_module(SourceHostSpec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
