# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the migration specs share: the blank option check, and finding objects by name.

Objects are identified by name and refer to each other by name; a reference is turned into the
platform's id only when a write needs it (`cloud_by_name`, `transport_by_name`, `source_by_name`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import item_id, vm_sources
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError


def check_not_empty(desired, names):
    """Options that are set must not be blank; raise SpecError naming the first that is."""
    for name in names:
        value = desired.get(name)
        if isinstance(value, str) and not value.strip():
            raise SpecError(name, "must not be empty")


def find_named(items, name, key="Name"):
    """The item whose `key` equals `name` exactly (list filters may match more), or None."""
    for item in items:
        if item.get(key) == name:
            return item
    return None


def details_by_name(items, names, detail):
    """For each of `names`, `detail(id)` of the listed item of that name, None where no item has it: the objects
    a list shows only in part (a Packer host's transport server, a task's settings) read one call each."""
    found = [find_named(items, name) for name in names]
    return [detail(item_id(item)) if item else None for item in found]


def details(items, detail):
    """`detail(id)` of every listed item."""
    return [detail(item_id(item)) for item in items]


def cloud_by_name(client, name, option="cloud"):
    """The cloud connection named `name`; SpecError naming `option` when there is none."""
    item = find_named(client.list_cloud_connections(name), name)
    if item is None:
        raise SpecError(option, "no cloud connection named %r" % name)
    return item


def transport_by_name(client, name, option="transport_server"):
    """The transport server named `name`; SpecError naming `option` when there is none."""
    item = find_named(client.list_transport_servers(name=name), name)
    if item is None:
        raise SpecError(option, "no transport server named %r" % name)
    return item


def source_by_name(client, name, option="source_host"):
    """Id of the Packer host, else the vSphere VM, named `name`."""
    host = find_named(client.list_hosts(name=name)["AgentHosts"], name)
    if host is None:
        host = find_named(vm_sources(client.list_vsphere_hosts()), name)
    if host is None:
        raise SpecError(option, "no source host (Packer host or vSphere VM) named %r" % name)
    return item_id(host)
