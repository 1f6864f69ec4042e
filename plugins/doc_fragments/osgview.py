# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by tools/render_module_docs.py from plugins/module_utils/platforms.py; do not edit by hand.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the OSG view modules, beside the shared ones of connection.py."""

    DOCUMENTATION = r"""
options:
  url:
    description:
    - Base URL of the OSG view server, such as C(http://127.0.0.1:18084) (the C(/osgview/...) paths are added).
    - The API has no login; OSG view answers status 400 for a group the caller may not use.
    - A URL with credentials in it (C(user:password@)) is refused; redirects are followed only to the same scheme,
      host and port, so a password or a session never goes elsewhere.
    - If not set, the environment variable E(OSGVIEW_URL) is used.
    type: str
    required: true
"""
