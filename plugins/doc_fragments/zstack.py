# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by tools/render_module_docs.py from plugins/module_utils/platforms.py; do not edit by hand.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the ZStack modules, beside the shared ones of connection.py."""

    DOCUMENTATION = r"""
options:
  url:
    description:
    - Base URL of the ZStack API, such as C(http://127.0.0.1:18080) (the C(/zstack/v1) prefix is added).
    - A URL with credentials in it (C(user:password@)) is refused; redirects are followed only to the same scheme,
      host and port, so a password or a session never goes elsewhere.
    - If not set, the environment variable E(ZSTACK_URL) is used.
    type: str
    required: true
  username:
    description:
    - ZStack account name.
    - If not set, the environment variable E(ZSTACK_USERNAME) is used.
    type: str
    default: admin
  password:
    description:
    - Password of the account, in clear; it is sent as its SHA-512 digest, as ZStack requires.
    - If not set, the environment variable E(ZSTACK_PASSWORD) is used.
    type: str
    required: true
  job_timeout:
    description:
    - How long to wait for one asynchronous ZStack job, in seconds.
    type: int
    default: 300
"""
