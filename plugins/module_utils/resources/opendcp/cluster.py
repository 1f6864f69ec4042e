# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP clusters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import cluster_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import crud_calls
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    named_fields,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field

DEFAULT_BIZ = "1"


class ClusterSpec(OpenDcpSpec):
    """An OpenDCP cluster: a product line's group of services.

    A cluster with services cannot be deleted.
    """

    kind = "opendcp_cluster"
    result_key = "cluster"
    description = "Manage OpenDCP clusters."
    fields = named_fields(
        "cluster",
        desc=Field("str", "Description of the cluster."),
        biz=Field("str", "Product line of the cluster; C(1), the document's usual value, when a cluster is "
                         "created without one."))

    get_call, create_call, update_call, delete_call = crud_calls("cluster")
    sent_fields = ("desc", "biz")

    def facts(self, item):
        return cluster_facts(item)

    def list_live(self, client, desired_list):
        return [cluster_facts(item) for item in client.list_clusters()]

    def create_args(self, client, desired):
        """A new cluster's product line is C(1) unless given; an update keeps the live one."""
        return OpenDcpSpec.create_args(self, client, dict(desired, biz=desired.get("biz") or DEFAULT_BIZ))
