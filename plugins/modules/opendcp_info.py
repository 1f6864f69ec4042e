#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_info
short_description: Read OpenDCP clusters, services, pools, nodes, templates, actions and flows
version_added: 0.2.0
description:
- Reads what OpenDCP lists, every page, and a pool's nodes, the pools of IPs, or one flow with its nodes and log;
  never changes anything.
author:
- converge contributors (@converge)
options:
  gather_subset:
    description:
    - 'Which lists to read, every page of each: C(clusters), C(services) (of every cluster), C(pools) (with C(node_count),
      counted through the pools of each service), C(task_templates), C(task_steps) (the steps templates can use),
      C(remote_steps), C(actions), C(actimpls), C(flows). None by default.'
    type: list
    default: []
    choices:
    - clusters
    - services
    - pools
    - task_templates
    - task_steps
    - remote_steps
    - actions
    - actimpls
    - flows
    elements: str
  pool:
    description:
    - Also read the nodes of the pool of this name, returned as C(nodes).
    type: str
  ips:
    description:
    - Also find the pool of each of these IPs, returned as C(pools_by_ip) (C(-1) for an IP in no pool).
    type: list
    elements: str
  flow_id:
    description:
    - Also read this flow, its nodes by state and its log, returned as C(flow).
    type: int
  flow_node_id:
    description:
    - Also read the log of this flow node (an C(id) from C(flow.detail)), returned as C(node_log).
    type: int
  as_entries:
    description:
    - 'Also return C(entries): what was read, as the C(resources:) section C(reconciler import) writes (C(adopt:
      true), secrets as C({env: CONVERGE_...}), references by name). For each subset named, its kinds with objects,
      in import''s order: C(clusters) gives C(opendcp_cluster), C(services) gives C(opendcp_service), C(pools) gives
      C(opendcp_pool) and C(opendcp_pool_nodes), C(task_templates) gives C(opendcp_task_template), C(remote_steps)
      gives C(opendcp_remote_step), C(actions) gives C(opendcp_action), C(actimpls) gives C(opendcp_actimpl). C(flows)
      and C(task_steps) give none: flows are operations, not configuration, and the steps are those templates can
      use, not objects of their own. Objects the platform made itself are taken for every subset named, as C(reconciler
      import) takes them for a kind C(--kind) names.'
    type: bool
    default: false
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.opendcp
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read every cluster, service and pool
  converge.platforms.opendcp_info:
    url: http://127.0.0.1:18083
    gather_subset: [clusters, services, pools]
  register: opendcp

- name: The nodes of a pool, and which pool two hosts are in
  converge.platforms.opendcp_info:
    pool: frontend-pool
    ips: [127.0.0.21, 127.0.0.22]

- name: One flow, its nodes by state and its log
  converge.platforms.opendcp_info:
    flow_id: 3

- name: Clusters, services and pools, as the entries reconciler import writes
  converge.platforms.opendcp_info:
    gather_subset: [clusters, services, pools, task_templates, remote_steps, actions, actimpls]
    as_entries: true
  register: opendcp_now
"""

RETURN = r"""
clusters:
  description: Every cluster.
  returned: when gathered
  type: list
  elements: dict
services:
  description: Every service of every cluster.
  returned: when gathered
  type: list
  elements: dict
pools:
  description: Every pool, with C(node_count).
  returned: when gathered
  type: list
  elements: dict
task_templates:
  description: Every task template, steps with their defaults filled in.
  returned: when gathered
  type: list
  elements: dict
task_steps:
  description: The steps a template can use (built-in ones and every remote step).
  returned: when gathered
  type: list
  elements: dict
remote_steps:
  description: Every remote step.
  returned: when gathered
  type: list
  elements: dict
actions:
  description: Every remote action with its declared parameters.
  returned: when gathered
  type: list
  elements: dict
actimpls:
  description: Every remote action implementation.
  returned: when gathered
  type: list
  elements: dict
flows:
  description: Every flow, newest first, with C(state_name), C(nodes_succeeded) and C(nodes_failed).
  returned: when gathered
  type: list
  elements: dict
nodes:
  description: The nodes of I(pool) (C(id), C(ip), C(vm_id), C(status) 1 ok / 3 failed, C(node_type)).
  returned: when I(pool) is given
  type: list
  elements: dict
pools_by_ip:
  description: The pool id of each of I(ips), C(-1) for an IP in no pool.
  returned: when I(ips) is given
  type: dict
  sample: {127.0.0.21: 1, 127.0.0.99: -1}
flow:
  description: The flow I(flow_id), with C(detail) (its nodes by state) and C(log).
  returned: when I(flow_id) is given
  type: dict
node_log:
  description: The log of I(flow_node_id), one mapping of step name to text per step it reached.
  returned: when I(flow_node_id) is given
  type: list
  elements: dict
entries:
  description: Clusters, services, pools and the rest, keyed by kind, in the shape of a desired state's resources.
  returned: as_entries
  type: dict
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_info_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_info import argument_spec, gather


def main():
    run_info_module(argument_spec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params), gather)


if __name__ == "__main__":
    main()
