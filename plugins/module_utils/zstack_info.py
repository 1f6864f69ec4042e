# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `zstack_info` reads: one gatherer per subset, run concurrently, every key in snake_case."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.converge.platforms.plugins.module_utils.info_entries import (
    as_entries_field,
    gathered_entries,
    kinds_text,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import SPECS
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError, options_argument_spec
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackError, check_condition
from ansible_collections.converge.platforms.plugins.module_utils.zstack_inventory import snake_keys

QUERY_SUBSETS = {
    "management_nodes": "/management-nodes",
    "system_tags": "/system-tags",
    "user_tags": "/user-tags",
    "notifications": "/notifications",
    "gc_jobs": "/gc-jobs",
    "long_jobs": "/longjobs",
}
CONDITIONS_EXAMPLE = "{notifications: [status=Unread], long_jobs: [state=Running]}"


def _capacity(client, params):
    return client.get_cpu_memory_capacity(params.get("zone_uuids") or (), params.get("cluster_uuids") or (),
                                          params.get("host_uuids") or ())


def _task_progress(client, params):
    return client.get_task_progress(params["task_api_id"], all_entries=True)


def _query(subset):
    """The gatherer of a query subset: every page of its rows, filtered by that subset's own conditions."""
    def gather(client, params):
        return client.query(QUERY_SUBSETS[subset], (params.get("conditions") or {}).get(subset) or ())
    return gather


GATHERERS = {
    "version": lambda client, params: client.get_version(),
    "current_time": lambda client, params: client.get_current_time(),
    "ready": lambda client, params: client.is_ready_to_go(),
    "capacity": _capacity,
    "task_progress": _task_progress,
    # with the license request, the text to send to ZStack to obtain a license (the license itself is never shown)
    "license": lambda client, params: client.get_license_info(),
    "license_capabilities": lambda client, params: client.get_license_capabilities(),
}
GATHERERS.update((name, _query(name)) for name in QUERY_SUBSETS)
DEFAULT_SUBSETS = sorted(name for name in GATHERERS if name != "task_progress")
_QUERY_SUBSET_LIST = ", ".join(sorted(QUERY_SUBSETS))
#: the kinds whose entries each subset gives with as_entries
SUBSET_KINDS = {
    "license": ("zstack_license",),
    "system_tags": ("zstack_system_tag",),
    "user_tags": ("zstack_user_tag",),
    "gc_jobs": ("zstack_gc_job",),
    "long_jobs": ("zstack_long_job",),
    "notifications": ("zstack_notification",),
}

INFO_FIELDS = {
    "gather_subset": Field("list", "What to read. C(task_progress) needs I(task_api_id). Query subsets ("
                                   + ", ".join("C(%s)" % s for s in sorted(QUERY_SUBSETS)) + ") read every page. "
                                   "When not given, every subset but C(task_progress).",
                           elements="str", choices=sorted(GATHERERS)),
    "conditions": Field("dict", "ZStack query conditions of each query subset: a mapping from a query subset of "
                                "I(gather_subset) to its list of conditions, such as C(" + CONDITIONS_EXAMPLE + "). "
                                "A condition is written as ZStack takes it, with no spaces around its operator "
                                "(C(resourceUuid=...), C(tag~=ha::%)); C(__systemTag__) and C(__userTag__) select "
                                "resources by their tags (C(__userTag__=owner::ops)). A subset without conditions "
                                "reads all its rows."),
    "task_api_id": Field("str", "API id whose task progress to read (subset C(task_progress))."),
    "zone_uuids": Field("list", "Zones whose capacity to sum (subset C(capacity)); all hosts when no filter is set.",
                        elements="str"),
    "cluster_uuids": Field("list", "Clusters whose capacity to sum (subset C(capacity)).", elements="str"),
    "host_uuids": Field("list", "Hosts whose capacity to sum (subset C(capacity)).", elements="str"),
    "as_entries": as_entries_field(
        "A kind per subset gathered, in import's order, left out when it has no object: " + kinds_text(SUBSET_KINDS)
        + ". Every object of each kind is taken, whatever I(conditions) select. The objects ZStack made itself "
        "(GC jobs, notifications, the system tags it writes, a node's trial or free license) are taken only when "
        "I(gather_subset) is given and names their subset, as C(reconciler import) takes them only for a kind "
        "C(--kind) names."),
}


def argument_spec():
    return options_argument_spec(INFO_FIELDS)


def check_conditions(conditions, subsets):
    """Refuse, before any request, conditions on a subset that is unknown, no query or not gathered, or malformed."""
    if conditions is None:
        return
    if not isinstance(conditions, dict):
        raise SpecError("conditions", "must map a query subset to its list of conditions, such as %s"
                        % CONDITIONS_EXAMPLE)
    for subset in sorted(conditions, key=str):
        if subset not in GATHERERS:
            raise SpecError("conditions", "names the unknown subset %r; the query subsets are %s"
                            % (subset, _QUERY_SUBSET_LIST))
        if subset not in QUERY_SUBSETS:
            raise SpecError("conditions", "%s takes no query conditions; only the query subsets (%s) do"
                            % (subset, _QUERY_SUBSET_LIST))
        if subset not in subsets:
            raise SpecError("conditions", "%s is not in gather_subset, so its conditions would filter nothing"
                            % subset)
        _check_subset_conditions(subset, conditions[subset])


def _check_subset_conditions(subset, items):
    """A subset's conditions: a list of strings that ZStack takes as written."""
    if items is None:
        return
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise SpecError("conditions", "%s must be a list of conditions such as [uuid=...], not %r" % (subset, items))
    for item in items:
        try:
            check_condition(item)
        except ZStackError as exc:
            raise SpecError("conditions", "%s: %s" % (subset, exc.reason))


def gather(client, params):
    """Read the chosen subsets concurrently; returns {subset: value}, its keys snake_case at every depth."""
    subsets = params.get("gather_subset") or DEFAULT_SUBSETS
    if "task_progress" in subsets and not params.get("task_api_id"):
        raise SpecError("task_api_id", "is required to gather task_progress")
    check_conditions(params.get("conditions"), subsets)
    client.login()  # one session for all the concurrent reads
    with ThreadPoolExecutor(max_workers=min(8, len(subsets))) as pool:
        futures = dict((name, pool.submit(GATHERERS[name], client, params)) for name in subsets)
        facts = dict((name, snake_keys(future.result())) for name, future in futures.items())
    if params.get("as_entries"):
        facts["entries"] = gathered_entries(SPECS, client, SUBSET_KINDS, subsets,
                                            named=params.get("gather_subset") or ())
    return facts
