# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by tools/render_module_docs.py from plugins/module_utils/platforms.py; do not edit by hand.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the VSD modules (the VSD API documents no login), beside the shared ones of connection.py."""

    DOCUMENTATION = r"""
options:
  url:
    description:
    - Base URL of the VSD API, such as C(http://127.0.0.1:18081) (the C(/v1/compute) paths are added).
    - A URL with credentials in it (C(user:password@)) is refused; redirects are followed only to the same scheme,
      host and port, so a password or a session never goes elsewhere.
    - If not set, the environment variable E(VSD_URL) is used.
    type: str
    required: true
"""
