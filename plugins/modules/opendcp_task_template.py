#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_task_template
short_description: Manage OpenDCP task templates
version_added: 0.2.0
description:
- 'An OpenDCP task template: the steps a flow runs on each node, in order.'
- 'Each step names a built-in step (C(create_vm), C(return_vm), C(register), C(unregister)) or a remote step, with
  C(param_values) and C(retry) (C(retry_times), C(ignore_error)). Every name must be on OpenDCP''s task step list
  (or, in the reconciler, be a remote step of the same desired state): the names are checked before anything is
  written, in check mode too. An expand template must start with C(create_vm) and a shrink template end with C(return_vm).
  A template name is unique.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_task_template).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the task template; it identifies the task template. A changed name (with I(id)) is a replacement.
    type: str
    required: true
  desc:
    description:
    - Description of the template.
    type: str
  steps:
    description:
    - Steps in order, each a mapping with C(name), C(param_values) (a mapping, default empty) and C(retry) (C(retry_times)
      default 0, C(ignore_error) default false).
    type: list
    elements: dict
    suboptions:
      name:
        description:
        - 'Name of the step: a built-in step (C(create_vm), C(return_vm), C(register), C(unregister)) or a remote
          step.'
        type: str
        required: true
      param_values:
        description:
        - Values of the step's parameters, by name; empty when not given.
        type: dict
      retry:
        description:
        - How the step is tried again on a node where it failed.
        type: dict
        suboptions:
          retry_times:
            description:
            - How many times the step is tried again; 0 when not given.
            type: int
          ignore_error:
            description:
            - Whether the node goes on with the next step when this one failed; false when not given.
            type: bool
  id:
    description:
    - 'Id of an existing task template. When given, the task template is found by id instead of by name, and a different
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
- name: A template that creates hosts, then runs a remote step on them
  converge.platforms.opendcp_task_template:
    url: http://127.0.0.1:18083
    name: expand-frontend
    desc: create hosts and greet them
    steps:
      - name: create_vm
        param_values: {vm_type_id: 1}
        retry: {retry_times: 2, ignore_error: false}
      - name: greet
        param_values: {echo_word: hello}

- name: A shrink template
  converge.platforms.opendcp_task_template:
    name: shrink-frontend
    steps:
      - name: return_vm
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(replace) or C(delete).
  returned: always
  type: str
task_template:
  description: The template after the run (predicted in check mode), steps with their defaults filled in; null once
    deleted.
  returned: always
  type: dict
  sample: {id: 1, name: shrink-frontend, desc: "",
           steps: [{name: return_vm, param_values: {}, retry: {retry_times: 0, ignore_error: false}}]}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import TaskTemplateSpec


def main():
    run_spec_module(TaskTemplateSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
