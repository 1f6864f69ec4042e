#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zstack_info
short_description: Read ZStack management nodes, version, time, capacity, license, tags, jobs
version_added: 0.1.0
description:
- Reads what the ZStack global API exposes; never changes anything.
- Independent reads run concurrently; query subsets read every page.
author:
- converge contributors (@converge)
options:
  gather_subset:
    description:
    - What to read. C(task_progress) needs I(task_api_id). Query subsets (C(gc_jobs), C(long_jobs), C(management_nodes),
      C(notifications), C(system_tags), C(user_tags)) read every page. When not given, every subset but C(task_progress).
    type: list
    choices:
    - capacity
    - current_time
    - gc_jobs
    - license
    - license_capabilities
    - long_jobs
    - management_nodes
    - notifications
    - ready
    - system_tags
    - task_progress
    - user_tags
    - version
    elements: str
  conditions:
    description:
    - 'ZStack query conditions of each query subset: a mapping from a query subset of I(gather_subset) to its list
      of conditions, such as C({notifications: [status=Unread], long_jobs: [state=Running]}). A condition is written
      as ZStack takes it, with no spaces around its operator (C(resourceUuid=...), C(tag~=ha::%)); C(__systemTag__)
      and C(__userTag__) select resources by their tags (C(__userTag__=owner::ops)). A subset without conditions
      reads all its rows.'
    type: dict
  task_api_id:
    description:
    - API id whose task progress to read (subset C(task_progress)).
    type: str
  zone_uuids:
    description:
    - Zones whose capacity to sum (subset C(capacity)); all hosts when no filter is set.
    type: list
    elements: str
  cluster_uuids:
    description:
    - Clusters whose capacity to sum (subset C(capacity)).
    type: list
    elements: str
  host_uuids:
    description:
    - Hosts whose capacity to sum (subset C(capacity)).
    type: list
    elements: str
  as_entries:
    description:
    - 'Also return C(entries): what was read, as the C(resources:) section C(reconciler import) writes (C(adopt:
      true), secrets as C({env: CONVERGE_...}), references by name). A kind per subset gathered, in import''s order,
      left out when it has no object: C(license) gives C(zstack_license), C(system_tags) gives C(zstack_system_tag),
      C(user_tags) gives C(zstack_user_tag), C(gc_jobs) gives C(zstack_gc_job), C(long_jobs) gives C(zstack_long_job),
      C(notifications) gives C(zstack_notification). Every object of each kind is taken, whatever I(conditions)
      select. The objects ZStack made itself (GC jobs, notifications, the system tags it writes, a node''s trial
      or free license) are taken only when I(gather_subset) is given and names their subset, as C(reconciler import)
      takes them only for a kind C(--kind) names.'
    type: bool
    default: false
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.zstack
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read everything the global API exposes
  converge.platforms.zstack_info:
    url: http://127.0.0.1:18080
    password: "{{ zstack_password }}"
  register: zstack

- name: Unread notifications only
  converge.platforms.zstack_info:
    gather_subset: [notifications]
    conditions:
      notifications: [status=Unread]

- name: The system tags of one VM, and the long jobs still running, in one read
  converge.platforms.zstack_info:
    gather_subset: [system_tags, long_jobs]
    conditions:
      system_tags: [resourceUuid=a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70]
      long_jobs: [state=Running]

- name: Long jobs by their user tag
  converge.platforms.zstack_info:
    gather_subset: [long_jobs]
    conditions:
      long_jobs: ["__userTag__=owner::ops"]

- name: The license request to send to ZStack for a license
  converge.platforms.zstack_info:
    gather_subset: [license]
  register: zstack_license

- ansible.builtin.debug:
    var: zstack_license.license.license_request

- name: What ZStack holds, as the entries reconciler import writes
  converge.platforms.zstack_info:
    gather_subset: [system_tags, user_tags, long_jobs]
    as_entries: true
  register: zstack_now

- name: Write them as a desired-state file, every entry adopted
  ansible.builtin.copy:
    dest: desired/zstack.yml
    content: "{{ {'version': 1, 'resources': zstack_now.entries} | to_nice_yaml(sort_keys=false) }}"
    mode: "0600"
"""

RETURN = r"""
# Every key is snake_case, at every depth (ZStack's camelCase keys converted).
version:
  description: Version of the management node.
  returned: when gathered
  type: str
current_time:
  description: Time of the management node (C(million_seconds), C(seconds)).
  returned: when gathered
  type: dict
ready:
  description: Answer of IsReadyToGo (C(management_node_id)).
  returned: when gathered
  type: dict
capacity:
  description: Total and available CPU and memory of the selected hosts.
  returned: when gathered
  type: dict
task_progress:
  description: Progress entries of I(task_api_id).
  returned: when gathered
  type: list
  elements: dict
license:
  description: License information, with C(license_request), the text to send to ZStack to obtain a license (the
    license itself is never returned).
  returned: when gathered
  type: dict
  sample:
    license_type: Trial
    user: zstack
    host_num: 10
    expired: false
    license_request: eyJtYW5hZ2VtZW50Tm9kZVV1aWQiOiAiOGIxZTFiMWM1ZjZkNGQyZTliMGE3YzNkMmUxZjBhOWIifQ==
license_capabilities:
  description: Features the license enables (C(add_host), C(clonevm), C(vrouter_route), ...).
  returned: when gathered
  type: dict
management_nodes:
  description: Management nodes.
  returned: when gathered
  type: list
  elements: dict
system_tags:
  description: System tags matching their I(conditions).
  returned: when gathered
  type: list
  elements: dict
user_tags:
  description: User tags matching their I(conditions).
  returned: when gathered
  type: list
  elements: dict
notifications:
  description: Notifications matching their I(conditions).
  returned: when gathered
  type: list
  elements: dict
gc_jobs:
  description: GC jobs matching their I(conditions).
  returned: when gathered
  type: list
  elements: dict
long_jobs:
  description: Long jobs matching their I(conditions).
  returned: when gathered
  type: list
  elements: dict
entries:
  description: The tags, jobs, notifications and licenses read, each kind's list of entries as C(reconciler import)
    writes them (see I(as_entries)).
  returned: when I(as_entries) is true
  type: dict
  sample:
    zstack_user_tag:
      - {resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70, resource_type: VmInstanceVO, tag: "tier::web", adopt: true}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_info_module
from ansible_collections.converge.platforms.plugins.module_utils.zstack import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.zstack_info import argument_spec, gather


def main():
    run_info_module(argument_spec(), ConnectionSpec("zstack", CONNECTION_ARGUMENT_SPEC, client_from_params), gather)


if __name__ == "__main__":
    main()
