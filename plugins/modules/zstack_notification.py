#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zstack_notification
short_description: Mark ZStack notifications read or unread, or delete them
version_added: 0.1.0
description:
- 'A ZStack notification: set its read status, or delete it.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(zstack_notification).
author:
- converge contributors (@converge)
options:
  uuid:
    description:
    - UUID of the notification.
    type: str
    required: true
  status:
    description:
    - Read status to set.
    type: str
    choices:
    - Read
    - Unread
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
- name: Mark a notification read
  converge.platforms.zstack_notification:
    url: http://127.0.0.1:18080
    password: "{{ zstack_password }}"
    uuid: 43edf16acb684fbda048a9a4c9b88817
    status: Read

- name: Delete it
  converge.platforms.zstack_notification:
    uuid: 43edf16acb684fbda048a9a4c9b88817
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(update) or C(delete).
  returned: always
  type: str
notification:
  description: The notification after the run; null once deleted.
  returned: always
  type: dict
  sample:
    uuid: 43edf16acb684fbda048a9a4c9b88817
    status: Read
    type: Info
"""


from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import NotificationSpec
from ansible_collections.converge.platforms.plugins.module_utils.zstack import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)


def main():
    run_spec_module(NotificationSpec(), ConnectionSpec("zstack", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
