# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration platform's vSphere platforms (`migration_vsphere_platform`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationError
from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import item_id, vsphere_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import CrudById
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.base import RefreshableSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import (
    check_not_empty,
    find_named,
    transport_by_name,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import UPDATE, Change, Field, SpecError

CREDENTIALS = ("vsphere_username", "vsphere_password")


class VspherePlatformSpec(RefreshableSpec):
    """A vSphere platform (vCenter or ESXi) whose VMs migrate without an agent, identified by its name.

    The platform logs in to vSphere at I(address) when it is added and reads its VMs through the transport server.
    It never shows the vSphere user, password or transport server of a platform, so they are sent when the platform
    is added and, with I(update_password=always), on every run (which then always reports a change). A different
    I(address) fails naming the option. C(state=refreshed) re-reads the VM tree and the VMs' configuration.
    """

    kind = "migration_vsphere_platform"
    result_key = "vsphere_platform"
    description = "Manage the vSphere platforms of the migration platform."
    label = "vSphere platform"
    create_call, update_call, delete_call, refresh_call = ("add_vsphere_platform", "update_vsphere_platform",
                                                           "delete_vsphere_platform", "refresh_vsphere_platform")
    fields = {
        "name": Field("str", "Name of the vSphere platform; it identifies it.", required=True),
        "address": Field("str", "Address of the vCenter or ESXi host. Required to add the platform.",
                         updatable=False, format="host"),
        "vsphere_username": Field("str", "vSphere user the platform logs in with. Required to add the platform.",
                                  compare=False),
        "vsphere_password": Field("str", "Password of I(vsphere_username). Required to add the platform.",
                                  secret=True, compare=False),
        "transport_server": Field("str", "Name of the transport server that reads the VMs. Required to add the "
                                         "platform.", reference="migration_transport_server", compare=False),
        "update_password": Field("str", "C(on_create) sends the user, password and transport server only when the "
                                        "platform is added; C(always) sends them on every run.",
                                 choices=["on_create", "always"], default="on_create", compare=False),
    }

    def check(self, desired):
        check_not_empty(desired, ("name", "address", "vsphere_username", "vsphere_password", "transport_server"))

    def _platforms(self, client, name=None):
        return [vsphere_facts(item) for item in client.list_hosts(name=name)["VSPlatforms"]]

    def read(self, client, desired):
        return find_named(self._platforms(client, desired["name"]), desired["name"], "name")

    def read_many(self, client, desired_list):
        platforms = self._platforms(client)
        return [find_named(platforms, desired["name"], "name") for desired in desired_list]

    def read_all(self, client, within=None):
        """Every vSphere platform of ListHosts (not paged). The platform never shows one's user, password or
        transport server: its entry has the password's placeholder, and the user and the transport server are
        for a person to add before the entry can add the platform again."""
        return self._platforms(client)

    def plan(self, desired, live):
        state = desired.get("state", "present")
        if not live and state in ("present", "refreshed"):
            self.require_to_add(desired, ("address",) + CREDENTIALS + ("transport_server",))
        change = RefreshableSpec.plan(self, desired, live)
        self.refuse_locked(change, "UpdateVSPlatform cannot change it")
        if not change.changed and state == "present" and desired.get("update_password") == "always":
            missing = [n for n in CREDENTIALS if not desired.get(n)]
            if missing:
                raise SpecError(missing[0], "is required with update_password=always")
            return Change(self, UPDATE, desired, live, {"vsphere_password": (None, desired["vsphere_password"])},
                          note="update_password=always sends the vSphere credentials on every run")
        return change

    def create(self, client, desired):
        """AddVSPlatform; a refusal listing VMs the platform already knows names them."""
        try:
            return CrudById.create(self, client, desired)
        except MigrationError as exc:
            if exc.code == 1 and isinstance(exc.data, list):
                names = ", ".join("%s (%s)" % (vm.get("Name"), vm.get("Uuid")) for vm in exc.data)
                raise MigrationError("%s; VMs already known by uuid: %s" % (exc.reason, names), exc.method,
                                     exc.path, exc.status, exc.code, action=exc.action, data=exc.data)
            raise

    def create_args(self, client, desired):
        trans_id = item_id(transport_by_name(client, desired["transport_server"]))
        return (desired["name"], desired["address"], desired["vsphere_username"], desired["vsphere_password"],
                trans_id)

    def update_args(self, client, live, desired, changes):
        trans_id = None
        if desired.get("transport_server"):
            trans_id = item_id(transport_by_name(client, desired["transport_server"]))
        return desired["name"], desired.get("vsphere_username"), desired.get("vsphere_password"), trans_id
