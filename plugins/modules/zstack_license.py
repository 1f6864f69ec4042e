#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zstack_license
short_description: Install or reload the license of a ZStack management node
version_added: 0.1.0
description:
- The license of a ZStack management node.
- ZStack cannot show an installed license, so on each update the spec records a fingerprint (SHA-256 of the license
  and of the license information it produced) in a user tag on the management node; the license is unchanged while
  that tag matches both.
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(zstack_license).
author:
- converge contributors (@converge)
options:
  management_node_uuid:
    description:
    - Management node to license. Defaults to the first management node.
    type: str
  license:
    description:
    - The license, base64-encoded as ZStack expects it. Mutually exclusive with I(license_file).
    type: str
  license_file:
    description:
    - Path of a license file on the controller; its content is base64-encoded before upload.
    type: path
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    - 'C(reloaded): the license is reloaded (always reports a change).'
    type: str
    default: present
    choices:
    - present
    - reloaded
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
- name: Install the license file (uploaded base64-encoded)
  converge.platforms.zstack_license:
    url: http://127.0.0.1:18080
    password: "{{ zstack_password }}"
    license_file: files/zstack.lic

- name: Install a license given as base64 text from a vault variable
  converge.platforms.zstack_license:
    license: "{{ vault_zstack_license_b64 }}"

- name: Reload the license of the first management node
  converge.platforms.zstack_license:
    state: reloaded
"""

RETURN = r"""
action:
  description: C(noop), C(update) or C(reload).
  returned: always
  type: str
license:
  description: License information of the management node after the run (the license itself is never returned).
  returned: always
  type: dict
  sample:
    license_type: Paid
    user: example
    host_num: 10
    expired: false
    management_node_uuid: 8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b
    license_sha256: 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
"""


from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import LicenseSpec
from ansible_collections.converge.platforms.plugins.module_utils.zstack import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)


def main():
    run_spec_module(LicenseSpec(), ConnectionSpec("zstack", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
