# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration platform's cloud connections (`migration_cloud_connection`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    CLOUD_API_KEYS,
    CLOUD_TYPES,
    CLOUD_UPDATE_FIELDS,
    CLOUD_VERIFY_FIELDS,
    canonical,
    cloud_facts,
    cloud_fields,
    same_text,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import CrudById
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.base import MigrationSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import (
    check_not_empty,
    find_named,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec, SpecError


class CloudConnectionSpec(CrudById, MigrationSpec):
    """A connection to the target cloud (OpenStack, Huayun, CloudUltra 4, ArcherOS 2020), identified by its name.

    The platform adds the connection without contacting the cloud; I(verify=true) checks the credentials with
    C(VerifyCloudConnection) first. I(cloud_password) is compared with the one the platform holds (it returns it
    base64-encoded), and is never shown. I(cloud_type) and I(owner_id) cannot change once the connection exists. The
    platform refuses to delete a connection while a transport server uses it.
    """

    kind = "migration_cloud_connection"
    result_key = "cloud_connection"
    description = "Manage the cloud connections of the migration platform."
    label = "cloud connection"
    create_call, update_call, delete_call = "add_cloud_connection", "update_cloud_connection", "delete_cloud_connection"
    fields = {
        "name": Field("str", "Name of the connection (2 to 20 letters, digits, CJK characters, C(_) or C(-)); it "
                             "identifies the connection.", required=True),
        "cloud_type": Field("str", "Type of the cloud. Required to add the connection.", choices=CLOUD_TYPES,
                            updatable=False),
        "project_name": Field("str", "Project (tenant) to migrate into; C(None) for clouds with AK/SK "
                                     "authentication; the project name of CloudUltra 4."),
        "cloud_user": Field("str", "Keystone user name, or the access key."),
        "cloud_password": Field("str", "Keystone password, or the secret key.", secret=True),
        "identity_port": Field("int", "Port of the Keystone identity service (the platform's default is 5000).",
                               min=1, max=65535),
        "address": Field("str", "Address or domain name of the cloud's identity service, or the CloudUltra 4 API "
                                "address. Required to add the connection.", format="host"),
        "owner_id": Field("str", "Project id (CloudUltra 4); set when the connection is added.", compare=False,
                          updatable=False),
        "environment_id": Field("str", "Cloud environment id (CloudUltra 4)."),
        "zone_id": Field("str", "Data center id (CloudUltra 4)."),
        "zone_name": Field("str", "Data center name (CloudUltra 4)."),
        "region_id": Field("str", "Region id (Huayun public cloud)."),
        "region_name": Field("str", "Region name (Huayun public cloud)."),
        "verify": Field("bool", "Check the cloud's address and credentials with C(VerifyCloudConnection) before "
                                "adding or changing the connection.", default=False, compare=False),
    }

    def check(self, desired):
        check_not_empty(desired, ("name", "address", "cloud_user"))
        name = desired.get("name") or ""
        if name and not 2 <= len(name) <= 20:
            raise SpecError("name", "must be 2 to 20 characters long, got %d" % len(name))

    def read_many(self, client, desired_list):
        items = self.read_all(client)
        return [find_named(items, desired["name"], "name") for desired in desired_list]

    def read_all(self, client, within=None):
        """Every connection, from one ListCloudConnection (the platform does not page it)."""
        return [cloud_facts(item) for item in client.list_cloud_connections()]

    def entry_of(self, live):
        """The connection's entry, its type spelled as the option's choices spell it (the document's list answers
        `openstack`), its password an environment variable's placeholder though the platform returns it, and the
        project id of a CloudUltra 4 connection (not compared, but needed to add the connection again)."""
        entry = MigrationSpec.entry_of(self, live)
        if entry.get("cloud_type"):
            entry["cloud_type"] = canonical(entry["cloud_type"], CLOUD_TYPES)
        if live.get("owner_id"):
            entry["owner_id"] = live["owner_id"]
        return dict((name, entry[name]) for name in self.fields if name in entry)

    def read(self, client, desired):
        item = find_named(client.list_cloud_connections(desired["name"]), desired["name"])
        return cloud_facts(item) if item else None

    def reread(self, client, object_id, desired=None):
        """The connection after a write, its password masked."""
        return self.public(self.read(client, desired))

    def differences(self, desired, live):
        # a key the list does not show (EnvironmentId, ZoneId, ...) cannot be compared
        return dict((name, pair) for name, pair in ResourceSpec.differences(self, desired, live).items()
                    if name in live)

    def same(self, name, want, have):
        if name == "cloud_type":
            return same_text(want, have)
        if name == "identity_port":
            return str(want) == str(have)
        return ResourceSpec.same(self, name, want, have)

    def plan(self, desired, live):
        if not live and desired.get("state", "present") == "present":
            self.require_to_add(desired, ("cloud_type", "address"))
        change = ResourceSpec.plan(self, desired, live)
        self.refuse_locked(change, "the platform cannot change it")
        return change

    def _verify(self, client, desired, live=None):
        """VerifyCloudConnection with the desired values over the live ones."""
        merged = dict(live or {})
        merged.update(dict((k, v) for k, v in desired.items() if v is not None))
        fields = cloud_fields(merged, CLOUD_VERIFY_FIELDS)
        fields.update(CloudType=merged.get("cloud_type"), ownerId=merged.get("owner_id"))
        client.verify_cloud_connection(fields)

    def create(self, client, desired):
        if desired.get("verify"):
            self._verify(client, desired)
        return CrudById.create(self, client, desired)

    def create_args(self, client, desired):
        fields = cloud_fields(desired, CLOUD_API_KEYS)
        fields.update(CloudName=desired["name"], CloudType=desired["cloud_type"])
        return (fields,)

    def update(self, client, live, desired, changes):
        if desired.get("verify"):
            self._verify(client, desired, live)
        return CrudById.update(self, client, live, desired, changes)

    def update_args(self, client, live, desired, changes):
        """UpdateCloudConnection's body: every field it takes, the desired values over the live ones."""
        merged = dict((name, live.get(name)) for name in CLOUD_UPDATE_FIELDS if live.get(name) is not None)
        merged.update(dict((name, desired[name]) for name in CLOUD_UPDATE_FIELDS if desired.get(name) is not None))
        fields = cloud_fields(merged, CLOUD_UPDATE_FIELDS)
        fields["Name"] = live["name"]
        return (fields,)
