# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by tools/render_module_docs.py from plugins/module_utils/platforms.py; do not edit by hand.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the migration modules, beside the shared ones of connection.py."""

    DOCUMENTATION = r"""
options:
  url:
    description:
    - Base URL of the migration platform's control service, such as C(https://migration.example.invalid) (the C(/Login),
      C(/MgmtTask), ... paths are added).
    - A URL with credentials in it (C(user:password@)) is refused; redirects are followed only to the same scheme,
      host and port, so a password or a session never goes elsewhere.
    - If not set, the environment variable E(MIGRATION_URL) is used.
    type: str
    required: true
  username:
    description:
    - Account to log in with.
    - If not set, the environment variable E(MIGRATION_USERNAME) is used.
    type: str
    default: admin
  password:
    description:
    - Password of the account. The session token it gives is renewed with C(/ReAuth) when it expires.
    - If not set, the environment variable E(MIGRATION_PASSWORD) is used.
    type: str
    required: true
"""
