#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_task
short_description: Create, change, resume, complete and delete migration tasks
version_added: 0.2.0
description:
- A migration task copying one source host into a cloud, identified by its name.
- A new task takes one license credit; deleting a task that has not finished gives it back. The task copies the
  source host through the transport servers every I(interval_minutes) from I(start_time) on, keeping I(max_snapshots)
  copies, until it is completed. C(state=running) also resumes a task an error paused (action state 1003) with C(ContinueTask).
  C(state=completed) runs the final sync and creates the cloud server (C(CompleteTask)), which needs the first full
  copy done; with I(wait) the module waits for the first full copy and then for the server. When creating the server
  failed after the final sync, C(state=completed) creates it again (C(CreateInstance)) with the task's target settings.
- 'The platform''s rules on changes are checked before anything is written, and a change they forbid fails naming
  the option: I(interval_minutes), I(start_time) and I(max_snapshots) cannot change within 60 seconds of the task''s
  start time; the target flavour, CPU, memory, sockets, network, subnet, security group and interfaces cannot change
  once the task is waiting for recovery (action state 1007) or later; the source host, cloud, transport servers,
  storage, compression and QoS limit cannot change at all. I(start_time) is the platform''s local time. I(volumes)
  is used when the task is created.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(migration_task).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the task; it identifies the task.
    type: str
    required: true
  source_host:
    description:
    - 'Name of the source: a Packer host, or a VM of a vSphere platform (for the reconciler, name such a VM under
      C(existing.migration_source_host)). Required to create the task.'
    type: str
  cloud:
    description:
    - Name of the cloud connection to migrate into. Required to create the task.
    type: str
  target_transport_server:
    description:
    - Name of the C(Cloud) transport server that receives the data. Required to create the task.
    type: str
  source_transport_server:
    description:
    - Name of the C(On-Premises) transport server relaying the data, when the copy does not go directly.
    type: str
  priority:
    description:
    - Priority of the task; higher runs first.
    type: int
  interval_minutes:
    description:
    - Minutes between two copies.
    type: int
  max_snapshots:
    description:
    - How many copies (snapshots) to keep.
    type: int
  start_time:
    description:
    - When the first copy starts, C(yyyy-mm-dd hh:mm) in the platform's local time.
    type: str
  compressed:
    description:
    - Compress the data in transit (off by default); set when the task is created.
    type: bool
  qos_limit:
    description:
    - Bandwidth limit of the copy, MB/s; set when the task is created.
    type: int
  storage_id:
    description:
    - Storage of the cloud volumes; set when the task is created.
    type: str
  flavor_id:
    description:
    - Flavour of the cloud server (or give I(cpu) and I(memory)).
    type: str
  cpu:
    description:
    - vCPUs of the cloud server, instead of I(flavor_id).
    type: int
  sockets:
    description:
    - CPU sockets of the cloud server.
    type: int
  memory:
    description:
    - Memory of the cloud server, GB, instead of I(flavor_id).
    type: int
  network_id:
    description:
    - Network of the cloud server.
    type: str
  subnet_id:
    description:
    - Subnet of the cloud server.
    type: str
  route_id:
    description:
    - Router (Huayun public cloud); not shown by the platform, so only sent.
    type: str
  security_group_id:
    description:
    - Security group of the cloud server.
    type: str
  aggregate_id:
    description:
    - Host aggregate of the cloud server (set through C(UpdateTask)).
    type: str
  bandwidth:
    description:
    - Public bandwidth of the cloud server, Mbit/s (Huayun public cloud).
    type: int
  target_server_name:
    description:
    - Name of the cloud server; it must not exist in the cloud yet.
    type: str
  volumes:
    description:
    - Disks to migrate; used when the task is created.
    type: list
    elements: dict
    suboptions:
      name:
        description:
        - Device of the source disk, such as C(/dev/vda).
        type: str
        required: true
      type:
        description:
        - Type of the cloud volume.
        type: str
      size:
        description:
        - Size of the cloud volume, GB (a number, or a number as text).
        type: raw
      cloud_volume_name:
        description:
        - Name of the cloud volume.
        type: str
      prealloc:
        description:
        - Allocate the cloud volume's space at once.
        type: bool
  net_interfaces:
    description:
    - Interfaces of the cloud server (agentless vSphere migrations), under the API's own key names.
    type: list
    elements: dict
    suboptions:
      NetworkId:
        description:
        - Network of the interface.
        type: str
      SecurityGroupId:
        description:
        - Security group of the interface.
        type: str
      Mac:
        description:
        - MAC address of the interface.
        type: str
      SubNets:
        description:
        - Subnets of the interface.
        type: list
        elements: dict
        suboptions:
          SubnetId:
            description:
            - The subnet.
            type: str
          Ip:
            description:
            - Address of the interface in the subnet.
            type: str
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    - 'C(absent): the resource does not exist.'
    - 'C(running): the task exists as described and runs: a task an error paused is resumed.'
    - 'C(completed): the task is completed: final sync and cloud server (see I(wait)).'
    type: str
    default: present
    choices:
    - present
    - absent
    - running
    - completed
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
- converge.platforms.migration
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Migrate web-01 into OpenStack, copying every 60 minutes
  converge.platforms.migration_task:
    url: https://migration.example.invalid
    password: "{{ migration_password }}"
    name: migrate-web-01
    source_host: web-01
    cloud: openstack-prod
    target_transport_server: transport-cloud
    start_time: "2026-12-01 22:00"
    interval_minutes: 60
    max_snapshots: 3
    flavor_id: m1.large
    network_id: 3a90ae79-9b69-4b79-b7b9-5ad5f105bfd5
    subnet_id: 2d6e3002-410e-4dd2-98cd-04c7f310a4d0
    security_group_id: default
    target_server_name: web-01-cloud

- name: Resume the task after an error paused it
  converge.platforms.migration_task:
    name: migrate-web-01
    state: running

- name: Cut over - final sync and cloud server - and wait for the server
  converge.platforms.migration_task:
    name: migrate-web-01
    state: completed
    wait: true
    wait_timeout: 3600
  register: cutover

- name: Delete the task (an unfinished task gives its license credit back)
  converge.platforms.migration_task:
    name: migrate-web-01
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(delete), C(continue), C(complete) or C(create_instance).
  returned: always
  type: str
note:
  description: Why a change is planned the way it is, when that needs saying.
  returned: when there is one
  type: str
task:
  description: The task after the run (predicted in check mode); null once deleted. With C(state=completed) and
    I(wait), C(instance) names the cloud server.
  returned: always
  type: dict
  sample:
    id: "5358999805"
    name: migrate-web-01
    source_host: web-01
    cloud: openstack-prod
    target_transport_server: transport-cloud
    interval_minutes: 60
    max_snapshots: 3
    start_time: "2026-12-01 22:00:00"
    snap_times: 3
    progress: 100%
    last_sync: 0
    action_state: 1002
    status: Snapshot done
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import TaskSpec


def main():
    run_spec_module(TaskSpec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
