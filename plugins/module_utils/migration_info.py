# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `migration_info` reads: the platform's objects, and the details of one task, cloud or source host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.info_entries import (
    as_entries_field,
    gathered_entries,
    kinds_text,
)
from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    cloud_facts,
    host_facts,
    host_summary,
    item_id,
    license_facts,
    task_facts,
    task_summary,
    transport_facts,
    vsphere_facts,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import SPECS
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import (
    cloud_by_name,
    find_named,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError, options_argument_spec


def _license(client, params):
    data = client.get_license()
    return license_facts(data) if data else None


def _cloud_connections(client, params):
    return [_public_cloud(cloud_facts(item)) for item in client.list_cloud_connections()]


def _public_cloud(facts):
    if facts.get("cloud_password"):
        facts["cloud_password"] = "(sensitive value)"
    return facts


def _source_hosts(client, params):
    free = True if params.get("task_free") else None
    return [host_summary(item) for item in client.list_hosts(task_free=free)["AgentHosts"]]


def _tasks(client, params):
    return [task_summary(item) for item in client.list_tasks()]


GATHERERS = {
    "license": _license,
    "cloud_types": lambda client, params: client.list_cloud_types(),
    "cloud_connections": _cloud_connections,
    "transport_servers": lambda client, params: [transport_facts(t) for t in client.list_transport_servers()],
    "source_hosts": _source_hosts,
    "vsphere_platforms": lambda client, params: [vsphere_facts(p) for p in client.list_hosts()["VSPlatforms"]],
    "vsphere_hosts": lambda client, params: client.list_vsphere_hosts(),
    "tasks": _tasks,
}
DEFAULT_SUBSETS = sorted(GATHERERS)
#: the kinds whose entries each subset gives with as_entries
SUBSET_KINDS = {
    "license": ("migration_license",),
    "cloud_connections": ("migration_cloud_connection",),
    "transport_servers": ("migration_transport_server",),
    "source_hosts": ("migration_source_host",),
    "vsphere_platforms": ("migration_vsphere_platform",),
    "tasks": ("migration_task",),
}
ALL = "all"
#: what gather_subset takes: all, each subset, and each (all too) negated with "!", as Ansible's facts modules do
SUBSET_CHOICES = [ALL] + DEFAULT_SUBSETS + ["!" + name for name in [ALL] + DEFAULT_SUBSETS]


def chosen_subsets(given):
    """The subsets to read: `all` (or only exclusions) starts from every subset, `!x` leaves x out, `!all` all.

    An explicit subset is read even after `!all`; one both named and excluded is left out.
    """
    given = list(given or [ALL])
    wanted = set(name for name in given if not name.startswith("!"))
    excluded = set(name[1:] for name in given if name.startswith("!"))
    chosen = set(DEFAULT_SUBSETS) if (ALL in wanted or not wanted) and ALL not in excluded else set()
    chosen |= wanted - set([ALL])
    return sorted(chosen - excluded)


def _task_details(client, name):
    item = find_named(client.list_tasks(name=name), name)
    if item is None:
        raise SpecError("task", "no task named %r" % name)
    facts = task_facts(client.get_task_detail(item_id(item)))
    facts["history"] = client.task_history(facts["id"])
    facts["snapshots"] = client.list_snapshots(facts["id"])
    return facts


def _cloud_catalogue(client, name):
    cloud_id = item_id(cloud_by_name(client, name))
    return {"id": cloud_id, "name": name, "flavors": client.list_flavors(cloud_id),
            "networks": client.list_networks(cloud_id), "security_groups": client.list_security_groups(cloud_id),
            "quota": client.list_quota(cloud_id), "volume_types": client.list_volume_types(cloud_id),
            "storages": client.list_storages(cloud_id)}


def _host_details(client, name):
    item = find_named(client.list_hosts(name=name)["AgentHosts"], name)
    if item is None:
        raise SpecError("source_host", "no source host named %r" % name)
    return host_facts(client.get_packer_host(item_id(item)))


INFO_FIELDS = {
    "gather_subset": Field("list", "Lists to read: C(all), or any of " + ", ".join(
        "C(%s)" % s for s in DEFAULT_SUBSETS) + ". A name starting with C(!) leaves that list out (C(!all) all of "
        "them, but for those named); only exclusions read every other list.", elements="str",
        choices=SUBSET_CHOICES, default=[ALL]),
    "task_free": Field("bool", "List only the source hosts free to migrate (subset C(source_hosts)).",
                       default=False),
    "task": Field("str", "Also read this task's details, history and snapshots, returned as C(task)."),
    "cloud": Field("str", "Also read this cloud connection's flavours, networks, security groups, quota, volume "
                          "types and storages, returned as C(cloud)."),
    "source_host": Field("str", "Also read this Packer host's details (disks, network, OS), returned as "
                                "C(source_host)."),
    "as_entries": as_entries_field(
        "The kinds of the subsets gathered (in import's order, those with objects): " + kinds_text(SUBSET_KINDS)
        + ". Every object of each kind is taken, whatever I(task_free) selects. Objects the platform made itself "
        "are taken only for a subset I(gather_subset) names (not through C(all)), as C(reconciler import) takes "
        "them only for a kind C(--kind) names. C(migration_password) is never read back, so it has no entries."),
}


def argument_spec():
    """The module's own options (the connection options come from the module base)."""
    return options_argument_spec(INFO_FIELDS)


def gather(client, params):
    """Read the chosen subsets and the named objects; returns {name: value}."""
    subsets = chosen_subsets(params.get("gather_subset"))
    facts = dict((name, GATHERERS[name](client, params)) for name in subsets)
    if params.get("task"):
        facts["task"] = _task_details(client, params["task"])
    if params.get("cloud"):
        facts["cloud"] = _cloud_catalogue(client, params["cloud"])
    if params.get("source_host"):
        facts["source_host"] = _host_details(client, params["source_host"])
    if params.get("as_entries"):
        facts["entries"] = gathered_entries(SPECS, client, SUBSET_KINDS, subsets,
                                            named=params.get("gather_subset") or ())
    return facts
