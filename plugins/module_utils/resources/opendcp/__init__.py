# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the OpenDCP kinds, a file per kind: clusters, services, pools and their nodes, task
templates, remote steps, remote actions and their implementations, and flows.

OpenDCP objects have integer ids; converge finds them by name and refers to one another by name
(a service's cluster, a pool's service, a remote step's actions). OpenDCP's update replaces every
field and never changes the name (README, "How the real OpenDCP server answers"), so an update
sends the whole object, the live values merged with the desired ones, and a changed name is a
replacement (`base.OpenDcpSpec`). The wire mappers, the consistent pool snapshot and the flow
waiting live next to the client (`opendcp_wire`, `opendcp_snapshot`, `opendcp_flows`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.actimpl import ActImplSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.action import ActionSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import OpenDcpSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.cluster import ClusterSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.flow import FlowSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.pool import PoolSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.pool_nodes import PoolNodesSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.remote_step import RemoteStepSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.service import ServiceSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.task_template import (
    TaskTemplateSpec,
)

__all__ = ["SPECS", "ActImplSpec", "ActionSpec", "ClusterSpec", "FlowSpec", "OpenDcpSpec", "PoolNodesSpec",
           "PoolSpec", "RemoteStepSpec", "ServiceSpec", "TaskTemplateSpec"]

SPECS = [
    ClusterSpec(),
    ServiceSpec(),
    PoolSpec(),
    PoolNodesSpec(),
    TaskTemplateSpec(),
    RemoteStepSpec(),
    ActionSpec(),
    ActImplSpec(),
    FlowSpec(),
]
