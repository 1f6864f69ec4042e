# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from ansible_collections.converge.platforms.plugins.module_utils.templating import render

DOCUMENTATION = r"""
name: render_action
author:
  - converge contributors (@converge)
positional: _input, params, declared
short_description: Render an OpenDCP remote action template with checked parameters
version_added: 0.2.0
description:
  - Renders the template of an OpenDCP remote action implementation (an Ansible task in JSON whose strings use the
    action's parameters as Jinja2 variables) in a sandboxed Jinja2 environment where an undefined name is an error.
  - Before anything renders, every variable the template uses must be a declared parameter, every value must name a
    declared parameter and match its declared type (C(string), C(integer), C(number), C(boolean), C(list), C(map)),
    and every variable used must have a value. A failure names what is wrong.
  - Values are data. The module must be named as it is (a placeholder in C(action.module) is an error). In the
    action of C(shell), C(command), C(raw), C(script), C(expect) and C(longscript) every value is shell-quoted unless
    the template says C(| verbatim); in the action of C(win_shell), C(win_command), C(psexec) and other modules that
    run a command no one quoting protects, a value may be placed only with C(| verbatim).
  - Every value the template makes is at most 64 KiB; a larger one is an error naming the template's place.
  - The same renderer checks templates in M(converge.platforms.opendcp_actimpl) and in the reconciler.
options:
  _input:
    description: 'The template, such as C({"action": {"module": "shell", "args": "echo {{echo_word}}"}}).'
    type: dict
    required: true
  params:
    description: 'The parameter values, such as C({"echo_word": "hello"}).'
    type: dict
    required: true
  declared:
    description: 'The declared parameters of the action, name to type, such as C({"echo_word": "string"}).'
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Render the echo action for one node
  ansible.builtin.debug:
    msg: "{{ echo_template | converge.platforms.render_action({'echo_word': 'hello'}, {'echo_word': 'string'}) }}"
  vars:
    echo_template:
      action:
        module: shell
        args: !unsafe "echo {{echo_word}}"

- name: Render an action read from OpenDCP with its declared parameters
  ansible.builtin.set_fact:
    task: "{{ impl.template | converge.platforms.render_action(step_params, action.params) }}"
"""

RETURN = r"""
_value:
  description: 'The template with every string rendered, such as
    C({"action": {"module": "shell", "args": "echo hello"}}).'
  type: dict
"""


def render_action(template, params, declared):
    """The template rendered with `params` after checking them against `declared`."""
    if not isinstance(template, dict):
        raise AnsibleFilterError("render_action: the template must be a mapping, got %s" % type(template).__name__)
    try:
        return render(template, dict(params or {}), dict(declared or {}))
    except SpecError as exc:
        raise AnsibleFilterError("render_action: %s" % exc)


class FilterModule(object):
    """converge.platforms.render_action."""

    def filters(self):
        return {"render_action": render_action}
