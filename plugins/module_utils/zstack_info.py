# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `zstack_info` reads: one gatherer per subset, run concurrently."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import from_inventory
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError

QUERY_SUBSETS = {
    "management_nodes": "/management-nodes",
    "system_tags": "/system-tags",
    "user_tags": "/user-tags",
    "notifications": "/notifications",
    "gc_jobs": "/gc-jobs",
    "long_jobs": "/longjobs",
}


def _capacity(client, params):
    return from_inventory(client.get_cpu_memory_capacity(params.get("zone_uuids") or (),
                                                         params.get("cluster_uuids") or (),
                                                         params.get("host_uuids") or ()))


def _task_progress(client, params):
    if not params.get("task_api_id"):
        raise SpecError("task_api_id", "is required to gather task_progress")
    return [from_inventory(row) for row in client.get_task_progress(params["task_api_id"], all_entries=True)]


def _query(resource):
    def gather(client, params):
        return [from_inventory(row) for row in client.query(resource, params.get("conditions") or ())]
    return gather


GATHERERS = {
    "version": lambda client, params: client.get_version(),
    "current_time": lambda client, params: client.get_current_time(),
    "ready": lambda client, params: from_inventory(client.is_ready_to_go()),
    "capacity": _capacity,
    "task_progress": _task_progress,
    "license": lambda client, params: dict((k, v) for k, v in from_inventory(client.get_license_info()).items()
                                           if k != "license_request"),
    "license_capabilities": lambda client, params: client.get_license_capabilities(),
}
GATHERERS.update((name, _query(path)) for name, path in QUERY_SUBSETS.items())
DEFAULT_SUBSETS = sorted(name for name in GATHERERS if name != "task_progress")

INFO_FIELDS = {
    "gather_subset": Field("list", "What to read. C(task_progress) needs I(task_api_id). Query subsets ("
                                   + ", ".join("C(%s)" % s for s in sorted(QUERY_SUBSETS)) + ") read every page.",
                           elements="str", choices=sorted(GATHERERS), default=DEFAULT_SUBSETS),
    "conditions": Field("list", "ZStack query conditions applied to the query subsets, such as "
                                "C(resourceType=VmInstanceVO) or C(status=Unread).", elements="str"),
    "task_api_id": Field("str", "API id whose task progress to read (subset C(task_progress))."),
    "zone_uuids": Field("list", "Zones whose capacity to sum (subset C(capacity)); all hosts when no filter is set.",
                        elements="str"),
    "cluster_uuids": Field("list", "Clusters whose capacity to sum (subset C(capacity)).", elements="str"),
    "host_uuids": Field("list", "Hosts whose capacity to sum (subset C(capacity)).", elements="str"),
}


def argument_spec():
    return dict((name, field.argument_spec()) for name, field in INFO_FIELDS.items())


def gather(client, params):
    """Read the chosen subsets concurrently; returns {subset: value}."""
    subsets = params.get("gather_subset") or DEFAULT_SUBSETS
    if "task_progress" in subsets and not params.get("task_api_id"):
        raise SpecError("task_api_id", "is required to gather task_progress")
    client.login()  # one session for all the concurrent reads
    with ThreadPoolExecutor(max_workers=min(8, len(subsets))) as pool:
        futures = dict((name, pool.submit(GATHERERS[name], client, params)) for name in subsets)
        return dict((name, future.result()) for name, future in futures.items())
