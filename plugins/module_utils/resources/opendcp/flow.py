# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP flows: task templates run on pool nodes, started, paused and stopped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    FLOW_FAILED,
    FLOW_INIT,
    FLOW_RUNNING,
    FLOW_STOPPED,
    FLOW_SUCCESS,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_flows import wait_flow
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import flow_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    require_named,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import CREATE, NOOP, Change, Field, SpecError

START, PAUSE, STOP = "start", "pause", "stop"


class FlowSpec(OpenDcpSpec):
    """An OpenDCP flow (task): a task template run on pool nodes, a batch of nodes at a time.

    A flow is found by its name: the newest flow of that name. With C(state=present) or C(state=started) a flow is
    created when none has the name, on I(nodes) or on every node of I(pool), I(max_ratio) percent of them (at most
    I(max_num)) at a time; OpenDCP starts it at once. C(state=started) also resumes a paused or stopped flow and runs
    again the nodes of a finished flow that failed. C(state=paused) and C(state=stopped) pause or stop a flow that is
    running, and leave any other alone.

    With I(wait) the module waits until the flow ends and fails when any of its nodes failed. Flows are operations,
    not configuration: the reconciler does not manage them.
    """

    mutually_exclusive = (("pool", "nodes"),)
    kind = "opendcp_flow"
    ownership = None
    result_key = "flow"
    description = "Run OpenDCP task templates on pool nodes as flows; start, pause and stop flows."
    states = ("present", "started", "paused", "stopped")
    waits = True
    reconcilable = False
    import_refusal = "flows are operations, not configuration: the reconciler does not manage them"
    fields = {
        "name": Field("str", "Name of the flow (its C(task_name)); the newest flow of this name is the one managed.",
                      required=True),
        "template": Field("str", "Name of the task template to run, to create the flow.", compare=False,
                          reference="opendcp_task_template"),
        "pool": Field("str", "Run on every node of the pool of this name, to create the flow. Mutually exclusive "
                             "with I(nodes).", compare=False, reference="opendcp_pool"),
        "nodes": Field("list", "IPs of the pool nodes to run on, to create the flow.", elements="str",
                       compare=False, format="ip"),
        "max_ratio": Field("int", "Percentage of the nodes run at a time, 1 to 100.",
                           default=100, compare=False, min=1, max=100),
        "max_num": Field("int", "At most this many nodes at a time; 0 for no limit.", default=0, compare=False, min=0),
        "timeout": Field("int", "Timeout OpenDCP records for the flow, in seconds; 0 for none.", default=0,
                         compare=False, min=0),
    }

    def read_many(self, client, desired_list):
        flows = client.list_tasks()
        result = []
        for desired in desired_list:
            named = [flow for flow in flows if flow.get("task_name") == desired["name"]]
            result.append(flow_facts(max(named, key=lambda flow: flow["id"])) if named else None)
        return result

    def plan(self, desired, live):
        state = desired.get("state") or "present"
        if live is None:
            if state in ("paused", "stopped"):
                raise SpecError("name", "no OpenDCP flow named %r" % desired["name"])
            self._check_create(desired)
            return Change(self, CREATE, desired, None)
        running = live.get("state") in (FLOW_INIT, FLOW_RUNNING)
        if state == "started" and needs_start(live):
            return Change(self, START, desired, live, {"state_name": (live["state_name"], "running")})
        if state in ("paused", "stopped") and running:
            action = PAUSE if state == "paused" else STOP
            return Change(self, action, desired, live, {"state_name": (live["state_name"], "stopped")})
        return Change(self, NOOP, desired, live)

    @staticmethod
    def _check_create(desired):
        if not desired.get("template"):
            raise SpecError("template", "is required to create flow %r" % desired["name"])
        if not desired.get("pool") and not desired.get("nodes"):
            raise SpecError("nodes", "one of nodes or pool is required to create flow %r" % desired["name"])

    def create(self, client, desired):
        template_id = require_named(client.list_templates(), desired["template"], "template", "task template")
        ips = desired.get("nodes")
        if desired.get("pool"):
            pool_id = require_named(client.list_pools(), desired["pool"], "pool", "pool")
            ips = [node["ip"] for node in client.list_pool_nodes(pool_id)]
            if not ips:
                raise SpecError("pool", "pool %r has no nodes to run flow %r on" % (desired["pool"], desired["name"]))
        flow = client.create_task(template_id, desired["name"], ips, max_ratio=desired.get("max_ratio") or 100,
                                  max_num=desired.get("max_num") or 0, timeout=desired.get("timeout") or 0)
        return self.settle(client, desired, flow_facts(flow))

    def act(self, client, change):
        """Start, pause or stop the flow."""
        flow_id = change.live["id"]
        getattr(client, "%s_task" % change.action)(flow_id)
        return self.settle(client, change.desired, flow_facts(client.get_task(flow_id)))

    def action_done(self, change):
        """A pause or a stop took effect when the flow no longer runs; a start when it runs, no longer needs a
        start, or was updated since it was read."""
        before = change.live
        if change.action == START:
            return lambda live: live is not None and (
                live.get("state") in (FLOW_INIT, FLOW_RUNNING) or not needs_start(live)
                or live.get("updated") != before.get("updated"))
        return lambda live: live is not None and live.get("state") not in (FLOW_INIT, FLOW_RUNNING)

    def settle(self, client, desired, live):
        """With wait, and unless the flow is to be paused or stopped, wait until it ends."""
        if not live or not desired.get("wait") or desired.get("state") in ("paused", "stopped"):
            return live
        if live.get("state") in (FLOW_INIT, FLOW_RUNNING):
            wait_flow(client, live, desired.get("wait_timeout") or 600)
            return flow_facts(client.get_task(live["id"]))
        return live

    def predict(self, change):
        if change.action == CREATE:
            return {"name": change.desired["name"], "task_name": change.desired["name"], "state_name": "running"}
        result = dict(change.live or {})
        if change.fields.get("state_name"):
            result["state_name"] = change.fields["state_name"][1]
        return result


def needs_start(live):
    """A stopped flow, or a finished one with failed nodes, is started again."""
    if live.get("state") == FLOW_STOPPED:
        return True
    return live.get("state") in (FLOW_SUCCESS, FLOW_FAILED) and bool(live.get("nodes_failed"))
