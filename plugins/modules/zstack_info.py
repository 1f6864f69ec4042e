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
      C(notifications), C(system_tags), C(user_tags)) read every page.
    type: list
    default:
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
    - user_tags
    - version
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
    - ZStack query conditions applied to the query subsets, such as C(resourceType=VmInstanceVO) or C(status=Unread).
    type: list
    elements: str
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
extends_documentation_fragment:
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
    conditions: [status=Unread]
"""

RETURN = r"""
version:
  description: Version of the management node.
  returned: when gathered
  type: str
current_time:
  description: Time of the management node (C(MillionSeconds), C(Seconds)).
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
  description: License information (the license itself is never returned).
  returned: when gathered
  type: dict
license_capabilities:
  description: Features the license enables.
  returned: when gathered
  type: dict
management_nodes:
  description: Management nodes.
  returned: when gathered
  type: list
  elements: dict
system_tags:
  description: System tags matching I(conditions).
  returned: when gathered
  type: list
  elements: dict
user_tags:
  description: User tags matching I(conditions).
  returned: when gathered
  type: list
  elements: dict
notifications:
  description: Notifications matching I(conditions).
  returned: when gathered
  type: list
  elements: dict
gc_jobs:
  description: GC jobs matching I(conditions).
  returned: when gathered
  type: list
  elements: dict
long_jobs:
  description: Long jobs matching I(conditions).
  returned: when gathered
  type: list
  elements: dict
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
