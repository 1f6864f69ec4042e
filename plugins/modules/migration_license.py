#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_license
short_description: Install or delete the license of the migration platform
version_added: 0.2.0
description:
- 'The license of the migration platform: how long it may be used and how many migrations (credits) it allows.'
- 'Each new task takes a credit; deleting a task that has not finished gives it back. The platform cannot show which
  activation key installed its license, only the license''s id, which a key fixes, and it has no way to test a key
  without installing it. So the key is installed when no license is installed, when the installed one has expired,
  or when I(license_id) names a different license than the installed one; the result''s C(license.id) is the I(license_id)
  of a key. When I(license_id) names the installed license, nothing is sent. Without I(license_id), the key is sent
  on every run: a key the platform refuses fails naming I(activation_key), and the run reports a change only when
  the license installed differs from the one before (check mode cannot know, and reports the check as a change).
  C(state=absent) deletes the license.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(migration_license).
author:
- converge contributors (@converge)
options:
  activation_key:
    description:
    - The activation key. Mutually exclusive with I(activation_key_file).
    type: str
  activation_key_file:
    description:
    - File on the controller holding the activation key.
    type: path
  license_id:
    description:
    - Id of the license the key installs (C(license.id) of an earlier run); the key is installed when the installed
      license has another id.
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
- converge.platforms.migration
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Install the license from a vaulted activation key
  converge.platforms.migration_license:
    url: https://migration.example.invalid
    password: "{{ migration_password }}"
    activation_key: "{{ vault_migration_activation_key }}"

- name: Install a new key once (its license id is known from an earlier run)
  converge.platforms.migration_license:
    activation_key_file: files/migration-2027.key
    license_id: 0b5d1e8c-7f1a-5c3e-9d2b-4a6f8e0c1d2e

- name: Remove the license
  converge.platforms.migration_license:
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(create) or C(update) (the key is installed), or C(delete).
  returned: always
  type: str
note:
  description: Why a change is planned the way it is, when that needs saying.
  returned: when there is one
  type: str
license:
  description: The license after the run (the activation key is never returned); null once deleted.
  returned: always
  type: dict
  sample:
    id: a85d6061-e25f-4abc-854b-a6010e99d69f
    credits: 100
    used: 4
    expire_time: "2027-01-10T16:10:10+08:00"
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import LicenseSpec


def main():
    run_spec_module(LicenseSpec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
