#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_pool_nodes
short_description: Add hosts to, or remove them from, an OpenDCP pool
version_added: 0.2.0
description:
- Hosts recorded in an OpenDCP pool by IP, without creating or returning machines.
- 'With C(state=present) the listed IPs are added to the pool (with I(exclusive), nodes not listed are removed);
  with C(state=absent) the listed IPs are removed. An IP belongs to at most one pool. Do not combine with the I(size)
  of M(converge.platforms.opendcp_pool) on the same pool: both change its nodes.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_pool_nodes).
author:
- converge contributors (@converge)
options:
  pool:
    description:
    - Name of the pool.
    type: str
    required: true
  nodes:
    description:
    - 'IP addresses of the hosts. With C(state=absent), a failed node an expand left with no machine is named by
      the ip OpenDCP shows for it: its node id, such as C(''2'').'
    type: list
    required: true
    elements: str
  exclusive:
    description:
    - With C(state=present), also remove the pool's nodes that are not listed.
    type: bool
    default: false
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
- name: Record two existing hosts in the pool
  converge.platforms.opendcp_pool_nodes:
    url: http://127.0.0.1:18083
    pool: frontend-pool
    nodes: [127.0.0.21, 127.0.0.22]

- name: The pool holds exactly these hosts
  converge.platforms.opendcp_pool_nodes:
    pool: frontend-pool
    nodes: [127.0.0.21]
    exclusive: true

- name: Take a host out of the pool
  converge.platforms.opendcp_pool_nodes:
    pool: frontend-pool
    nodes: [127.0.0.22]
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(create) (nodes added to a pool that had none of them yet), C(update) or C(delete) (nodes
    removed).
  returned: always
  type: str
pool_nodes:
  description: The pool's nodes after the run (predicted in check mode).
  returned: always
  type: dict
  sample: {pool: frontend-pool, pool_id: 1, nodes: [127.0.0.21], node_ids: {127.0.0.21: 7}}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import PoolNodesSpec


def main():
    run_spec_module(PoolNodesSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
