# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration platform's Transport servers (`migration_transport_server`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    SERVER_TYPES,
    item_id,
    same_text,
    transport_facts,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.base import RefreshableSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import (
    check_not_empty,
    cloud_by_name,
    find_named,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec, SpecError


class TransportServerSpec(RefreshableSpec):
    """A Transport server of the migration platform, identified by its name.

    A C(Cloud) server runs in the target cloud (I(cloud) names its cloud connection) and every migration needs one;
    an C(On-Premises) server runs next to the source hosts. The platform contacts the server at I(address) when it is
    added. Only the name of a server can change, so a different I(server_type), I(cloud) or I(address) fails naming
    the option. C(state=refreshed) re-reads the server's facts (storage, task capacity) on every run. The platform
    refuses to delete a server while source hosts use it.
    """

    kind = "migration_transport_server"
    result_key = "transport_server"
    description = "Manage the Transport servers of the migration platform."
    label = "transport server"
    create_call, delete_call = "add_transport_server", "delete_transport_server"
    refresh_call = "refresh_transport_server"
    fields = {
        "name": Field("str", "Name of the server; it identifies the server.", required=True),
        "server_type": Field("str", "C(Cloud) for a server in the target cloud, C(On-Premises) for one next to the "
                                    "source hosts. Required to add the server.", choices=SERVER_TYPES,
                             updatable=False),
        "cloud": Field("str", "Name of the cloud connection of a C(Cloud) server.",
                       reference="migration_cloud_connection", updatable=False),
        "address": Field("str", "Management address of the server. Required to add the server.",
                         updatable=False, format="ip"),
    }

    def check(self, desired):
        check_not_empty(desired, ("name", "cloud", "address"))
        if desired.get("server_type") == "On-Premises" and desired.get("cloud"):
            raise SpecError("cloud", "applies only to server_type=Cloud")

    def read_many(self, client, desired_list):
        items = self.read_all(client)
        return [find_named(items, desired["name"], "name") for desired in desired_list]

    def read_all(self, client, within=None):
        """Every server, from one ListTransportServer (the platform does not page it); each names its cloud."""
        return [transport_facts(item) for item in client.list_transport_servers()]

    def read(self, client, desired):
        item = find_named(client.list_transport_servers(name=desired["name"]), desired["name"])
        return transport_facts(item) if item else None

    def same(self, name, want, have):
        return same_text(want, have) if name == "server_type" else ResourceSpec.same(self, name, want, have)

    def plan(self, desired, live):
        state = desired.get("state", "present")
        if not live and state in ("present", "refreshed"):
            self.require_to_add(desired, ("server_type", "address"))
            if desired["server_type"] == "Cloud" and not desired.get("cloud"):
                raise SpecError("cloud", "is required to add a Cloud transport server")
        change = ResourceSpec.plan(self, desired, live)
        self.refuse_locked(change, "UpdateTransportServer changes only the name")
        return change

    def create_args(self, client, desired):
        cloud_id = item_id(cloud_by_name(client, desired["cloud"])) if desired.get("cloud") else None
        return desired["name"], desired["server_type"], desired["address"], cloud_id
