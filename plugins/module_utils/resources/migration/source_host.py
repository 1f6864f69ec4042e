# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration platform's Packer source hosts (`migration_source_host`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import host_facts, item_id
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.base import RefreshableSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import (
    check_not_empty,
    details,
    details_by_name,
    transport_by_name,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec, SpecError


class SourceHostSpec(RefreshableSpec):
    """A source host with the Packer agent, reached through a transport server, identified by its name.

    The platform contacts the agent at I(address) when the host is added and records its disks, network and OS. The
    name and the transport server can change; a different I(address) fails naming the option. C(state=refreshed)
    re-reads the host's disks and OS on every run. The platform refuses to delete a host while a task copies it.
    """

    kind = "migration_source_host"
    result_key = "source_host"
    description = "Manage the Packer source hosts of the migration platform."
    label = "source host"
    create_call, update_call = "add_packer_host", "update_packer_host"
    delete_call, refresh_call = "delete_packer_host", "refresh_packer_host"
    fields = {
        "name": Field("str", "Name of the host (up to 32 characters); it identifies the host.", required=True),
        "transport_server": Field("str", "Name of the transport server the platform reaches the host through. "
                                         "Required to add the host.", reference="migration_transport_server"),
        "address": Field("str", "Address of the host's Packer agent. Required to add the host.",
                         updatable=False, format="ip"),
    }

    def check(self, desired):
        check_not_empty(desired, ("name", "transport_server", "address"))
        if len(desired.get("name") or "") > 32:
            raise SpecError("name", "must be at most 32 characters long")

    def read(self, client, desired):
        (live,) = details_by_name(client.list_hosts(name=desired["name"])["AgentHosts"], [desired["name"]],
                                  lambda host_id: packer_host(client, host_id))
        return live

    def read_many(self, client, desired_list):
        return details_by_name(client.list_hosts()["AgentHosts"], [desired["name"] for desired in desired_list],
                               lambda host_id: packer_host(client, host_id))

    def read_all(self, client, within=None):
        """Every Packer host of ListHosts (not paged), each read with GetPackerHost as `read_many` reads it: only
        the details name its transport server."""
        return details(client.list_hosts()["AgentHosts"], lambda host_id: packer_host(client, host_id))

    def plan(self, desired, live):
        if not live and desired.get("state", "present") in ("present", "refreshed"):
            self.require_to_add(desired, ("transport_server", "address"))
        change = ResourceSpec.plan(self, desired, live)
        self.refuse_locked(change, "UpdatePackerHost changes only its name and transport server")
        return change

    def create_args(self, client, desired):
        trans_id = item_id(transport_by_name(client, desired["transport_server"]))
        return desired["name"], trans_id, desired["address"]

    def update_args(self, client, live, desired, changes):
        name = desired.get("transport_server") or live.get("transport_server")
        return desired["name"], item_id(transport_by_name(client, name))


def packer_host(client, host_id):
    """A Packer host read with GetPackerHost, in option names."""
    return host_facts(client.get_packer_host(host_id))
