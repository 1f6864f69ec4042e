#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_flow
short_description: Run OpenDCP task templates on pool nodes as flows; start, pause and stop flows
version_added: 0.2.0
description:
- 'An OpenDCP flow (task): a task template run on pool nodes, a batch of nodes at a time.'
- 'A flow is found by its name: the newest flow of that name. With C(state=present) or C(state=started) a flow is
  created when none has the name, on I(nodes) or on every node of I(pool), I(max_ratio) percent of them (at most
  I(max_num)) at a time; OpenDCP starts it at once. C(state=started) also resumes a paused or stopped flow and runs
  again the nodes of a finished flow that failed. C(state=paused) and C(state=stopped) pause or stop a flow that
  is running, and leave any other alone.'
- 'With I(wait) the module waits until the flow ends and fails when any of its nodes failed. Flows are operations,
  not configuration: the reconciler does not manage them.'
- Idempotent; supports check mode and diff mode (diff shows only what changes).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the flow (its C(task_name)); the newest flow of this name is the one managed.
    type: str
    required: true
  template:
    description:
    - Name of the task template to run, to create the flow.
    type: str
  pool:
    description:
    - Run on every node of the pool of this name, to create the flow. Mutually exclusive with I(nodes).
    type: str
  nodes:
    description:
    - IPs of the pool nodes to run on, to create the flow.
    type: list
    elements: str
  max_ratio:
    description:
    - Percentage of the nodes run at a time, 1 to 100.
    type: int
    default: 100
  max_num:
    description:
    - At most this many nodes at a time; 0 for no limit.
    type: int
    default: 0
  timeout:
    description:
    - Timeout OpenDCP records for the flow, in seconds; 0 for none.
    type: int
    default: 0
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    - 'C(started): the flow exists and has run: created when missing, a stopped flow resumed, the failed nodes of
      a finished flow run again.'
    - 'C(paused): the flow is not running: a running flow is paused.'
    - 'C(stopped): the flow is not running: a running flow is stopped.'
    type: str
    default: present
    choices:
    - present
    - started
    - paused
    - stopped
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
- name: Run a template on every node of a pool, two at a time, and wait for it
  converge.platforms.opendcp_flow:
    url: http://127.0.0.1:18083
    operator: deployer
    name: rollout-2024-06
    template: ship-frontend
    pool: frontend-pool
    max_ratio: 100
    max_num: 2
    wait: true
    wait_timeout: 1800

- name: Pause it
  converge.platforms.opendcp_flow:
    name: rollout-2024-06
    state: paused

- name: Resume it, or run again the nodes that failed
  converge.platforms.opendcp_flow:
    name: rollout-2024-06
    state: started
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(start), C(pause) or C(stop).
  returned: always
  type: str
flow:
  description: The flow after the run (predicted in check mode).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the flow.
      type: int
    task_name:
      description: Name of the flow.
      type: str
    state:
      description: 0 init, 1 running, 2 success, 3 failed, 4 stopped.
      type: int
    state_name:
      description: C(init), C(running), C(success), C(failed) or C(stopped).
      type: str
    Stat:
      description: Node counts by state.
      type: list
      elements: int
    nodes_succeeded:
      description: Nodes that succeeded.
      type: int
    nodes_failed:
      description: Nodes that failed.
      type: int
  sample: {id: 3, task_name: rollout-2024-06, template_name: ship-frontend, pool_name: frontend-pool, state: 2,
           state_name: success, Stat: [0, 0, 4, 0, 0], nodes_succeeded: 4, nodes_failed: 0, step_len: 2,
           opr_user: deployer}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import FlowSpec


def main():
    run_spec_module(FlowSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
