# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the ZStack kinds, a file per kind: tags, license, GC jobs, long jobs, notifications."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.base import ZStackSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.gc_job import GcJobSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.license import LicenseSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.long_job import LongJobSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.notification import NotificationSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.tags import (
    SystemTagSpec,
    TagSpec,
    UserTagSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.zstack_inventory import (
    chunks,
    from_inventory,
    snake,
    snake_keys,
)

__all__ = ["SPECS", "GcJobSpec", "LicenseSpec", "LongJobSpec", "NotificationSpec", "SystemTagSpec", "TagSpec",
           "UserTagSpec", "ZStackSpec", "chunks", "from_inventory", "snake", "snake_keys"]

SPECS = [SystemTagSpec(), UserTagSpec(), LicenseSpec(), GcJobSpec(), LongJobSpec(), NotificationSpec()]
