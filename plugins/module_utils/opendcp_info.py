# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `opendcp_info` reads: every list of OpenDCP, one pool's nodes, the pools of IPs, one flow in detail."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.info_entries import (
    as_entries_field,
    gathered_entries,
    kinds_text,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_snapshot import (
    list_services,
    pools_with_counts,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import (
    action_facts,
    cluster_facts,
    flow_facts,
    remote_step_facts,
    template_facts,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import SPECS
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import find_named
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError, options_argument_spec

SUBSETS = ("clusters", "services", "pools", "task_templates", "task_steps", "remote_steps", "actions", "actimpls",
           "flows")


def _flows(client):
    return [flow_facts(flow) for flow in client.list_tasks()]


GATHERERS = {
    "clusters": lambda client: [cluster_facts(item) for item in client.list_clusters()],
    "services": list_services,
    "pools": lambda client: pools_with_counts(client, client.list_pools()),
    "task_templates": lambda client: [template_facts(item) for item in client.list_templates()],
    "task_steps": lambda client: client.list_task_steps(),
    "remote_steps": lambda client: [remote_step_facts(item) for item in client.list_remote_steps()],
    "actions": lambda client: [action_facts(item) for item in client.list_actions()],
    "actimpls": lambda client: client.list_actimpls(),
    "flows": _flows,
}
#: the kinds whose entries each subset gives with as_entries
SUBSET_KINDS = {
    "clusters": ("opendcp_cluster",),
    "services": ("opendcp_service",),
    "pools": ("opendcp_pool", "opendcp_pool_nodes"),
    "task_templates": ("opendcp_task_template",),
    "remote_steps": ("opendcp_remote_step",),
    "actions": ("opendcp_action",),
    "actimpls": ("opendcp_actimpl",),
}

INFO_FIELDS = {
    "gather_subset": Field("list", "Which lists to read, every page of each: C(clusters), C(services) (of every "
                                   "cluster), C(pools) (with C(node_count), counted through the pools of each "
                                   "service), C(task_templates), C(task_steps) (the steps templates can use), "
                                   "C(remote_steps), C(actions), C(actimpls), C(flows). None by default.",
                           elements="str", choices=SUBSETS, default=[]),
    "pool": Field("str", "Also read the nodes of the pool of this name, returned as C(nodes)."),
    "ips": Field("list", "Also find the pool of each of these IPs, returned as C(pools_by_ip) (C(-1) for an IP in "
                         "no pool).", elements="str"),
    "flow_id": Field("int", "Also read this flow, its nodes by state and its log, returned as C(flow)."),
    "flow_node_id": Field("int", "Also read the log of this flow node (an C(id) from C(flow.detail)), returned as "
                                 "C(node_log)."),
    "as_entries": as_entries_field(
        "For each subset named, its kinds with objects, in import's order: " + kinds_text(SUBSET_KINDS)
        + ". C(flows) and C(task_steps) give none: flows are operations, not configuration, and the steps are "
        "those templates can use, not objects of their own. Objects the platform made itself are taken for every "
        "subset named, as C(reconciler import) takes them for a kind C(--kind) names."),
}


def argument_spec():
    """The info module's own options (no connection options)."""
    return options_argument_spec(INFO_FIELDS)


def gather(client, params):
    """Read the chosen subsets and the pool, IPs, flow and flow node asked for; returns the facts."""
    subsets = params.get("gather_subset") or []
    facts = dict((name, GATHERERS[name](client)) for name in subsets)
    if params.get("pool"):
        pool = find_named(client.list_pools(), params["pool"], "pool", "pool")
        if pool is None:
            raise SpecError("pool", "no OpenDCP pool named %r" % params["pool"])
        facts["nodes"] = client.list_pool_nodes(pool["id"])
    if params.get("ips"):
        facts["pools_by_ip"] = client.search_pools_by_ip(params["ips"])
    if params.get("flow_id") is not None:
        flow = flow_facts(client.get_task(params["flow_id"]))
        flow["detail"] = client.task_detail(params["flow_id"])
        flow["log"] = client.task_log(params["flow_id"])
        facts["flow"] = flow
    if params.get("flow_node_id") is not None:
        facts["node_log"] = client.node_log(params["flow_node_id"])
    if params.get("as_entries"):
        facts["entries"] = gathered_entries(SPECS, client, SUBSET_KINDS, subsets, named=subsets)
    return facts
