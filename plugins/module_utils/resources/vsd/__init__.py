# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the VSD kinds, a file per kind: VM snapshots, and the batch volume rollback."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd.scope import (
    ROLLBACK,
    check_scope,
    scope_fields,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd.snapshot import HEAD_NODE, SnapshotSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd.volume_rollback import (
    DISK_SNAPSHOT_OPTIONS,
    VolumeSnapshotRollbackSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.vsd_facts import (
    disk_snapshot_facts,
    disk_snapshot_info,
    snapshot_facts,
    tree_facts,
)

__all__ = ["DISK_SNAPSHOT_OPTIONS", "HEAD_NODE", "ROLLBACK", "SPECS", "SnapshotSpec", "VolumeSnapshotRollbackSpec",
           "check_scope", "disk_snapshot_facts", "disk_snapshot_info", "scope_fields", "snapshot_facts", "tree_facts"]

SPECS = [SnapshotSpec(), VolumeSnapshotRollbackSpec()]
