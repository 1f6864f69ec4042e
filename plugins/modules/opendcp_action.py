#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_action
short_description: Manage OpenDCP remote actions and their declared parameters
version_added: 0.2.0
description:
- 'An OpenDCP remote action: a named command with declared parameters.'
- 'I(params) declares each parameter''s type, such as C({"echo_word": "string", "times": "integer"}); names must
  be ASCII identifiers. The action''s implementation (M(converge.platforms.opendcp_actimpl)) is a template using
  these parameters. An action used by a remote step cannot be deleted. An action name is unique.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_action).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the remote action; it identifies the remote action. A changed name (with I(id)) is a replacement.
    type: str
    required: true
  desc:
    description:
    - Description of the action.
    type: str
  params:
    description:
    - 'Declared parameters: name to type (C(string), C(integer), C(number), C(boolean), C(list), C(map)).'
    type: dict
  id:
    description:
    - 'Id of an existing remote action. When given, the remote action is found by id instead of by name, and a different
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
- name: A remote action with one string parameter
  converge.platforms.opendcp_action:
    url: http://127.0.0.1:18083
    name: echo
    desc: print a word
    params:
      echo_word: string
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(replace) or C(delete).
  returned: always
  type: str
remote_action:
  description: The remote action after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  sample: {id: 1, name: echo, desc: print a word, params: {echo_word: string}}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import ActionSpec


def main():
    run_spec_module(ActionSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
