# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What both VSD kinds share: the options naming a VM, and the name of a rollback."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError

ROLLBACK = "rollback"


def scope_fields():
    """The options naming a VM: cluster, optional tenant, and the VM's uuid or name."""
    return {
        "cluster_uuid": Field("str", "UUID of the cluster the VM runs in.", required=True),
        "tenant": Field("str", "UUID of the tenant the VM belongs to. When set, the VM must belong to it; when "
                               "not set, the tenant is not checked.", compare=False),
        "compute_uuid": Field("str", "UUID of the VM. One of I(compute_uuid) or I(compute_name) is required."),
        "compute_name": Field("str", "Name of the VM within the cluster (and tenant), when I(compute_uuid) is not "
                                     "given. The document lists only C(compute_uuid) for reads, so a platform that "
                                     "does not accept names there needs I(compute_uuid).", compare=False),
    }


def check_scope(desired):
    """A VM must be named; raise SpecError naming the option otherwise."""
    if not desired.get("compute_uuid") and not desired.get("compute_name"):
        raise SpecError("compute_uuid", "one of compute_uuid or compute_name is required")
    if not (desired.get("cluster_uuid") or "").strip():
        raise SpecError("cluster_uuid", "must not be empty")
