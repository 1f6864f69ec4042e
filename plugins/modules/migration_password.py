#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_password
short_description: Change the password of a migration platform account
version_added: 0.2.0
description:
- The password of the account the module logs in with (I(username)).
- 'The module first tries to log in with I(new_password): when that works, the password is already set and nothing
  changes. Otherwise it logs in with I(password) and changes the password with C(ChangePassword). A new password
  has 6 to 20 characters of at least two kinds (letters, digits, other symbols).'
- Idempotent; supports check mode and diff mode (diff shows only what changes).
author:
- converge contributors (@converge)
options:
  new_password:
    description:
    - The password to set.
    type: str
    required: true
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
- name: Replace the initial admin password
  converge.platforms.migration_password:
    url: https://migration.example.invalid
    username: admin
    password: "{{ migration_initial_password }}"
    new_password: "{{ vault_migration_password }}"
"""

RETURN = r"""
action:
  description: C(noop) when I(new_password) already logs in, else C(update).
  returned: always
  type: str
note:
  description: Why a change is planned the way it is, when that needs saying.
  returned: when there is one
  type: str
account:
  description: The account and whether its password is now I(new_password).
  returned: always
  type: dict
  sample:
    username: admin
    password_set: true
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import PasswordSpec


def main():
    run_spec_module(PasswordSpec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
