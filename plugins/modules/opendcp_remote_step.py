#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_remote_step
short_description: Manage OpenDCP remote steps
version_added: 0.2.0
description:
- 'An OpenDCP remote step: remote actions run in order on each node of a flow.'
- 'I(actions) names the actions; each must exist (be on OpenDCP''s action list, or, in the reconciler, be an action
  of the same desired state): the names are checked before anything is written, in check mode too, since OpenDCP
  itself stores unknown names. A remote step used by a task template cannot be deleted. A remote step name is unique.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_remote_step).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the remote step; it identifies the remote step. A changed name (with I(id)) is a replacement.
    type: str
    required: true
  desc:
    description:
    - Description of the step.
    type: str
  actions:
    description:
    - Names of the remote actions the step runs, in order.
    type: list
    elements: str
  id:
    description:
    - 'Id of an existing remote step. When given, the remote step is found by id instead of by name, and a different
      I(name) replaces it: OpenDCP cannot rename.'
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
- name: A remote step running one action
  converge.platforms.opendcp_remote_step:
    url: http://127.0.0.1:18083
    name: greet
    desc: say hello on each node
    actions: [echo]
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(replace) or C(delete).
  returned: always
  type: str
remote_step:
  description: The remote step after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  sample: {id: 1, name: greet, desc: say hello on each node, actions: [echo]}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import RemoteStepSpec


def main():
    run_spec_module(RemoteStepSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
