#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_pool
short_description: Manage OpenDCP service pools and their size
version_added: 0.2.0
description:
- 'An OpenDCP service pool: the hosts one service runs on.'
- I(tasks) names the task template of each pool operation (C(expand), C(shrink), C(deploy)); OpenDCP runs a pool
  operation only when its template is named there.
- I(size) is the number of working nodes the pool should have. A larger size starts an C(expand_<pool>) flow creating
  the missing hosts; a smaller one a C(shrink_<pool>) flow returning working hosts, the newest first. Nodes still
  on their way in or out through a running flow count as already there, so a second run while the flow runs changes
  nothing. With I(wait) the module waits until the flow ends and fails when any of its nodes failed, quoting the
  lines of the flow log that say why.
- 'A node a flow failed on (status 3) is no working node and does not count toward the size. A failed expand leaves
  such nodes in the pool (one whose create_vm failed, as when OpenDCP cannot reach its VM manager, shows its node
  id as its ip). While a pool short of its size holds failed nodes, no expand is started, in check mode and in the
  reconciler''s plan too: the run fails naming them, since another expand would most likely fail the same way and
  leave more of them. Fix what made the expand fail, remove the failed nodes (M(converge.platforms.opendcp_pool_nodes)
  with C(state=absent) and their ips), then run again. A shrink never chooses a failed node.'
- 'The service of a pool cannot change: a different I(service) is a replacement, and a pool with nodes cannot be
  deleted.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_pool).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the pool; it identifies the pool. OpenDCP allows two of the same name; converge refuses to guess between
      them. A changed name (with I(id)) is a replacement.
    type: str
    required: true
  service:
    description:
    - Name of the service the pool belongs to; it cannot change. Required with C(state=present).
    type: str
  desc:
    description:
    - Description of the pool.
    type: str
  vm_type:
    description:
    - Id of the virtual machine template new hosts are created from.
    type: int
  sd_id:
    description:
    - Id of the service discovery the pool's hosts are registered with.
    type: int
  tasks:
    description:
    - 'Task template of each pool operation: keys C(expand), C(shrink), C(deploy); values template names (or ids).'
    type: dict
    suboptions:
      expand:
        description:
        - Name (or id) of the task template that runs the pool's expand.
        type: raw
      shrink:
        description:
        - Name (or id) of the task template that runs the pool's shrink.
        type: raw
      deploy:
        description:
        - Name (or id) of the task template that runs the pool's deploy.
        type: raw
  size:
    description:
    - 'Number of working nodes the pool should have, reached through expand and shrink flows. Failed nodes (status
      3, such as those a failed expand leaves) do not count, and while the pool holds any, a larger size is refused
      naming them: remove them (with M(converge.platforms.opendcp_pool_nodes)) once what made the expand fail is
      fixed, then run again.'
    type: int
  id:
    description:
    - 'Id of an existing pool. When given, the pool is found by id instead of by name, and a different I(name) replaces
      it: OpenDCP cannot rename.'
    type: int
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    - 'C(absent): the resource does not exist.'
    type: str
    default: present
    choices:
    - present
    - absent
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
- converge.platforms.opendcp
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: A pool of five frontend hosts, waiting for the expand flow to end
  converge.platforms.opendcp_pool:
    url: http://127.0.0.1:18083
    operator: deployer
    name: frontend-pool
    service: frontend
    vm_type: 1
    sd_id: 1
    tasks:
      expand: expand-frontend
      shrink: shrink-frontend
    size: 5
    wait: true
    wait_timeout: 900

- name: Shrink it to two hosts without waiting (failed nodes go first)
  converge.platforms.opendcp_pool:
    name: frontend-pool
    service: frontend
    size: 2
    wait: false
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(replace), C(delete), or C(expand) / C(shrink) when only the size
    changes.
  returned: always
  type: str
note:
  description: How the size changes (C(expand by 2 node(s) through a flow)).
  returned: when the size changes
  type: str
pool:
  description: The pool after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the pool.
      type: int
    service:
      description: Name of the pool's service.
      type: str
    tasks:
      description: Template of each pool operation, by name (by id when no template has it).
      type: dict
    task_ids:
      description: Template id of each pool operation.
      type: dict
    node_count:
      description: Nodes in the pool now, failed ones included (as OpenDCP counts them).
      type: int
    size:
      description: Working nodes in the pool once its running expand and shrink flows end; failed nodes do not
        count.
      type: int
    failed_nodes:
      description: The pool's nodes a flow failed on (status 3), with their C(id) and C(ip); the ip of one whose
        create_vm failed is its id.
      type: list
      elements: dict
    running_flows:
      description: Ids of the pool's running expand and shrink flows.
      type: list
      elements: int
  sample: {id: 1, name: frontend-pool, desc: "", vm_type: 1, sd_id: 1, service_id: 1, service: frontend,
           tasks: {expand: expand-frontend}, task_ids: {expand: 1}, node_count: 5, size: 5, failed_nodes: [],
           running_flows: [], shrinking_flows: []}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import PoolSpec


def main():
    run_spec_module(PoolSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
