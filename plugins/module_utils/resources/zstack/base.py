# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the ZStack kinds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.spec import ResourceSpec


class ZStackSpec(ResourceSpec):
    """The base of the ZStack kinds: every write goes under an X-Job-UUID, which the client resends itself."""

    platform = "zstack"
    keyed_writes = True
