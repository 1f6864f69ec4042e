# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the migration platform: clouds, transport servers, source hosts, vSphere platforms,
migration tasks, the license and the account password.

Objects are identified by name and refer to each other by name; a reference is turned into the
platform's id only when a write needs it, so the reconciler can plan a whole chain before any of it
exists. A change the platform cannot make (a field its Update call does not take, or a task setting
its rules lock at this point) fails naming the option instead of replacing the object: tasks hold
license credits and copied data, and servers and hosts have dependants.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CODE_SERVER_NAME_EXISTS,
    CODE_VOLUME_NAME_EXISTS,
    MigrationClient,
    MigrationError,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    NOOP,
    REPLACE,
    UPDATE,
    Change,
    Field,
    ResourceSpec,
    SpecError,
    answer_lost,
)

CLOUD_TYPES = ("Openstack", "Huayun", "CloudUltra 4", "ArcherOS 2020")
SERVER_TYPES = ("On-Premises", "Cloud")
REFRESH = "refresh"

# ActionState, as the first enum of the document (README: "1007 (waiting for recovery)")
STATE_ERROR = 1003
STATE_V2V = 1006
STATE_WAIT_RECOVERY = 1007
STATE_IN_RECOVERY = 1008
STATE_COMPLETED = 1009
DONE_STATES = (1005, 1009)
COMPLETING_STATES = (STATE_V2V, STATE_WAIT_RECOVERY, STATE_IN_RECOVERY)
#: README: IntervalMinutes, StartTime, MaxSnapNum may not change within 60 s of the task's start time
SCHEDULE_WINDOW_SECONDS = 60
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


# --- shared helpers ---------------------------------------------------------------------------------
def check_not_empty(desired, names):
    """Options that are set must not be blank; raise SpecError naming the first that is."""
    for name in names:
        value = desired.get(name)
        if isinstance(value, str) and not value.strip():
            raise SpecError(name, "must not be empty")


def refuse_locked(spec, change, kind_label, why):
    """Raise SpecError naming the first changed field that cannot be updated."""
    locked = sorted(name for name in change.fields if not spec.fields[name].updatable)
    if locked:
        name = locked[0]
        before, after = change.fields[name]
        raise SpecError(name, "%s %r has %s=%r and %s; delete it (state=absent) and add it again to change %s to %r"
                        % (kind_label, change.desired.get("name"), name, before, why, name, after))


def find_named(items, name, key="Name"):
    """The item whose `key` equals `name` exactly (list filters may match more), or None."""
    for item in items:
        if item.get(key) == name:
            return item
    return None


def item_id(item):
    return item.get("Id") or item.get("ID") if item else None


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


def vm_sources(tree):
    """Every VM (`VTs`) anywhere in a ListVSHosts tree."""
    found = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "VTs" and isinstance(value, list):
                found.extend(v for v in value if isinstance(v, dict))
            else:
                found.extend(vm_sources(value))
    elif isinstance(tree, list):
        for value in tree:
            found.extend(vm_sources(value))
    return found


def source_by_name(client, name, option="source_host"):
    """Id of the Packer host, else the vSphere VM, named `name`."""
    host = find_named(client.list_hosts(name=name)["AgentHosts"], name)
    if host is None:
        host = find_named(vm_sources(client.list_vsphere_hosts()), name)
    if host is None:
        raise SpecError(option, "no source host (Packer host or vSphere VM) named %r" % name)
    return item_id(host)


def same_text(want, have):
    return str(want).strip().lower() == str(have if have is not None else "").strip().lower()


def parse_time(text):
    """A naive datetime of the platform's "yyyy-mm-dd hh:mm[:ss]" (its local time), or None."""
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(str(text).strip(), fmt)
        except (TypeError, ValueError):
            continue
    return None


# --- cloud connections ------------------------------------------------------------------------------
CLOUD_API_KEYS = {
    "project_name": "ProjectName",
    "cloud_user": "CloudUser",
    "cloud_password": "CloudPass",
    "identity_port": "IdentityPort",
    "address": "CloudAddr",
    "owner_id": "OwnerId",
    "environment_id": "EnvironmentId",
    "zone_id": "ZoneId",
    "zone_name": "ZoneName",
    "region_id": "RegionId",
    "region_name": "RegionName",
}
#: what UpdateCloudConnection takes besides Id and Name
CLOUD_UPDATE_FIELDS = ("project_name", "cloud_user", "cloud_password", "identity_port", "address", "environment_id",
                       "zone_id", "zone_name", "region_id", "region_name")


def decode_cloud_password(text):
    """ListCloudConnection gives CloudPass base64-encoded (README: a secret all the same)."""
    if not text:
        return text
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return text


def cloud_facts(item):
    """A ListCloudConnection item in option names; keys the platform did not send stay out."""
    facts = {"id": item_id(item), "name": item.get("Name"), "cloud_type": item.get("CloudType"),
             "identity_url": item.get("IdentityUrl"), "domain": item.get("Domain"),
             "created_time": item.get("CreatedTime")}
    for option, key in CLOUD_API_KEYS.items():
        if key in item:
            facts[option] = decode_cloud_password(item[key]) if option == "cloud_password" else item[key]
    port = facts.get("identity_port")
    if isinstance(port, str) and port.strip().isdigit():
        facts["identity_port"] = int(port)  # some answers carry the port as text; compare it as the number it is
    return facts


class CloudConnectionSpec(ResourceSpec):
    """A connection to the target cloud (OpenStack, Huayun, CloudUltra 4, ArcherOS 2020), identified by its name.

    The platform adds the connection without contacting the cloud; I(verify=true) checks the credentials with
    C(VerifyCloudConnection) first. I(cloud_password) is compared with the one the platform holds (it returns it
    base64-encoded), and is never shown. I(cloud_type) and I(owner_id) cannot change once the connection exists. The
    platform refuses to delete a connection while a transport server uses it.
    """

    kind = "migration_cloud_connection"
    platform = "migration"
    result_key = "cloud_connection"
    description = "Manage the cloud connections of the migration platform."
    identity = ("name",)
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
        port = desired.get("identity_port")
        if port is not None and not 0 < port < 65536:
            raise SpecError("identity_port", "must be a port number (1 to 65535), got %s" % port)

    def read_many(self, client, desired_list):
        items = [cloud_facts(item) for item in client.list_cloud_connections()]
        return [find_named(items, desired["name"], "name") for desired in desired_list]

    def read(self, client, desired):
        item = find_named(client.list_cloud_connections(desired["name"]), desired["name"])
        return cloud_facts(item) if item else None

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
            for name in ("cloud_type", "address"):
                if not desired.get(name):
                    raise SpecError(name, "is required to add cloud connection %r" % desired["name"])
        change = ResourceSpec.plan(self, desired, live)
        refuse_locked(self, change, "cloud connection", "the platform cannot change it")
        return change

    def api_fields(self, desired, names):
        fields = {}
        for name in names:
            value = desired.get(name)
            if value is not None:
                fields[CLOUD_API_KEYS[name]] = str(value) if name == "identity_port" else value
        return fields

    def _verify(self, client, desired, live=None):
        merged = dict(live or {})
        merged.update(dict((k, v) for k, v in desired.items() if v is not None))
        fields = self.api_fields(merged, ("project_name", "cloud_user", "cloud_password", "identity_port",
                                          "address", "environment_id", "zone_id", "region_id"))
        fields.update(CloudType=merged.get("cloud_type"), ownerId=merged.get("owner_id"))
        client.verify_cloud_connection(fields)

    def create(self, client, desired):
        if desired.get("verify"):
            self._verify(client, desired)
        fields = self.api_fields(desired, CLOUD_API_KEYS)
        fields.update(CloudName=desired["name"], CloudType=desired["cloud_type"])
        client.add_cloud_connection(fields)
        return self.public(self.read(client, desired))

    def update(self, client, live, desired, changes):
        if desired.get("verify"):
            self._verify(client, desired, live)
        merged = dict((name, live.get(name)) for name in CLOUD_UPDATE_FIELDS if live.get(name) is not None)
        merged.update(dict((name, desired[name]) for name in CLOUD_UPDATE_FIELDS if desired.get(name) is not None))
        fields = self.api_fields(merged, CLOUD_UPDATE_FIELDS)
        fields["Name"] = live["name"]
        client.update_cloud_connection(live["id"], fields)
        return self.public(self.read(client, desired))

    def delete(self, client, live):
        client.delete_cloud_connection(live["id"])


# --- transport servers ---------------------------------------------------------------------------------
def transport_facts(item):
    """A ListTransportServer item in option names."""
    server_type = item.get("ServType")
    for known in SERVER_TYPES:
        if same_text(known, server_type):
            server_type = known
    return {"id": item_id(item), "name": item.get("Name"), "server_type": server_type,
            "cloud": item.get("CloudName") or None, "address": item.get("MgntAddr"),
            "created_time": item.get("CreatedTime"), "max_supported_tasks": item.get("MaxSupportedTasks"),
            "current_tasks": item.get("CurrentTasks"), "storage_id": item.get("StorageId"),
            "storage_type": item.get("StorageType")}


class RefreshableSpec(ResourceSpec):
    """A kind whose objects the platform can re-read (state C(refreshed)); subclasses implement `refresh`."""

    states = ("present", "absent", "refreshed")
    label = ""

    def plan_state(self, state, desired, live):
        """refreshed: add the object when it is missing (it is read fresh then), else refresh it."""
        if not live:
            return ResourceSpec.plan(self, dict(desired, state="present"), None)
        change = ResourceSpec.plan(self, dict(desired, state="present"), live)
        if change.fields:
            refuse_locked(self, change, self.label, "the platform cannot change it")
        return Change(self, REFRESH, desired, live, change.fields,
                      note="the platform re-reads the object on every run with state=refreshed")

    def act(self, client, change):
        if change.fields:
            self.update(client, change.live, change.desired, change.fields)
        self.refresh(client, change.live)
        return self.public(self.read(client, change.desired))

    def refresh(self, client, live):
        raise SpecError(None, "%s cannot be refreshed" % self.kind)


class TransportServerSpec(RefreshableSpec):
    """A Transport server of the migration platform, identified by its name.

    A C(Cloud) server runs in the target cloud (I(cloud) names its cloud connection) and every migration needs one;
    an C(On-Premises) server runs next to the source hosts. The platform contacts the server at I(address) when it is
    added. Only the name of a server can change, so a different I(server_type), I(cloud) or I(address) fails naming
    the option. C(state=refreshed) re-reads the server's facts (storage, task capacity) on every run. The platform
    refuses to delete a server while source hosts use it.
    """

    kind = "migration_transport_server"
    platform = "migration"
    result_key = "transport_server"
    description = "Manage the Transport servers of the migration platform."
    identity = ("name",)
    label = "transport server"
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
        items = [transport_facts(item) for item in client.list_transport_servers()]
        return [find_named(items, desired["name"], "name") for desired in desired_list]

    def read(self, client, desired):
        item = find_named(client.list_transport_servers(name=desired["name"]), desired["name"])
        return transport_facts(item) if item else None

    def same(self, name, want, have):
        return same_text(want, have) if name == "server_type" else ResourceSpec.same(self, name, want, have)

    def plan(self, desired, live):
        state = desired.get("state", "present")
        if not live and state in ("present", "refreshed"):
            for name in ("server_type", "address"):
                if not desired.get(name):
                    raise SpecError(name, "is required to add transport server %r" % desired["name"])
            if desired["server_type"] == "Cloud" and not desired.get("cloud"):
                raise SpecError("cloud", "is required to add a Cloud transport server")
        change = ResourceSpec.plan(self, desired, live)
        refuse_locked(self, change, self.label, "UpdateTransportServer changes only the name")
        return change

    def create(self, client, desired):
        cloud_id = item_id(cloud_by_name(client, desired["cloud"])) if desired.get("cloud") else None
        client.add_transport_server(desired["name"], desired["server_type"], desired["address"], cloud_id)
        return self.read(client, desired)

    def delete(self, client, live):
        client.delete_transport_server(live["id"])

    def refresh(self, client, live):
        client.refresh_transport_server(live["id"])


# --- Packer source hosts -----------------------------------------------------------------------------
def host_facts(detail):
    """A GetPackerHost answer in option names."""
    return {"id": item_id(detail), "name": detail.get("Name"), "address": detail.get("MgntAddr"),
            "transport_server": detail.get("TransName"), "transport_address": detail.get("TransAddr"),
            "os_type": detail.get("OsType"), "os_name": detail.get("OsName"), "cpu": detail.get("CPU"),
            "memory": detail.get("Memory"), "total_size": detail.get("TotalSize"),
            "host_type": detail.get("HostType"), "agent": detail.get("Agent"), "offline": detail.get("Offline"),
            "in_task": detail.get("InTask"), "can_not_migrate": detail.get("CanNotMigrate"),
            "can_not_migrate_reason": detail.get("CNMReason"), "created_time": detail.get("CreatedTime"),
            "volumes": list(detail.get("VolumeInfos") or [])}


class SourceHostSpec(RefreshableSpec):
    """A source host with the Packer agent, reached through a transport server, identified by its name.

    The platform contacts the agent at I(address) when the host is added and records its disks, network and OS. The
    name and the transport server can change; a different I(address) fails naming the option. C(state=refreshed)
    re-reads the host's disks and OS on every run. The platform refuses to delete a host while a task copies it.
    """

    kind = "migration_source_host"
    platform = "migration"
    result_key = "source_host"
    description = "Manage the Packer source hosts of the migration platform."
    identity = ("name",)
    label = "source host"
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
        item = find_named(client.list_hosts(name=desired["name"])["AgentHosts"], desired["name"])
        return host_facts(client.get_packer_host(item_id(item))) if item else None

    def read_many(self, client, desired_list):
        hosts = client.list_hosts()["AgentHosts"]
        result = []
        for desired in desired_list:
            item = find_named(hosts, desired["name"])
            result.append(host_facts(client.get_packer_host(item_id(item))) if item else None)
        return result

    def plan(self, desired, live):
        if not live and desired.get("state", "present") in ("present", "refreshed"):
            for name in ("transport_server", "address"):
                if not desired.get(name):
                    raise SpecError(name, "is required to add source host %r" % desired["name"])
        change = ResourceSpec.plan(self, desired, live)
        refuse_locked(self, change, self.label, "UpdatePackerHost changes only its name and transport server")
        return change

    def create(self, client, desired):
        trans_id = item_id(transport_by_name(client, desired["transport_server"]))
        client.add_packer_host(desired["name"], trans_id, desired["address"])
        return self.read(client, desired)

    def update(self, client, live, desired, changes):
        name = desired.get("transport_server") or live.get("transport_server")
        client.update_packer_host(live["id"], desired["name"], item_id(transport_by_name(client, name)))
        return self.read(client, desired)

    def delete(self, client, live):
        client.delete_packer_host(live["id"])

    def refresh(self, client, live):
        client.refresh_packer_host(live["id"])


# --- vSphere platforms --------------------------------------------------------------------------------
def vsphere_facts(item):
    """A ListHosts VSPlatforms item in option names."""
    return {"id": item_id(item), "name": item.get("Name"), "address": item.get("Ip"),
            "is_vcenter": item.get("IsVcenter"), "created_time": item.get("CreatedTime")}


class VspherePlatformSpec(RefreshableSpec):
    """A vSphere platform (vCenter or ESXi) whose VMs migrate without an agent, identified by its name.

    The platform logs in to vSphere at I(address) when it is added and reads its VMs through the transport server.
    It never shows the vSphere user, password or transport server of a platform, so they are sent when the platform
    is added and, with I(update_password=always), on every run (which then always reports a change). A different
    I(address) fails naming the option. C(state=refreshed) re-reads the VM tree and the VMs' configuration.
    """

    kind = "migration_vsphere_platform"
    platform = "migration"
    result_key = "vsphere_platform"
    description = "Manage the vSphere platforms of the migration platform."
    identity = ("name",)
    label = "vSphere platform"
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

    def plan(self, desired, live):
        state = desired.get("state", "present")
        if not live and state in ("present", "refreshed"):
            for name in ("address", "vsphere_username", "vsphere_password", "transport_server"):
                if not desired.get(name):
                    raise SpecError(name, "is required to add vSphere platform %r" % desired["name"])
        change = ResourceSpec.plan(self, desired, live)
        refuse_locked(self, change, self.label, "UpdateVSPlatform cannot change it")
        if change.action == NOOP and state == "present" and desired.get("update_password") == "always":
            missing = [n for n in ("vsphere_username", "vsphere_password") if not desired.get(n)]
            if missing:
                raise SpecError(missing[0], "is required with update_password=always")
            return Change(self, UPDATE, desired, live, {"vsphere_password": (None, desired["vsphere_password"])},
                          note="update_password=always sends the vSphere credentials on every run")
        return change

    def create(self, client, desired):
        trans_id = item_id(transport_by_name(client, desired["transport_server"]))
        try:
            client.add_vsphere_platform(desired["name"], desired["address"], desired["vsphere_username"],
                                        desired["vsphere_password"], trans_id)
        except MigrationError as exc:
            if exc.code == 1 and isinstance(exc.data, list):
                names = ", ".join("%s (%s)" % (vm.get("Name"), vm.get("Uuid")) for vm in exc.data)
                raise MigrationError("%s; VMs already known by uuid: %s" % (exc.reason, names), exc.method,
                                     exc.path, exc.status, exc.code, action=exc.action, data=exc.data)
            raise
        return self.read(client, desired)

    def update(self, client, live, desired, changes):
        trans_id = None
        if desired.get("transport_server"):
            trans_id = item_id(transport_by_name(client, desired["transport_server"]))
        client.update_vsphere_platform(live["id"], desired["name"], desired.get("vsphere_username"),
                                       desired.get("vsphere_password"), trans_id)
        return self.read(client, desired)

    def delete(self, client, live):
        client.delete_vsphere_platform(live["id"])

    def refresh(self, client, live):
        client.refresh_vsphere_platform(live["id"])


# --- migration tasks ----------------------------------------------------------------------------------
def _target(detail, key):
    return (detail.get("TargetHost") or {}).get(key)


#: option -> (PrepareTaskWorkload key, UpdateTask key, how GetTaskDetail shows it); None: the call does not take it
TASK_SETTINGS = {
    "priority": ("Priority", "Priority", lambda d: d.get("Priority")),
    "interval_minutes": ("IntervalMinutes", "IntervalMinutes", lambda d: d.get("IntervalMinutes")),
    # the document spells it three ways: MaxSnapsNum (prepare), MaxSnapNum (update), MaxSnapNumber (detail)
    "max_snapshots": ("MaxSnapsNum", "MaxSnapNum", lambda d: d.get("MaxSnapNumber")),
    "start_time": ("StartTime", "StartTime", lambda d: d.get("StartTime")),
    "compressed": ("IsCompressed", None, lambda d: d.get("IsCompressed")),
    "qos_limit": ("QosLimit", None, lambda d: d.get("QosBW")),
    "storage_id": ("StorageId", None, lambda d: _target(d, "StorageId")),
    "flavor_id": ("FlavorId", "FlavorId", lambda d: _target(d, "Flavor")),
    "network_id": ("NetworkId", "NetworkId", lambda d: _target(d, "Network")),
    "subnet_id": ("SubnetId", "SubnetId", lambda d: _target(d, "Subnet")),
    "security_group_id": ("SecurityGroupId", "SecurityGroupId", lambda d: _target(d, "SecGroup")),
    "aggregate_id": (None, "AggregateId", lambda d: _target(d, "AggregateId")),
    "cpu": ("CPU", "CPU", lambda d: _target(d, "CPU")),
    "sockets": ("Sockets", "Sockets", lambda d: _target(d, "Sockets")),
    "memory": ("Memory", "Memory", lambda d: _target(d, "Memory")),
    "bandwidth": ("BandWidth", "BandWidth", lambda d: _target(d, "BandWidth")),
    "target_server_name": ("TargetServerName", "TargetServerName", lambda d: _target(d, "ServerName")),
    "net_interfaces": ("NetInterfaces", "NetInterfaces", lambda d: (d.get("SourceHost") or {}).get("NetInterfaces")),
}
SCHEDULE_FIELDS = ("interval_minutes", "start_time", "max_snapshots")
#: README: flavour, network, subnet and security group are locked once ActionState is 1007 or later; the
#: emulator's reading locks the other target settings (CPU, memory, sockets, interfaces) with them
RECOVERY_LOCKED_FIELDS = ("flavor_id", "network_id", "subnet_id", "security_group_id", "cpu", "sockets", "memory",
                          "net_interfaces")
VOLUME_KEYS = {"name": "VolumeName", "type": "VolumeType", "size": "VolumeSize", "cloud_volume_name": "CloudVolumeName",
               "prealloc": "PreAlloc"}


def volume_info(volume):
    """One item of PrepareTaskWorkload's VolumeInfos; VolumeSize is "string // GB", so a number is sent as text."""
    info = dict((VOLUME_KEYS[k], v) for k, v in volume.items() if v is not None)
    if isinstance(info.get("VolumeSize"), (int, float)) and not isinstance(info["VolumeSize"], bool):
        info["VolumeSize"] = ("%f" % info["VolumeSize"]).rstrip("0").rstrip(".")
    return info


def progress_percent(text):
    """ProgressPrecent ("100%") as a number, or None."""
    try:
        return float(str(text).strip().rstrip("%"))
    except (TypeError, ValueError):
        return None


def task_facts(detail):
    """A GetTaskDetail answer in option names, plus the progress facts."""
    facts = dict((option, read(detail)) for option, (_c, _u, read) in TASK_SETTINGS.items())
    source = detail.get("SourceHost") or {}
    facts.update({
        "id": item_id(detail), "name": detail.get("Name"), "cloud": detail.get("CloudName"),
        "cloud_id": detail.get("CloudId"), "cloud_type": detail.get("CloudType"),
        "source_host": source.get("Name"), "source_address": source.get("MgntAddr"),
        "source_transport_server": (detail.get("SrcTransHost") or {}).get("Name") or None,
        "target_transport_server": (detail.get("TransHost") or {}).get("Name"),
        "type": detail.get("Type"), "agent": detail.get("Agent"), "snap_times": detail.get("SnapTimes"),
        "progress": detail.get("ProgressPrecent"), "last_sync": detail.get("LastSync"),
        "status": detail.get("Status"), "action_state": detail.get("ActionState"),
        "server_id": _target(detail, "ServerID"), "volumes": list(source.get("VolumeInfos") or []),
    })
    return facts


def first_copy_done(live):
    """CompleteTask needs the first full copy done: SnapTimes >= 2 or progress 100% (README)."""
    return (live.get("snap_times") or 0) >= 2 or (progress_percent(live.get("progress")) or 0) >= 100


def completing(live):
    """CompleteTask was called: the final sync or the recovery is under way."""
    return (live.get("last_sync") or 0) >= 1 or live.get("action_state") in COMPLETING_STATES


class TaskSpec(ResourceSpec):
    """A migration task copying one source host into a cloud, identified by its name.

    A new task takes one license credit; deleting a task that has not finished gives it back. The task copies the
    source host through the transport servers every I(interval_minutes) from I(start_time) on, keeping
    I(max_snapshots) copies, until it is completed. C(state=running) also resumes a task an error paused (action
    state 1003) with C(ContinueTask). C(state=completed) runs the final sync and creates the cloud server
    (C(CompleteTask)), which needs the first full copy done; with I(wait) the module waits for the first full copy
    and then for the server. When creating the server failed after the final sync, C(state=completed) creates it
    again (C(CreateInstance)) with the task's target settings.

    The platform's rules on changes are checked before anything is written, and a change they forbid fails naming
    the option: I(interval_minutes), I(start_time) and I(max_snapshots) cannot change within 60 seconds of the
    task's start time; the target flavour, CPU, memory, sockets, network, subnet, security group and interfaces
    cannot change once the task is waiting for recovery (action state 1007) or later; the source host, cloud,
    transport servers, storage, compression and QoS limit cannot change at all. I(start_time) is the platform's
    local time. I(volumes) is used when the task is created.
    """

    kind = "migration_task"
    platform = "migration"
    # a new task takes a license credit, and a vSphere VM is a source only once its platform is added
    prerequisites = ("migration_license", "migration_vsphere_platform")
    result_key = "task"
    description = "Create, change, resume, complete and delete migration tasks."
    identity = ("name",)
    states = ("present", "absent", "running", "completed")
    waits = True
    fields = {
        "name": Field("str", "Name of the task; it identifies the task.", required=True),
        "source_host": Field("str", "Name of the source: a Packer host, or a VM of a vSphere platform (for the "
                                    "reconciler, name such a VM under C(existing.migration_source_host)). Required "
                                    "to create the task.", reference="migration_source_host", updatable=False),
        "cloud": Field("str", "Name of the cloud connection to migrate into. Required to create the task.",
                       reference="migration_cloud_connection", updatable=False),
        "target_transport_server": Field("str", "Name of the C(Cloud) transport server that receives the data. "
                                                "Required to create the task.",
                                         reference="migration_transport_server", updatable=False),
        "source_transport_server": Field("str", "Name of the C(On-Premises) transport server relaying the data, "
                                                "when the copy does not go directly.",
                                         reference="migration_transport_server", updatable=False),
        "priority": Field("int", "Priority of the task; higher runs first.", min=0),
        "interval_minutes": Field("int", "Minutes between two copies.", min=1),
        "max_snapshots": Field("int", "How many copies (snapshots) to keep.", min=1),
        "start_time": Field("str", "When the first copy starts, C(yyyy-mm-dd hh:mm) in the platform's local time."),
        "compressed": Field("bool", "Compress the data in transit (off by default); set when the task is created.",
                            updatable=False),
        "qos_limit": Field("int", "Bandwidth limit of the copy, MB/s; set when the task is created.",
                           updatable=False, min=0),
        "storage_id": Field("str", "Storage of the cloud volumes; set when the task is created.", updatable=False),
        "flavor_id": Field("str", "Flavour of the cloud server (or give I(cpu) and I(memory))."),
        "cpu": Field("int", "vCPUs of the cloud server, instead of I(flavor_id).", min=1),
        "sockets": Field("int", "CPU sockets of the cloud server.", min=1),
        "memory": Field("int", "Memory of the cloud server, GB, instead of I(flavor_id).", min=1),
        "network_id": Field("str", "Network of the cloud server."),
        "subnet_id": Field("str", "Subnet of the cloud server."),
        "route_id": Field("str", "Router (Huayun public cloud); not shown by the platform, so only sent.",
                          compare=False),
        "security_group_id": Field("str", "Security group of the cloud server."),
        "aggregate_id": Field("str", "Host aggregate of the cloud server (set through C(UpdateTask))."),
        "bandwidth": Field("int", "Public bandwidth of the cloud server, Mbit/s (Huayun public cloud).", min=0),
        "target_server_name": Field("str", "Name of the cloud server; it must not exist in the cloud yet."),
        "volumes": Field("list", "Disks to migrate, each a mapping with C(name) (such as C(/dev/vda)), C(type) (the "
                                 "cloud volume type), C(size) (GB), C(cloud_volume_name) and C(prealloc); used when "
                                 "the task is created.", elements="dict", compare=False),
        "net_interfaces": Field("list", "Interfaces of the cloud server (agentless vSphere migrations), each with "
                                        "C(NetworkId), C(SecurityGroupId), C(Mac) and C(SubNets) (C(SubnetId), "
                                        "C(Ip)), as the API takes them.", elements="dict"),
    }

    # --- validation ---------------------------------------------------------------------------
    def check(self, desired):
        check_not_empty(desired, ("name", "source_host", "cloud", "target_transport_server", "start_time"))
        if desired.get("start_time") and parse_time(desired["start_time"]) is None:
            raise SpecError("start_time", "must be 'yyyy-mm-dd hh:mm' (or with ':ss'), got %r" % desired["start_time"])
        for index, volume in enumerate(desired.get("volumes") or []):
            unknown = sorted(set(volume) - set(VOLUME_KEYS)) if isinstance(volume, dict) else None
            if unknown is None or not volume.get("name"):
                raise SpecError("volumes[%d]" % index, "must be a mapping with at least name")
            if unknown:
                raise SpecError("volumes[%d]" % index, "unknown keys %s (known: %s)" % (
                    ", ".join(unknown), ", ".join(VOLUME_KEYS)))
        if desired.get("wait_timeout") is not None and desired["wait_timeout"] <= 0:
            raise SpecError("wait_timeout", "must be positive")

    # --- reading ------------------------------------------------------------------------------
    def read(self, client, desired):
        return self.read_many(client, [desired])[0]

    def read_many(self, client, desired_list):
        names = set(d["name"] for d in desired_list)
        name = next(iter(names)) if len(names) == 1 else None
        tasks = client.list_tasks(name=name)
        result = []
        for desired in desired_list:
            item = find_named(tasks, desired["name"])
            result.append(task_facts(client.get_task_detail(item_id(item))) if item else None)
        return result

    def _reread(self, client, desired):
        live = self.read(client, desired)
        if live is None:
            raise MigrationError("task %r is missing after the change" % desired["name"])
        return live

    # --- planning -----------------------------------------------------------------------------
    def same(self, name, want, have):
        if name == "start_time":
            # PrepareTaskWorkload takes the start to the minute ('yyyy-mm-dd hh:mm'), so compare to the minute
            want, have = parse_time(want), parse_time(have)
            return want is not None and have is not None and want.replace(second=0) == have.replace(second=0)
        return ResourceSpec.same(self, name, want, have)

    def plan(self, desired, live):
        state = desired.get("state", "present")
        if state in ("present", "running") and not live:
            for name in ("source_host", "cloud", "target_transport_server"):
                if not desired.get(name):
                    raise SpecError(name, "is required to create task %r" % desired["name"])
        if state in ("running", "completed"):
            return self.plan_state(state, desired, live)
        change = ResourceSpec.plan(self, desired, live)
        if change.action in (UPDATE, REPLACE):
            change.action = UPDATE
            self.check_allowed(change)
        if change.action == "delete" and live.get("action_state") not in DONE_STATES:
            change.note = "the task has not finished: deleting it gives its license credit back"
        return change

    def check_allowed(self, change, now=None):
        """Raise SpecError naming the first change the platform's rules forbid now."""
        live = change.live
        for name in sorted(change.fields):
            if not self.fields[name].updatable:
                raise SpecError(name, "task %r was created with %s=%r; a task cannot change it (delete the task and "
                                      "create it again)" % (live["name"], name, change.fields[name][0]))
        schedule = [n for n in SCHEDULE_FIELDS if n in change.fields]
        start = parse_time(live.get("start_time"))
        now = now or datetime.datetime.now()
        if schedule and start is not None and abs((now - start).total_seconds()) < SCHEDULE_WINDOW_SECONDS:
            raise SpecError(schedule[0], "cannot be changed within %d s of the task's start time (%s); try again "
                                         "later" % (SCHEDULE_WINDOW_SECONDS, live.get("start_time")))
        locked = [n for n in RECOVERY_LOCKED_FIELDS if n in change.fields]
        state = live.get("action_state") or 0
        if locked and state >= STATE_WAIT_RECOVERY:
            raise SpecError(locked[0], "cannot be changed once task %r is waiting for recovery or later (action "
                                       "state %s)" % (live["name"], state))

    def plan_state(self, state, desired, live):
        if state == "running":
            return self._plan_running(desired, live)
        return self._plan_completed(desired, live)

    def _plan_running(self, desired, live):
        change = ResourceSpec.plan(self, dict(desired, state="present"), live)
        if change.action in (UPDATE, REPLACE):
            change.action = UPDATE
            self.check_allowed(change)
        if change.action == CREATE or live.get("action_state") != STATE_ERROR:
            return change
        fields = dict(change.fields)
        fields["action_state"] = (STATE_ERROR, "running")
        return Change(self, "continue", desired, live, fields, note="resumes the task paused by: %s" % live.get(
            "status"))

    def _plan_completed(self, desired, live):
        if not live:
            raise SpecError("name", "no task named %r to complete" % desired["name"])
        state = live.get("action_state")
        if state in DONE_STATES or (completing(live) and state != STATE_ERROR):
            return Change(self, NOOP, desired, live)
        if state == STATE_ERROR and completing(live):
            target = STATE_COMPLETED if desired.get("wait") else STATE_IN_RECOVERY
            return Change(self, "create_instance", desired, live, {"action_state": (state, target)},
                          note="creating the cloud server failed (%s); it is created again" % live.get("status"))
        if state == STATE_ERROR:
            raise SpecError("state", "task %r is paused by an error (%s); resume it with state=running first" % (
                desired["name"], live.get("status")))
        if not first_copy_done(live) and not desired.get("wait"):
            raise SpecError("state", "task %r cannot be completed before its first full copy is done (SnapTimes %s, "
                                     "progress %s); use wait=true to wait for it" % (
                                         desired["name"], live.get("snap_times"), live.get("progress")))
        note = None if first_copy_done(live) else "waits for the first full copy before completing"
        fields = {"last_sync": (live.get("last_sync") or 0, 1)}
        if desired.get("wait"):
            fields["action_state"] = (state, STATE_COMPLETED)
        return Change(self, "complete", desired, live, fields, note=note)

    # --- writing ------------------------------------------------------------------------------
    def create(self, client, desired):
        fields = self.create_fields(client, desired)
        try:
            client.prepare_task(fields)
        except MigrationError as exc:
            raise self._clash(exc) or exc
        if desired.get("aggregate_id"):
            live = self._reread(client, desired)
            client.update_task(live["id"], {"AggregateId": desired["aggregate_id"]})
        return self._reread(client, desired)

    def create_fields(self, client, desired):
        """PrepareTaskWorkload's body: references turned into ids, settings under their API names."""
        fields = {"Name": desired["name"], "HostId": source_by_name(client, desired["source_host"]),
                  "CloudId": item_id(cloud_by_name(client, desired["cloud"])),
                  "TargetTransId": item_id(transport_by_name(client, desired["target_transport_server"],
                                                             "target_transport_server"))}
        if desired.get("source_transport_server"):
            fields["SrcTransId"] = item_id(transport_by_name(client, desired["source_transport_server"],
                                                             "source_transport_server"))
        for option, (create_key, _u, _r) in TASK_SETTINGS.items():
            if create_key and desired.get(option) is not None:
                fields[create_key] = desired[option]
        if desired.get("start_time"):
            fields["StartTime"] = parse_time(desired["start_time"]).strftime("%Y-%m-%d %H:%M")
        if desired.get("route_id"):
            fields["RouteId"] = desired["route_id"]
        if desired.get("volumes"):
            fields["VolumeInfos"] = [volume_info(volume) for volume in desired["volumes"]]
        return fields

    @staticmethod
    def _clash(exc):
        """A name clash (Code 1 or 2) as a SpecError naming the option, else None."""
        names = ", ".join(exc.repeated) or "(not named)"
        if exc.code == CODE_SERVER_NAME_EXISTS:
            return SpecError("target_server_name", "a cloud server with this name already exists: %s" % names)
        if exc.code == CODE_VOLUME_NAME_EXISTS:
            return SpecError("volumes", "cloud volumes with these names already exist: %s" % names)
        return None

    def update_fields(self, desired, changes):
        fields = {}
        for name in changes:
            update_key = TASK_SETTINGS.get(name, (None, None, None))[1]
            if update_key:
                value = desired[name]
                if name == "start_time":
                    value = parse_time(value).strftime("%Y-%m-%d %H:%M:%S")
                fields[update_key] = value
        if desired.get("route_id") and any(n in changes for n in ("network_id", "subnet_id")):
            fields["RouteId"] = desired["route_id"]
        return fields

    def update(self, client, live, desired, changes):
        try:
            client.update_task(live["id"], self.update_fields(desired, changes))
        except MigrationError as exc:
            raise self._clash(exc) or exc
        return self._reread(client, desired)

    def delete(self, client, live):
        client.delete_task(live["id"])

    def act(self, client, change):
        desired, live = change.desired, change.live
        if change.action == "continue":
            updates = dict((k, v) for k, v in change.fields.items() if k in self.fields)
            if updates:
                self.update(client, live, desired, updates)
            client.continue_task(live["id"])
            return self.outcome(change, self._reread(client, desired))
        if change.action == "create_instance":
            try:
                client.create_instance(live["id"], self.instance_fields(desired, live))
            except MigrationError as exc:
                raise self._clash(exc) or exc
            return self.outcome(change, self.settle(client, desired, self._reread(client, desired)))
        if not first_copy_done(live):
            live = self._wait(client, desired, live, first_copy_done, "its first full copy")
        client.complete_task(live["id"])
        return self.outcome(change, self.settle(client, desired, self._reread(client, desired)))

    @staticmethod
    def outcome(change, after):
        """The change's fields become every fact that did change, read back (the state reached, the server created)."""
        before = change.live or {}
        names = list(before) + [name for name in after if name not in before]
        change.fields = dict((name, (before.get(name), after.get(name))) for name in names
                             if before.get(name) != after.get(name))
        return after

    def changed_paths(self, change):
        """Nested paths of the changed options; facts such as the created server are shown whole."""
        options = Change(self, change.action, change.desired, change.live,
                         dict((name, pair) for name, pair in change.fields.items() if name in self.fields))
        return ResourceSpec.changed_paths(self, options)

    def instance_fields(self, desired, live):
        """CreateInstance's body: the target settings, desired over the task's own."""
        keys = ("flavor_id", "network_id", "subnet_id", "security_group_id", "aggregate_id", "cpu", "sockets",
                "memory", "target_server_name", "net_interfaces")
        fields = {}
        for name in keys:
            value = desired.get(name) if desired.get(name) is not None else live.get(name)
            if value not in (None, ""):
                fields[TASK_SETTINGS[name][1]] = value
        bandwidth = desired.get("bandwidth") if desired.get("bandwidth") is not None else live.get("bandwidth")
        if bandwidth is not None:
            fields["Bandwidth"] = bandwidth
        if desired.get("route_id"):
            fields["RouteId"] = desired["route_id"]
        return fields

    def settle(self, client, desired, live):
        """With state=completed and wait, poll until the cloud server exists; fail when the task fails."""
        if not live or desired.get("state") != "completed" or not desired.get("wait"):
            return live
        if live.get("action_state") in DONE_STATES:
            return self._with_instance(client, live)
        live = self._wait(client, desired, live, lambda t: t.get("action_state") in DONE_STATES or (
            t.get("action_state") == STATE_ERROR), "the cloud server")
        if live.get("action_state") == STATE_ERROR:
            raise MigrationError("task %r failed while completing: %s" % (desired["name"], live.get("status")),
                                 "POST", "/MgmtTask", code=STATE_ERROR, action="GetTaskDetail")
        return self._with_instance(client, live)

    def _wait(self, client, desired, live, done, what):
        return self.wait_for(client, desired, live, lambda: self._reread(client, desired), done,
                             lambda last: "task %r still waits for %s after %ss (action state %s, progress %s)" % (
                                 desired["name"], what, desired.get("wait_timeout"), last.get("action_state"),
                                 last.get("progress")))

    @staticmethod
    def _with_instance(client, live):
        result = dict(live)
        instance = client.get_instance(live["id"])
        result["instance"] = {"id": item_id(instance), "name": instance.get("Name")}
        return result

    def predict(self, change):
        result = ResourceSpec.predict(self, change)
        if result is not None and change.action in ("continue", "complete", "create_instance"):
            for name, (_before, after) in change.fields.items():
                if name not in self.fields:
                    result[name] = after
        return result


# --- the license ----------------------------------------------------------------------------------------
VERIFY = "verify"
#: what tells one installed license from another
LICENSE_TERMS = ("id", "credits", "expire_time")


def license_facts(data):
    return {"id": data.get("Id"), "credits": data.get("Credits"), "used": data.get("Used"),
            "expire_time": data.get("ExpireTime")}


def expired(expire_time, now=None):
    """Whether an RFC 3339 ExpireTime lies in the past (unknown formats count as valid)."""
    try:
        when = datetime.datetime.fromisoformat(str(expire_time).replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when <= (now or datetime.datetime.now(datetime.timezone.utc))


class LicenseSpec(ResourceSpec):
    """The license of the migration platform: how long it may be used and how many migrations (credits) it allows.

    Each new task takes a credit; deleting a task that has not finished gives it back. The platform cannot show which
    activation key installed its license, only the license's id, which a key fixes, and it has no way to test a key
    without installing it. So the key is installed when no license is installed, when the installed one has expired,
    or when I(license_id) names a different license than the installed one; the result's C(license.id) is the
    I(license_id) of a key. When I(license_id) names the installed license, nothing is sent. Without I(license_id),
    the key is sent on every run: a key the platform refuses fails naming I(activation_key), and the run reports a
    change only when the license installed differs from the one before (check mode cannot know, and reports the
    check as a change). C(state=absent) deletes the license.
    """

    mutually_exclusive = (("activation_key", "activation_key_file"),)
    kind = "migration_license"
    platform = "migration"
    result_key = "license"
    description = "Install or delete the license of the migration platform."
    identity = ()
    fields = {
        "activation_key": Field("str", "The activation key. Mutually exclusive with I(activation_key_file).",
                                secret=True, compare=False),
        "activation_key_file": Field("path", "File on the controller holding the activation key.", compare=False),
        "license_id": Field("str", "Id of the license the key installs (C(license.id) of an earlier run); the key is "
                                   "installed when the installed license has another id.", format="uuid"),
    }

    def check(self, desired):
        has_key = desired.get("activation_key") or desired.get("activation_key_file")
        if desired.get("state", "present") == "present" and not has_key:
            raise SpecError("activation_key", "one of activation_key or activation_key_file is required with "
                                              "state=present")
        check_not_empty(desired, ("activation_key",))
        if desired.get("activation_key_file"):
            try:
                self.key_text(desired)
            except (IOError, OSError) as exc:
                raise SpecError("activation_key_file", "cannot be read: %s" % exc.strerror)

    @staticmethod
    def key_text(desired):
        if desired.get("activation_key"):
            return desired["activation_key"].strip()
        with open(desired["activation_key_file"], "r") as handle:
            text = handle.read().strip()
        if not text:
            raise SpecError("activation_key_file", "is empty")
        return text

    def read(self, client, desired):
        data = client.get_license()
        return license_facts(data) if data else None

    def plan(self, desired, live):
        if desired.get("state") == "absent":
            return Change(self, "delete" if live else NOOP, desired, live)
        if not live:
            return Change(self, CREATE, desired, None)
        if expired(live.get("expire_time")):
            return Change(self, UPDATE, desired, live, {"expire_time": (live["expire_time"], None)},
                          note="the installed license has expired")
        want = desired.get("license_id")
        if want and want != live.get("id"):
            return Change(self, UPDATE, desired, live, {"license_id": (live.get("id"), want)})
        if want:
            return Change(self, NOOP, desired, live)
        return Change(self, VERIFY, desired, live, note="the platform shows no activation key and cannot test one "
                                                        "without installing it, so the key is sent; give license_id "
                                                        "to leave an installed license alone")

    def create(self, client, desired):
        return self._install(client, desired)

    def update(self, client, live, desired, changes):
        return self._install(client, desired)

    def act(self, client, change):
        """verify: send the key; a change only when the license it installs differs from the one before."""
        facts = self._install(client, change.desired)
        change.fields = dict((name, (change.live.get(name), facts.get(name))) for name in LICENSE_TERMS
                             if change.live.get(name) != facts.get(name))
        if not change.fields:
            change.action = NOOP
            change.note = None
        return facts

    def _install(self, client, desired):
        """UpdateLicense with the key; a refusal by the platform is an error naming the option that gave the key."""
        try:
            data = client.update_license(self.key_text(desired))
        except MigrationError as exc:
            if answer_lost(exc):
                raise
            option = "activation_key" if desired.get("activation_key") else "activation_key_file"
            raise SpecError(option, "the platform refuses this activation key: %s" % exc.reason)
        facts = license_facts(data)
        if desired.get("license_id") and facts["id"] != desired["license_id"]:
            raise SpecError("license_id", "the key installed license %s, not %s" % (facts["id"], desired["license_id"]))
        return facts

    def delete(self, client, live):
        client.delete_license()

    def predict(self, change):
        if change.action == "delete":
            return None
        result = dict(change.live or {})
        if change.desired.get("license_id"):
            result["id"] = change.desired["license_id"]
        return result


# --- the account password --------------------------------------------------------------------------------
class PasswordSpec(ResourceSpec):
    """The password of the account the module logs in with (I(username)).

    The module first tries to log in with I(new_password): when that works, the password is already set and nothing
    changes. Otherwise it logs in with I(password) and changes the password with C(ChangePassword). A new password
    has 6 to 20 characters of at least two kinds (letters, digits, other symbols).
    """

    kind = "migration_password"
    platform = "migration"
    result_key = "account"
    description = "Change the password of a migration platform account."
    identity = ()
    states = ()
    reconcilable = False
    fields = {
        "new_password": Field("str", "The password to set.", required=True, secret=True, compare=False),
    }

    def check(self, desired):
        password = desired.get("new_password") or ""
        kinds = [any(c.isalpha() for c in password), any(c.isdigit() for c in password),
                 any(not c.isalnum() for c in password)]
        if not 6 <= len(password) <= 20 or sum(kinds) < 2:
            raise SpecError("new_password", "must have 6 to 20 characters of at least two kinds (letters, digits, "
                                            "other symbols)")

    def read(self, client, desired):
        probe = MigrationClient(client.http.base_url, client.username, desired["new_password"], http=client.http)
        try:
            probe.login()
        except MigrationError:
            return {"username": client.username, "password_set": False}
        probe.logout()
        return {"username": client.username, "password_set": True}

    def plan(self, desired, live):
        if live.get("password_set"):
            return Change(self, NOOP, desired, live)
        return Change(self, UPDATE, desired, live, {"new_password": (None, desired["new_password"])})

    def update(self, client, live, desired, changes):
        client.change_password(desired["new_password"])
        return {"username": client.username, "password_set": True}

    def predict(self, change):
        return {"username": change.live.get("username"), "password_set": True}


SPECS = [CloudConnectionSpec(), TransportServerSpec(), SourceHostSpec(), VspherePlatformSpec(), TaskSpec(),
         LicenseSpec(), PasswordSpec()]
