#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_actimpl
short_description: Manage the implementations (Ansible task templates) of OpenDCP remote actions
version_added: 0.2.0
description:
- 'The implementation of an OpenDCP remote action: an Ansible task in JSON with Jinja2 placeholders.'
- 'I(template) is such as C({"action": {"module": "shell", "args": "echo {{echo_word}}"}}). Every variable it uses
  must be a parameter its action declares; that is checked with the action as it is on OpenDCP right before the
  implementation is written, and nothing is written when it fails (the reconciler''s C(validate) checks it offline
  too, against the action in the same desired state). OpenDCP finds an implementation by its action''s id.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_actimpl).
author:
- converge contributors (@converge)
options:
  action:
    description:
    - Name of the remote action this implements; it identifies the implementation.
    type: str
    required: true
  type:
    description:
    - Type of the implementation.
    type: str
    default: ansible
  template:
    description:
    - 'The Ansible task as JSON: C(action) with C(module) and its C(args) (or other keys), whose strings may use
      the action''s parameters as Jinja2 variables. Required with C(state=present).'
    type: dict
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
- name: Implement the echo action as an Ansible shell task
  converge.platforms.opendcp_actimpl:
    url: http://127.0.0.1:18083
    action: echo
    template:
      action:
        module: shell
        args: "echo {{ '{{' }}echo_word{{ '}}' }}"
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(replace) or C(delete).
  returned: always
  type: str
actimpl:
  description: The implementation after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  sample: {id: 1, action: echo, action_id: 1, type: ansible, template: {action: {module: shell, args: "echo {{echo_word}}"}}}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import ActImplSpec


def main():
    run_spec_module(ActImplSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
