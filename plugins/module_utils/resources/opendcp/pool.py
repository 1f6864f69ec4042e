# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP service pools and their size, reached through expand and shrink flows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import FLOW_INIT, FLOW_RUNNING, OpenDcpError
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_flows import wait_flow
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_snapshot import (
    counts_and_flows,
    failed_nodes_by_pool,
    is_working,
    list_services,
    pool_owners,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import (
    EXPAND,
    SHRINK,
    names_by_id,
    pool_facts,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import crud_calls
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    merged,
    named_fields,
    require_named,
    require_present,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    DELETE,
    NOOP,
    REPLACE,
    UPDATE,
    Change,
    Field,
    Reference,
    ResourceSpec,
    SpecError,
)

#: the pool operations that run a task template, each named in `tasks` (README)
TASK_OPTIONS = dict((operation, Field("raw", "Name (or id) of the task template that runs the pool's %s." % operation))
                    for operation in ("expand", "shrink", "deploy"))


class PoolSpec(OpenDcpSpec):
    """An OpenDCP service pool: the hosts one service runs on.

    I(tasks) names the task template of each pool operation (C(expand), C(shrink), C(deploy)); OpenDCP runs a
    pool operation only when its template is named there.

    I(size) is the number of working nodes the pool should have. A larger size starts an C(expand_<pool>) flow
    creating the missing hosts; a smaller one a C(shrink_<pool>) flow returning working hosts, the newest first. Nodes
    still on their way in or out through a running flow count as already there, so a second run while the flow
    runs changes nothing. With I(wait) the module waits until the flow ends and fails when any of its nodes failed,
    quoting the lines of the flow log that say why.

    A node a flow failed on (status 3) is no working node and does not count toward the size. A failed expand
    leaves such nodes in the pool (one whose create_vm failed, as when OpenDCP cannot reach its VM manager, shows
    its node id as its ip). While a pool short of its size holds failed nodes, no expand is started, in check mode
    and in the reconciler's plan too: the run fails naming them, since another expand would most likely fail the
    same way and leave more of them. Fix what made the expand fail, remove the failed nodes
    (M(converge.platforms.opendcp_pool_nodes) with C(state=absent) and their ips), then run again. A shrink never
    chooses a failed node.

    The service of a pool cannot change: a different I(service) is a replacement, and a pool with nodes cannot be
    deleted.
    """

    kind = "opendcp_pool"
    result_key = "pool"
    description = "Manage OpenDCP service pools and their size."
    get_call, create_call, update_call, delete_call = crud_calls("pool")
    waits = True
    fields = named_fields(
        "pool",
        service=Field("str", "Name of the service the pool belongs to; it cannot change. Required with "
                             "C(state=present).", reference="opendcp_service", updatable=False),
        desc=Field("str", "Description of the pool."),
        vm_type=Field("int", "Id of the virtual machine template new hosts are created from.", min=0),
        sd_id=Field("int", "Id of the service discovery the pool's hosts are registered with.", min=0),
        tasks=Field("dict", "Task template of each pool operation: keys C(expand), C(shrink), C(deploy); values "
                            "template names (or ids).", options=TASK_OPTIONS),
        size=Field("int", "Number of working nodes the pool should have, reached through expand and shrink flows. "
                          "Failed nodes (status 3, such as those a failed expand leaves) do not count, and while "
                          "the pool holds any, a larger size is refused naming them: remove them (with "
                          "M(converge.platforms.opendcp_pool_nodes)) once what made the expand fail is fixed, then "
                          "run again.", min=0))

    def references(self, desired):
        """The service, and each task template named (by name, not id) in `tasks`."""
        yield from OpenDcpSpec.references(self, desired)
        for operation, template in sorted((desired.get("tasks") or {}).items()):
            if isinstance(template, str):
                yield Reference("tasks.%s" % operation, "opendcp_task_template", template)

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        require_present(desired, ("service",))
        for key, value in (desired.get("tasks") or {}).items():
            if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
                raise SpecError("tasks.%s" % key, "must be a task template name or id, got %r" % (value,))

    # --- reading -------------------------------------------------------------------------
    def list_live(self, client, desired_list):
        """The pools the entries name (or give by id), each counted through its service's `list_pools`."""
        names = set(desired.get("name") for desired in desired_list)
        ids = set(desired.get("id") for desired in desired_list if desired.get("id") is not None)
        pools = [item for item in client.list_pools() if item.get("name") in names or item.get("id") in ids]
        return self._lives(client, pools, any(d.get("size") is not None for d in desired_list))

    def read_all(self, client, within=None):
        """Every pool at the size `read_many` reads for an entry with a size (its working nodes and those of its
        running flows), so that the entry import writes from it plans no resize."""
        return self._lives(client, client.list_pools(), sized=True)

    def _lives(self, client, pools, sized):
        """`pools` of `/pool/list` in field names, each counted through its service's `list_pools`; `sized`: with
        the expand and shrink flows under way, read as one snapshot with the counts (`counts_and_flows`)."""
        templates = names_by_id(client.list_templates())
        if sized:
            owners, failed, flows = counts_and_flows(client, pools)
        else:
            owners, flows = pool_owners(client, [item.get("service_id") for item in pools]), []
            failed = failed_nodes_by_pool(client, pools, owners)
        return [self._facts(item, owners, templates, flows, failed) for item in pools]

    @staticmethod
    def _facts(item, owners, templates, flows, failed):
        name, counts = owners[item.get("service_id")]
        return pool_facts(item, {item.get("service_id"): name}, templates, flows, counts.get(item["id"], 0),
                          failed_nodes=failed.get(item["id"], []))

    def narrow(self, found, desired):
        within = [live for live in found if live.get("service") == desired.get("service")]
        return within or found

    def reread(self, client, object_id, desired=None):
        item = client.get_pool(object_id)
        owners, failed, flows = counts_and_flows(client, [item])
        return self._facts(item, owners, names_by_id(client.list_templates()), flows, failed)

    # --- planning ------------------------------------------------------------------------
    def differences(self, desired, live):
        changes = ResourceSpec.differences(self, desired, live)
        if "tasks" in changes and same_tasks(desired["tasks"], live):
            del changes["tasks"]
        return changes

    def plan(self, desired, live):
        change = ResourceSpec.plan(self, desired, live)
        if change.action == CREATE and desired.get("size"):
            self._check_task(EXPAND, desired, None)
        if change.action == REPLACE and desired.get("size"):
            self._check_task(EXPAND, desired, None)
        if change.action == UPDATE and "size" in change.fields:
            before, after = change.fields["size"]
            resize = EXPAND if after > before else SHRINK
            self._check_task(resize, desired, live)
            if resize == EXPAND:
                refuse_expand_beside_failed_nodes(live, after)
            if len(change.fields) == 1:
                change = Change(self, resize, desired, live, change.fields,
                                note="%s by %d node(s) through a flow" % (resize, abs(after - before)))
        return change

    @staticmethod
    def _check_task(operation, desired, live):
        tasks = desired.get("tasks") if desired.get("tasks") is not None else (live or {}).get("tasks") or {}
        if not tasks.get(operation):
            raise SpecError("tasks", "changing size needs a task template for %s: set tasks.%s" % (
                operation, operation))

    # --- writing -------------------------------------------------------------------------
    def _template_ids(self, client, tasks):
        if not tasks:
            return {}
        templates = None
        ids = {}
        for key, value in tasks.items():
            if isinstance(value, int):
                ids[key] = value
                continue
            if templates is None:
                templates = client.list_templates()
            ids[key] = require_named(templates, value, "tasks", "task template")
        return ids

    def create_args(self, client, desired):
        service_id = require_named(list_services(client), desired["service"], "service", "service")
        return (desired["name"], desired.get("desc") or "", desired.get("vm_type") or 0, desired.get("sd_id") or 0,
                service_id, self._template_ids(client, desired.get("tasks")))

    def update_args(self, client, live, desired, changes):
        """The whole pool: its service never changes, and its tasks are the live ones unless given."""
        whole = merged(live, desired, ("desc", "vm_type", "sd_id"))
        tasks = self._template_ids(client, desired["tasks"]) if desired.get("tasks") is not None \
            else live.get("task_ids") or {}
        return (live["name"], whole["desc"] or "", whole["vm_type"] or 0, whole["sd_id"] or 0, live["service_id"],
                tasks)

    def create(self, client, desired):
        """Create the pool, then bring it to its size."""
        live = OpenDcpSpec.create(self, client, desired)
        if desired.get("size"):
            live = self._resize(client, live, desired)
        return live

    def update(self, client, live, desired, changes):
        """Update the pool's fields (when any but its size changed), then bring it to its size."""
        if set(changes) - set(["size"]):
            live = OpenDcpSpec.update(self, client, live, desired, changes)
        if "size" in changes:
            live = self._resize(client, live, desired)
        return live

    def act(self, client, change):
        """An expand or a shrink, through a flow."""
        return self._resize(client, change.live, change.desired)

    def action_done(self, change):
        """An expand or a shrink whose answer was lost took effect when the pool reads at its size."""
        size = change.desired["size"]
        return lambda live: live is not None and live["size"] == size

    def apply(self, client, change):
        """Carry out a change; one that gives the pool a size is done only when the pool is read back at it.

        A write whose answer was lost is verified by reading (the spec's verified writes), and an expand that
        took effect that way may still be running or may fail: the pool is read again, its flows waited for
        (with wait), and a pool not at its size is an error naming the size.
        """
        live = ResourceSpec.apply(self, client, change)
        if live is None or change.action in (NOOP, DELETE) or change.desired.get("size") is None:
            return live
        return self._at_size(client, change.desired, live)

    def _at_size(self, client, desired, live):
        """The pool read back (after its flows, with wait); OpenDcpError when it is not at the desired size."""
        live = self.settle(client, desired, self.reread(client, live["id"]))
        if live["size"] != desired["size"]:
            failed = live.get("failed_nodes")
            raise OpenDcpError("pool %s has %d node(s)%s, not its size %d%s" % (
                live["name"], live["size"], in_flight(live), desired["size"],
                "; %d failed node(s) do not count: %s" % (len(failed), node_names(failed)) if failed else ""))
        return live

    def _resize(self, client, live, desired):
        delta = desired["size"] - live["size"]
        if delta > 0:
            flow = client.expand_pool(live["id"], live["name"], delta)
        elif delta < 0:
            flow = client.shrink_pool(live["id"], live["name"], self._shrink_ips(client, live, -delta))
        else:
            return live
        if desired.get("wait"):
            wait_flow(client, flow, desired.get("wait_timeout") or 600)
        return self.reread(client, live["id"])

    @staticmethod
    def _shrink_ips(client, live, count):
        """IPs of working nodes to take out, the newest first, none already leaving through a running flow.

        A failed node is never chosen: it does not count toward the size, so returning it would leave the pool
        with as many working nodes as before (and one an expand left has no machine to return).
        """
        leaving = set()
        for flow_id in live.get("shrinking_flows") or []:
            for state, nodes in (client.task_detail(flow_id) or {}).items():
                if str(state) in (str(FLOW_INIT), str(FLOW_RUNNING)):
                    leaving.update(node.get("ip") for node in nodes)
        nodes = [node for node in client.list_pool_nodes(live["id"])
                 if is_working(node) and node.get("ip") not in leaving]
        nodes.sort(key=lambda node: -node["id"])
        return [node["ip"] for node in nodes[:count]]

    def settle(self, client, desired, live):
        """With wait, wait for the pool's running expand and shrink flows to end."""
        if not live or not desired.get("wait") or not live.get("running_flows"):
            return live
        for flow_id in live["running_flows"]:
            wait_flow(client, client.get_task(flow_id), desired.get("wait_timeout") or 600)
        return self.reread(client, live["id"])

    def predict(self, change):
        result = ResourceSpec.predict(self, change)
        if result is not None and change.desired.get("tasks") is not None:
            result["tasks"] = dict(change.desired["tasks"])
        return result


def refuse_expand_beside_failed_nodes(live, size):
    """SpecError on `size` when a pool short of `size` working nodes holds failed ones, naming them and the remedy.

    A failed expand leaves its nodes in the pool, failed; another expand would most likely fail the same way
    (its VM manager still unreachable, say) and leave more of them, run after run.
    """
    failed = live.get("failed_nodes") or []
    if not failed:
        return
    raise SpecError("size", (
        "pool %s has %d working node(s)%s, short of its size %d, and %d failed node(s) that do not count: %s. No "
        "expand is started while failed nodes are in the pool: it would most likely fail the same way and leave "
        "more of them. See why the expand failed (its flow log), fix that (an unreachable VM manager, say), remove "
        "the failed node(s) (converge.platforms.opendcp_pool_nodes with state=absent and nodes %s, or POST "
        "/pool/%s/remove_nodes %s), then run again") % (
        live["name"], live["size"], in_flight(live), size, len(failed), node_names(failed),
        json.dumps([node["ip"] for node in failed]), live["id"],
        json.dumps({"nodes": [node["id"] for node in failed]})))


def in_flight(live):
    """What a pool's size counts beyond its nodes, when it has running flows."""
    return " counting those of running flows" if live.get("running_flows") else ""


def node_names(nodes):
    """Pool nodes as `id 2 (ip 2), id 5 (ip 127.0.0.12)`."""
    return ", ".join("id %s (ip %s)" % (node["id"], node["ip"]) for node in nodes)


def same_tasks(want, live):
    """Whether desired tasks (template names or ids) are the live ones."""
    names, ids = live.get("tasks") or {}, live.get("task_ids") or {}
    if set(want) != set(ids):
        return False
    for key, value in want.items():
        have = ids.get(key) if isinstance(value, int) else names.get(key)
        if value != have:
            return False
    return True
