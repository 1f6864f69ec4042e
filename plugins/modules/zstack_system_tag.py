#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zstack_system_tag
short_description: Manage ZStack system tags
version_added: 0.1.0
description:
- Manage ZStack system tags.
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(zstack_system_tag).
author:
- converge contributors (@converge)
options:
  resource_uuid:
    description:
    - UUID of the resource the tag is attached to.
    type: str
    required: true
  resource_type:
    description:
    - ZStack resource type of that resource, such as C(VmInstanceVO) or C(HostVO).
    type: str
    required: true
  tag:
    description:
    - The tag text, such as C(ha::NeverStop).
    type: str
    required: true
  replaces:
    description:
    - Text of an existing tag on the same resource that this tag supersedes. When that tag exists and the new one
      does not, it is changed into the new one (system tags in place through UpdateSystemTag; user tags, which ZStack
      cannot update, are deleted and created again).
    type: str
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
- converge.platforms.zstack
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Keep a VM running whatever happens
  converge.platforms.zstack_system_tag:
    url: http://127.0.0.1:18080
    username: admin
    password: "{{ zstack_password }}"
    resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70
    resource_type: VmInstanceVO
    tag: ha::NeverStop

- name: Raise a host's reserved memory, changing the existing tag in place
  converge.platforms.zstack_system_tag:
    resource_uuid: c3f8b2dde43b4d5eaa9c4dbe6f7a8b92
    resource_type: HostVO
    tag: reservedMemory::2G
    replaces: reservedMemory::1G

- name: Remove the tag
  converge.platforms.zstack_system_tag:
    resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70
    resource_type: VmInstanceVO
    tag: ha::NeverStop
    state: absent
"""

RETURN = r"""
action:
  description: What the module did (or would do in check mode) - C(noop), C(create), C(update), C(replace) or C(delete).
  returned: always
  type: str
  sample: create
tag:
  description: The tag after the run, in snake_case; null once deleted.
  returned: always
  type: dict
  sample:
    uuid: 55d86810cb564ecc934fa79d498b9dc3
    resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70
    resource_type: VmInstanceVO
    tag: ha::NeverStop
    type: System
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import SystemTagSpec
from ansible_collections.converge.platforms.plugins.module_utils.zstack import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)


def main():
    run_spec_module(SystemTagSpec(), ConnectionSpec("zstack", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
