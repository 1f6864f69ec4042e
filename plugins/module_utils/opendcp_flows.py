# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for OpenDCP flows, and saying why one failed from its flow log."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    FLOW_ENDED,
    FLOW_FAILED,
    FLOW_STATES,
    FLOW_SUCCESS,
    OpenDcpError,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import flow_facts
from ansible_collections.converge.platforms.plugins.module_utils.spec import wait_for_value

#: flow log lines in which the real server says why a step or the flow failed (README)
FAILURE_LINE = re.compile(r"^(Fail to run step \[|Run flow error)")


def wait_flow(client, flow, timeout):
    """Poll a flow (with backoff) until it ends; raise when it failed, stopped or a node failed."""
    flow = wait_for_value(client, timeout, flow, lambda: client.get_task(flow["id"]),
                          lambda now: now.get("state") in FLOW_ENDED,
                          lambda last: "flow %s (id %s) is still %s after %ss" % (
                              last.get("task_name"), last["id"], FLOW_STATES.get(last.get("state"), "running"),
                              timeout))
    facts = flow_facts(flow)
    if flow["state"] != FLOW_SUCCESS or facts["nodes_failed"]:
        raise OpenDcpError("flow %s (id %s) ended %s: %d node(s) succeeded, %d failed%s" % (
            flow.get("task_name"), flow["id"], facts["state_name"], facts["nodes_succeeded"], facts["nodes_failed"],
            failure_reason(client, flow["id"])))
    return flow


def failure_reason(client, flow_id):
    """Why a flow's first failed node failed, quoting the flow log (empty when nothing can be read).

    OpenDCP puts the reason in the flow log (`/task/flow/{id}/log`); the node log may hold only `<NO LOG>`
    (README, "How the real OpenDCP server answers"). The quote is the lines `reason_lines` picks.
    """
    try:
        failed = (client.task_detail(flow_id) or {}).get(str(FLOW_FAILED)) or []
        messages = [str(entry.get("message")).strip() for entry in client.task_log(flow_id) or []
                    if isinstance(entry, dict) and entry.get("message")]
    except OpenDcpError:
        return ""
    node = failed[0] if failed else {}
    quoted = " | ".join(reason_lines(messages, node.get("ip")))
    where = ""
    if node:
        where = "; node %s failed" % node.get("ip")
        if node.get("steps"):
            where += " at step %s" % node["steps"]
    if not quoted:
        return where
    return "%s; flow log: %s" % (where, quoted)


def reason_lines(messages, node_ip):
    """The lines of a flow log that say why the flow failed.

    The real server says it in `Fail to run step [<step>]: <why>` and `Run flow error： <why>` lines, among the
    lines that start and finish the flow and its steps (README): those are quoted, once each (a step logs its
    failure once per try), in the order logged. A log without them is quoted by its last line naming the failed
    node's IP, else by its last line.
    """
    said = list(dict.fromkeys(message for message in messages if FAILURE_LINE.match(message)))
    if said:
        return said
    about = [message for message in messages if names_ip(message, node_ip)]
    return (about or messages)[-1:]


def names_ip(message, ip):
    """Whether a log line names this IP as a whole (127.0.0.1 is not named by 127.0.0.12); the ip of a failed node
    whose create_vm made no machine is its id, which names nothing."""
    if not ip or not any(mark in ip for mark in ".:"):
        return False
    return re.search(r"(?<![\w.:])%s(?!\w|\.\w)" % re.escape(ip), message) is not None
