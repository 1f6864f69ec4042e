# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the migration platform: clouds, transport servers, source hosts, vSphere platforms,
migration tasks, the license and the account password; a file per kind.

Objects are identified by name and refer to each other by name; a reference is turned into the
platform's id only when a write needs it, so the reconciler can plan a whole chain before any of it
exists. A change the platform cannot make (a field its Update call does not take, or a task setting
its rules lock at this point) fails naming the option instead of replacing the object: tasks hold
license credits and copied data, and servers and hosts have dependants. How the platform spells
each field is in module_utils/migration_wire.py, next to the client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.cloud_connection import (
    CloudConnectionSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.license import LicenseSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.password import PasswordSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.source_host import (
    SourceHostSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.task import TaskSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.transport_server import (
    TransportServerSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.vsphere_platform import (
    VspherePlatformSpec,
)

__all__ = ["SPECS", "CloudConnectionSpec", "LicenseSpec", "PasswordSpec", "SourceHostSpec", "TaskSpec",
           "TransportServerSpec", "VspherePlatformSpec"]

SPECS = [CloudConnectionSpec(), TransportServerSpec(), SourceHostSpec(), VspherePlatformSpec(), TaskSpec(),
         LicenseSpec(), PasswordSpec()]
