# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts recorded in an OpenDCP pool by IP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import concurrently
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import OpenDcpSpec, find_named
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    DELETE,
    NOOP,
    UPDATE,
    Change,
    Field,
    SpecError,
)
from ansible_collections.converge.platforms.plugins.module_utils.validate import FORMATS, ConstraintError


class PoolNodesSpec(OpenDcpSpec):
    """Hosts recorded in an OpenDCP pool by IP, without creating or returning machines.

    With C(state=present) the listed IPs are added to the pool (with I(exclusive), nodes not listed are removed);
    with C(state=absent) the listed IPs are removed. An IP belongs to at most one pool. Do not combine with the
    I(size) of M(converge.platforms.opendcp_pool) on the same pool: both change its nodes.
    """

    kind = "opendcp_pool_nodes"
    ownership = None
    #: a node has no field for a marker, and `/pool/{id}/remove_nodes` removes it: owned through the ledger (prune
    #: removes the nodes this owner added, as the ledger holds them)
    ledger_owned = True
    # a pool's nodes follow its size (the pool's expand and shrink flows make and remove them), and the pool's
    # entry carries that size: import and unmanaged take them apart only when asked for by kind
    made_by_platform = True
    result_key = "pool_nodes"
    label = "pool"
    description = "Add hosts to, or remove them from, an OpenDCP pool."
    identity = ("pool",)
    fields = {
        "pool": Field("str", "Name of the pool.", required=True, reference="opendcp_pool"),
        "nodes": Field("list", "IP addresses of the hosts. With C(state=absent), a failed node an expand left with "
                               "no machine is named by the ip OpenDCP shows for it: its node id, such as C('2').",
                       elements="str", required=True),
        "exclusive": Field("bool", "With C(state=present), also remove the pool's nodes that are not listed.",
                           default=False, compare=False),
    }

    def check(self, desired):
        """Every node is an IP address; to remove one, also the ip a failed node without a machine shows (its id)."""
        OpenDcpSpec.check(self, desired)
        absent = desired.get("state") == "absent"
        for index, node in enumerate(desired.get("nodes") or []):
            try:
                FORMATS["ip"](node)
            except ConstraintError as exc:
                if not absent:
                    raise SpecError("nodes[%d]" % index, str(exc))
                if not (node.isascii() and node.isdigit()):
                    raise SpecError("nodes[%d]" % index, "must be an IP address or the ip of a failed node (its node "
                                                         "id, such as '2'), got %r" % node)

    def read_many(self, client, desired_list):
        pools = client.list_pools()
        result = []
        for desired in desired_list:
            pool = find_named(pools, desired["pool"], "pool", "pool")
            result.append(self._pool_nodes(client, pool) if pool is not None else None)
        return result

    def read_all(self, client, within=None):
        """The nodes of every pool that holds a host (a pool's `list_nodes` each, read concurrently)."""
        lives = concurrently(lambda pool: self._pool_nodes(client, pool), client.list_pools())
        return [live for live in lives if hosts_of(live)]

    def entry_of(self, live):
        """The pool's hosts by IP; a failed node an expand left with no machine (its ip is its node id) is no
        host to keep, and an entry could not name it."""
        entry = OpenDcpSpec.entry_of(self, live)
        entry["nodes"] = hosts_of(live)
        return entry

    @staticmethod
    def _pool_nodes(client, pool):
        """A pool's nodes as the kind reads them: the pool's name and id, its nodes' ips and their node ids."""
        nodes = client.list_pool_nodes(pool["id"])
        return {"pool": pool["name"], "pool_id": pool["id"], "nodes": [n["ip"] for n in nodes],
                "node_ids": dict((n["ip"], n["id"]) for n in nodes)}

    def _target(self, desired, live):
        have = list((live or {}).get("nodes") or [])
        wanted = list(dict.fromkeys(desired.get("nodes") or []))
        if desired.get("state") == "absent":
            return [ip for ip in have if ip not in wanted]
        keep = [ip for ip in have if ip in wanted or not desired.get("exclusive")]
        return keep + [ip for ip in wanted if ip not in keep]

    def plan(self, desired, live):
        if live is None:
            if desired.get("state") == "absent":
                return Change(self, NOOP, desired, None)
            return Change(self, CREATE, desired, None)
        target = self._target(desired, live)
        if sorted(target) == sorted(live["nodes"]):
            return Change(self, NOOP, desired, live)
        action = DELETE if desired.get("state") == "absent" else UPDATE
        return Change(self, action, desired, live, {"nodes": (sorted(live["nodes"]), sorted(target))})

    def apply(self, client, change):
        """Remove, then add, the nodes that differ: two writes, each through the verified-write path (a lost
        answer is read back by IP before anything is sent again)."""
        if change.action == NOOP:
            return change.live
        desired = change.desired
        live = change.live or self._pool_live(client, desired)
        target = self._target(desired, live)
        leaving = [ip for ip in live["nodes"] if ip not in target]
        coming = [ip for ip in target if ip not in live["nodes"]]
        if leaving:
            node_ids = [live["node_ids"][ip] for ip in leaving]
            self.verified(client, desired, "remove_nodes", lambda: client.remove_pool_nodes(live["pool_id"], node_ids),
                          lambda now: now is not None and not set(leaving) & set(now["nodes"]))
        if coming:
            self.verified(client, desired, "add_nodes", lambda: client.add_pool_nodes(live["pool_id"], coming),
                          lambda now: now is not None and set(coming) <= set(now["nodes"]))
        return self.read(client, desired)

    def _pool_live(self, client, desired):
        live = self.read(client, desired)
        if live is None:
            raise SpecError("pool", "no OpenDCP pool named %r" % desired["pool"])
        return live

    def predict(self, change):
        return {"pool": change.desired["pool"], "nodes": sorted(self._target(change.desired, change.live))}


def hosts_of(live):
    """The ips of a pool's nodes that are IP addresses: all but the failed nodes an expand left with no machine."""
    return [ip for ip in live["nodes"] if is_ip(ip)]


def is_ip(text):
    """Whether `text` is an IP address (the `ip` format of the options)."""
    try:
        FORMATS["ip"](text)
    except ConstraintError:
        return False
    return True
