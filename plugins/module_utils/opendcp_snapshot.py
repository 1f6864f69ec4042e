# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consistent reads of OpenDCP pools: their node counts, failed nodes and moving flows taken as one snapshot.

OpenDCP counts a pool's nodes only in `/service/{id}/list_pools`, and a node joins or leaves a pool when its
flow node ends (README, "How the real OpenDCP server answers"): these readers put the counts and the flows
together so that a node is never missed twice over.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpError, concurrently
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import EXPAND, SHRINK, failed_facts

#: reads of a pool's node counts and flows before a consistent pair is taken as it is
SNAPSHOT_ATTEMPTS = 5
#: a pool node's status after a flow failed on it; any other status (0 for a host added by IP on the real server,
#: 1 or 2 after a flow) is a working node (README)
NODE_FAILED = 3


def list_services(client):
    """Every service of every cluster, the clusters read concurrently (OpenDCP lists services only per cluster)."""
    lists = concurrently(client.list_cluster_services, [cluster["id"] for cluster in client.list_clusters()])
    return [item for items in lists for item in items]


def get_or_none(read, object_id):
    """`read(object_id)`, None when OpenDCP answers that there is no such object (code 404)."""
    try:
        return read(object_id)
    except OpenDcpError as exc:
        if exc.code == 404 or exc.status == 404:
            return None
        raise


def pool_owners(client, service_ids):
    """{service id: (service name, {pool id: node count})}, each service read concurrently.

    The counts come from the service's `list_pools`, the one answer where OpenDCP counts a pool's nodes.
    """
    def owner(service_id):
        service = get_or_none(client.get_service, service_id) or {}
        return service.get("name"), client.pool_node_counts(service_id)

    service_ids = sorted(set(service_ids))
    return dict(zip(service_ids, concurrently(owner, service_ids)))  # noqa: B905 - for Pythons before 3.10


def counts_and_flows(client, pools):
    """`(pool_owners, failed nodes by pool id, flows)` read so that no expand or shrink flow of these pools moved
    while nodes were counted.

    A node joins (or leaves) a pool when its flow node ends: nodes counted before that and flows read after
    it would miss the node twice over (and plan a second expand). The flows are read before and after the
    counts and the failed nodes, and all is read again while the pools' flows differ between the two reads.
    """
    names = set(pool.get("name") for pool in pools)
    service_ids = [pool.get("service_id") for pool in pools]
    before = client.list_tasks()
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        owners = pool_owners(client, service_ids)
        failed = failed_nodes_by_pool(client, pools, owners)
        after = client.list_tasks()
        if moving_flows(before, names) == moving_flows(after, names):
            break
        before = after
    return owners, failed, after


def failed_nodes_by_pool(client, pools, owners):
    """{pool id: its failed nodes, `[{id, ip}]`}, from the `list_nodes` of each pool that has nodes (concurrently).

    A flow that fails on a node leaves it in the pool with status 3, and OpenDCP counts it in `node_count`; an
    expand whose create_vm failed leaves one with no machine whose ip is its own id (README). It is no working
    node: it does not count toward a pool's size, and a shrink never chooses it.
    """
    counted = [pool["id"] for pool in pools if owners[pool.get("service_id")][1].get(pool["id"])]
    lists = concurrently(client.list_pool_nodes, counted)
    return dict((pool_id, [failed_facts(node) for node in nodes if not is_working(node)])
                for pool_id, nodes in zip(counted, lists))  # noqa: B905 - for Pythons before 3.10


def is_working(node):
    """Whether a pool node is a working one: any status but failed (3)."""
    return node.get("status") != NODE_FAILED


def moving_flows(flows, pool_names):
    """The state and node counts of every expand and shrink flow of the named pools."""
    names = set("%s_%s" % (kind, name) for kind in (EXPAND, SHRINK) for name in pool_names)
    return sorted((flow.get("id"), flow.get("state"), list(flow.get("Stat") or flow.get("stat") or []))
                  for flow in flows if flow.get("task_name") in names)


def pools_with_counts(client, pools):
    """Pools of `/pool/list` with their true `node_count` (that list always answers 0)."""
    owners = pool_owners(client, [pool.get("service_id") for pool in pools])
    return [dict(pool, node_count=owners[pool.get("service_id")][1].get(pool["id"], 0)) for pool in pools]
