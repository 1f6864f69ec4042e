# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP objects as converge names their fields: what the specs, the info module and the flows read.

Each `*_facts` turns one object of the API (`opendcp-api.txt`, with the readings in api-docs/README.md) into
field names; `normal_steps` gives task template steps as OpenDCP stores them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    FLOW_INIT,
    FLOW_RUNNING,
    FLOW_STATES,
    FLOW_SUCCESS,
    flow_pending,
)

EXPAND, SHRINK = "expand", "shrink"
DEFAULT_IMPL_TYPE = "ansible"


def by_id(items):
    return dict((item["id"], item) for item in items)


def names_by_id(items):
    return dict((item["id"], item.get("name")) for item in items)


def cluster_facts(item):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "biz": item.get("biz") or ""}


def service_facts(item, cluster_names):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "service_type": item.get("service_type") or "", "docker_image": item.get("docker_image") or "",
            "cluster_id": item.get("cluster_id"), "cluster": cluster_names.get(item.get("cluster_id"))}


def normal_steps(steps):
    """Steps as OpenDCP stores them: `{name, param_values, retry: {retry_times, ignore_error}}` with defaults."""
    result = []
    for step in steps or []:
        retry = step.get("retry") or {}
        result.append({"name": step.get("name"), "param_values": dict(step.get("param_values") or {}),
                       "retry": {"retry_times": retry.get("retry_times") or 0,
                                 "ignore_error": bool(retry.get("ignore_error"))}})
    return result


def template_facts(item):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "steps": normal_steps(item.get("steps") if isinstance(item.get("steps"), list) else [])}


def remote_step_facts(item):
    # the document's list example spells the field "action"
    actions = item.get("actions") if item.get("actions") is not None else item.get("action")
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "actions": list(actions or [])}


def action_facts(item):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "params": dict(item.get("params") or {})}


def actimpl_facts(item, action):
    return {"id": item.get("id"), "action": action.get("name"), "action_id": item.get("action_id"),
            "type": item.get("type") or DEFAULT_IMPL_TYPE, "template": item.get("template") or {}}


def failed_facts(node):
    return {"id": node.get("id"), "ip": node.get("ip")}


def pool_facts(item, service_names, template_names, flows, node_count, failed_nodes=()):
    """A pool in field names; `size` counts its working nodes and those still coming in (or going out) through
    running flows.

    `node_count` is counted by the caller (`pool_owners`): the pool's own `node_count` is 0 on the real server.
    It counts `failed_nodes` (`[{id, ip}]`, status 3) too, which `size` does not.
    """
    task_ids = dict((key, value) for key, value in (item.get("tasks") or {}).items())
    name = item.get("name")
    running = [flow for flow in flows if flow.get("state") in (FLOW_INIT, FLOW_RUNNING)
               and flow.get("task_name") in ("expand_%s" % name, "shrink_%s" % name)]
    coming = sum(flow_pending(flow) for flow in running if flow["task_name"].startswith(EXPAND))
    going = sum(flow_pending(flow) for flow in running if flow["task_name"].startswith(SHRINK))
    return {
        "id": item.get("id"), "name": name, "desc": item.get("desc") or "", "vm_type": item.get("vm_type"),
        "sd_id": item.get("sd_id"), "service_id": item.get("service_id"),
        "service": service_names.get(item.get("service_id")),
        "tasks": dict((key, template_names.get(value, value)) for key, value in task_ids.items()),
        "task_ids": task_ids, "node_count": node_count, "size": node_count - len(failed_nodes) + coming - going,
        "failed_nodes": list(failed_nodes), "running_flows": [flow["id"] for flow in running],
        "shrinking_flows": [flow["id"] for flow in running if flow["task_name"].startswith(SHRINK)],
    }


def flow_facts(flow):
    """A flow with its state's name and node counts."""
    stat = flow.get("Stat") or flow.get("stat") or [0] * 5
    facts = dict(flow)
    facts["state_name"] = FLOW_STATES.get(flow.get("state"), str(flow.get("state")))
    facts["nodes_succeeded"] = stat[FLOW_SUCCESS] if len(stat) > FLOW_SUCCESS else 0
    facts["nodes_failed"] = stat[3] if len(stat) > 3 else 0
    return facts
