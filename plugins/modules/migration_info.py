#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_info
short_description: Read the migration platform's clouds, servers, hosts, tasks and license
version_added: 0.2.0
description:
- Reads what the migration platform lists, and the details of one task, cloud connection or source host; never changes
  anything.
- The task list is read page by page, every page.
author:
- converge contributors (@converge)
options:
  gather_subset:
    description:
    - 'Lists to read: C(all), or any of C(cloud_connections), C(cloud_types), C(license), C(source_hosts), C(tasks),
      C(transport_servers), C(vsphere_hosts), C(vsphere_platforms). A name starting with C(!) leaves that list out
      (C(!all) all of them, but for those named); only exclusions read every other list.'
    type: list
    default:
    - all
    choices:
    - all
    - cloud_connections
    - cloud_types
    - license
    - source_hosts
    - tasks
    - transport_servers
    - vsphere_hosts
    - vsphere_platforms
    - '!all'
    - '!cloud_connections'
    - '!cloud_types'
    - '!license'
    - '!source_hosts'
    - '!tasks'
    - '!transport_servers'
    - '!vsphere_hosts'
    - '!vsphere_platforms'
    elements: str
  task_free:
    description:
    - List only the source hosts free to migrate (subset C(source_hosts)).
    type: bool
    default: false
  task:
    description:
    - Also read this task's details, history and snapshots, returned as C(task).
    type: str
  cloud:
    description:
    - Also read this cloud connection's flavours, networks, security groups, quota, volume types and storages, returned
      as C(cloud).
    type: str
  source_host:
    description:
    - Also read this Packer host's details (disks, network, OS), returned as C(source_host).
    type: str
  as_entries:
    description:
    - 'Also return C(entries): what was read, as the C(resources:) section C(reconciler import) writes (C(adopt:
      true), secrets as C({env: CONVERGE_...}), references by name). The kinds of the subsets gathered (in import''s
      order, those with objects): C(license) gives C(migration_license), C(cloud_connections) gives C(migration_cloud_connection),
      C(transport_servers) gives C(migration_transport_server), C(source_hosts) gives C(migration_source_host),
      C(vsphere_platforms) gives C(migration_vsphere_platform), C(tasks) gives C(migration_task). Every object of
      each kind is taken, whatever I(task_free) selects. Objects the platform made itself are taken only for a subset
      I(gather_subset) names (not through C(all)), as C(reconciler import) takes them only for a kind C(--kind)
      names. C(migration_password) is never read back, so it has no entries.'
    type: bool
    default: false
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.migration
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read everything the platform lists
  converge.platforms.migration_info:
    url: https://migration.example.invalid
    password: "{{ migration_password }}"
  register: migration

- name: Read one task's progress and history, and a cloud's flavours and networks
  converge.platforms.migration_info:
    gather_subset: [license]
    task: migrate-web-01
    cloud: openstack-prod

- name: Every cloud connection, transport server, host and task, as the entries reconciler import writes
  converge.platforms.migration_info:
    gather_subset: [cloud_connections, transport_servers, source_hosts, vsphere_platforms, tasks]
    as_entries: true
  register: migration_now
"""

RETURN = r"""
license:
  description: The license (C(id), C(credits), C(used), C(expire_time)); null when none is installed.
  returned: when gathered
  type: dict
cloud_types:
  description: The cloud types the platform supports.
  returned: when gathered
  type: list
  elements: str
cloud_connections:
  description: Every cloud connection, as M(converge.platforms.migration_cloud_connection) returns one.
  returned: when gathered
  type: list
  elements: dict
transport_servers:
  description: Every transport server.
  returned: when gathered
  type: list
  elements: dict
source_hosts:
  description: Every Packer source host (only those free to migrate with I(task_free)).
  returned: when gathered
  type: list
  elements: dict
vsphere_platforms:
  description: Every vSphere platform.
  returned: when gathered
  type: list
  elements: dict
vsphere_hosts:
  description: The vSphere platforms with their data centers, clusters, hosts and VMs, as the platform gives them.
  returned: when gathered
  type: list
  elements: dict
tasks:
  description: Every task (every page), with its progress.
  returned: when gathered
  type: list
  elements: dict
task:
  description: The task named I(task) in detail, with C(history) and C(snapshots).
  returned: when I(task) is given
  type: dict
cloud:
  description: The C(flavors), C(networks), C(security_groups), C(quota), C(volume_types) and C(storages) of the
    cloud connection named I(cloud).
  returned: when I(cloud) is given
  type: dict
source_host:
  description: The Packer host named I(source_host) in detail.
  returned: when I(source_host) is given
  type: dict
entries:
  description: For each kind of the lists read, its entries in a desired state, each password a C(CONVERGE_) variable.
  returned: if I(as_entries)
  type: dict
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.migration_info import argument_spec, gather
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_info_module


def main():
    run_info_module(argument_spec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params), gather)


if __name__ == "__main__":
    main()
