"""What the write-proof tests read back: where each kind's objects live in its emulator's own state.

The tests of tests/contract/test_writes_land.py apply a change and then read the platform's state from the
emulator's model (`EmulatorHandle.state()`, what `GET /_emulator/state` answers), never through a converge
client or a plan. `WIRE` says, for every kind, which stored objects are the kind's and how each field of the
spec is named there: the platform's wire naming, references stored as ids read back as the names they are.
`UNSTORED` names the fields no emulator keeps (write-only inputs), with the reason; a test checks that every
field of every kind is in one of the two. `UPDATES` holds, for every kind, new values of every field the spec
updates in place. `converge` is the one function that runs the reconciler.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import VOLUME_KEYS

from emulators.migration.state.license import license_id
from reconciler.api import Options, reconcile

Getter = Callable[[dict, dict], Any]
#: the ownership marker the reconciler appends to a free-text field (a description)
MARKER = re.compile(r"\s*\[converge:[^\]]+\]$")
SECOND_KEY = "CONVERGE-SECOND-KEY-2031"
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


def converge(platform, prune: bool = False):
    """Apply the platform's desired-state file through the reconciler's library API; the run's result."""
    os.chdir(platform.path.parent)
    return reconcile(Options([str(platform.path)], apply=True, prune=prune))


def dig(value: Any, path: str) -> Any:
    """`value`'s item at a dotted path (`Config.Priority`), None where a part is missing."""
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def at(path: str) -> Getter:
    """The stored value at `path`."""
    return lambda item, state: dig(item, path)


def text(path: str) -> Getter:
    """The stored text at `path` without the ownership marker the reconciler appends."""
    return lambda item, state: MARKER.sub("", dig(item, path) or "")


def named(path: str, collection: str, key: str = "name") -> Getter:
    """The name (`key`) of the object of `collection` whose id is stored at `path`, None when none is."""
    def name(item, state):
        found = state.get(collection, {}).get(str(dig(item, path)))
        return found.get(key) if found else None
    return name


def json_text(path: str) -> Getter:
    """The JSON document stored as text at `path`, decoded."""
    return lambda item, state: json.loads(dig(item, path) or "null")


def minutes(path: str) -> Getter:
    """A stored `YYYY-MM-DD HH:MM[:SS]` time to the minute, as the options give it."""
    return lambda item, state: (dig(item, path) or "")[:16]


def pool_ips(item: dict, state: dict) -> list[str]:
    """The IPs of an OpenDCP pool's nodes, sorted."""
    return sorted(node["ip"] for node in state["nodes"].values() if node["pool_id"] == item["id"])


def pool_tasks(item: dict, state: dict) -> dict[str, str]:
    """An OpenDCP pool's task templates by job, named."""
    return {job: state["templates"][str(number)]["name"] for job, number in (item.get("tasks") or {}).items()}


def task_volumes(item: dict, state: dict) -> list[dict]:
    """A task's VolumeInfos under the module's names (`volumes`): the platform adds each disk's UseType."""
    return [{name: volume[wire] for name, wire in VOLUME_KEYS.items()} for volume in item["Config"]["VolumeInfos"]]


def pools_with_nodes(state: dict) -> list[dict]:
    """The OpenDCP pools that have nodes: what a pool_nodes entry is, its pool aside."""
    return [pool for pool in state["pools"].values() if pool_ips(pool, state)]


def values_of(collection: str, keep: Callable[[dict], bool] = lambda item: True) -> Callable[[dict], list[dict]]:
    """The objects of a collection of the state (a mapping by id), those `keep` accepts."""
    return lambda state: [item for item in state.get(collection, {}).values() if keep(item)]


def single(collection: str) -> Callable[[dict], list[dict]]:
    """A platform's one object (a license) as a list, empty when it holds none."""
    return lambda state: [state[collection]] if state.get(collection) else []


def vsd_snapshots(state: dict) -> list[dict]:
    """Every VSD snapshot, each with its VM's record under `vm`."""
    return [dict(snapshot, vm=state["vms"][vm]) for vm, by_name in state["snapshots"].items()
            for snapshot in by_name.values()]


def zstack_tags(kind: str) -> Callable[[dict], list[dict]]:
    """ZStack's tags of one kind (System, User), the reconciler's ownership records aside."""
    return values_of("tags", lambda tag: tag["kind"] == kind and not tag["tag"].startswith("converge::"))


@dataclass(frozen=True)
class Wire:
    """A kind's objects in its emulator's state, and each field as the platform stores it."""

    objects: Callable[[dict], list[dict]]
    fields: dict[str, Getter]


OPENDCP_NAMED = {"name": at("name"), "desc": text("desc")}
MIGRATION_TASK = {"priority": "Priority", "interval_minutes": "IntervalMinutes", "max_snapshots": "MaxSnapNum",
                  "compressed": "IsCompressed", "qos_limit": "QosLimit", "storage_id": "StorageId",
                  "flavor_id": "FlavorId", "cpu": "CPU", "sockets": "Sockets", "memory": "Memory",
                  "network_id": "NetworkId", "subnet_id": "SubnetId", "route_id": "RouteId",
                  "security_group_id": "SecurityGroupId", "aggregate_id": "AggregateId", "bandwidth": "BandWidth",
                  "target_server_name": "TargetServerName", "net_interfaces": "NetInterfaces"}
CLOUD = {"name": "Name", "cloud_type": "CloudType", "project_name": "ProjectName", "cloud_user": "CloudUser",
         "cloud_password": "CloudPass", "identity_port": "IdentityPort", "address": "CloudAddr", "owner_id": "OwnerId",
         "environment_id": "EnvironmentId", "zone_id": "ZoneId", "zone_name": "ZoneName", "region_id": "RegionId",
         "region_name": "RegionName"}

WIRE: dict[str, Wire] = {
    "migration_cloud_connection": Wire(values_of("clouds"), {k: at(v) for k, v in CLOUD.items()}),
    "migration_license": Wire(single("license"), {"license_id": at("Id")}),
    "migration_source_host": Wire(values_of("hosts"), {
        "name": at("Name"), "transport_server": named("TransId", "transports", "Name"), "address": at("MgntAddr")}),
    "migration_task": Wire(values_of("tasks"), dict(
        {k: at("Config." + v) for k, v in MIGRATION_TASK.items()}, name=at("Config.Name"),
        source_host=named("Config.HostId", "hosts", "Name"), cloud=named("Config.CloudId", "clouds", "Name"),
        target_transport_server=named("Config.TargetTransId", "transports", "Name"),
        source_transport_server=named("Config.SrcTransId", "transports", "Name"),
        start_time=minutes("Config.StartTime"), volumes=task_volumes)),
    "migration_transport_server": Wire(values_of("transports"), {
        "name": at("Name"), "server_type": at("ServType"), "cloud": named("CloudId", "clouds", "Name"),
        "address": at("MgntAddr")}),
    "migration_vsphere_platform": Wire(values_of("platforms"), {
        "name": at("Name"), "address": at("Ip"), "vsphere_username": at("UserName"), "vsphere_password": at("Passwd"),
        "transport_server": named("TransId", "transports", "Name")}),
    "opendcp_actimpl": Wire(values_of("actimpls"), {
        "action": named("action_id", "actions"), "type": at("type"), "template": at("template")}),
    "opendcp_action": Wire(values_of("actions"), dict(OPENDCP_NAMED, params=at("params"))),
    "opendcp_cluster": Wire(values_of("clusters"), dict(OPENDCP_NAMED, biz=at("biz"))),
    "opendcp_pool": Wire(values_of("pools"), dict(
        OPENDCP_NAMED, service=named("service_id", "services"), vm_type=at("vm_type"), sd_id=at("sd_id"),
        tasks=pool_tasks, size=lambda item, state: len(pool_ips(item, state)))),
    "opendcp_pool_nodes": Wire(pools_with_nodes, {"pool": at("name"), "nodes": pool_ips}),
    "opendcp_remote_step": Wire(values_of("remote_steps"), dict(OPENDCP_NAMED, actions=at("actions"))),
    "opendcp_service": Wire(values_of("services"), dict(
        OPENDCP_NAMED, cluster=named("cluster_id", "clusters"), service_type=at("service_type"),
        docker_image=at("docker_image"))),
    "opendcp_task_template": Wire(values_of("templates"), dict(OPENDCP_NAMED, steps=at("steps"))),
    "osgview_vm_group": Wire(values_of("groups"), {
        "gtuuid": at("gtuuid"), "marker": at("marker"), "gnuuid": at("gnuuid"), "server_ids": at("servers")}),
    "vsd_snapshot": Wire(vsd_snapshots, {
        "cluster_uuid": at("vm.cluster_uuid"), "tenant": at("vm.tenant"), "compute_uuid": at("vm.uuid"),
        "compute_name": at("vm.name"), "name": at("name"), "description": at("description"),
        "memory": at("memory")}),
    "zstack_gc_job": Wire(values_of("gc_jobs"), {"uuid": at("uuid"), "name": at("name")}),
    "zstack_license": Wire(single("license"), {"license": at("raw")}),
    "zstack_long_job": Wire(values_of("long_jobs"), {
        "name": at("name"), "job_name": at("jobName"), "job_data": json_text("jobData"),
        "description": text("description"), "target_resource_uuid": at("targetResourceUuid")}),
    "zstack_notification": Wire(values_of("notifications"), {"uuid": at("uuid"), "status": at("status")}),
    "zstack_system_tag": Wire(zstack_tags("System"), {
        "resource_uuid": at("resourceUuid"), "resource_type": at("resourceType"), "tag": at("tag")}),
    "zstack_user_tag": Wire(zstack_tags("User"), {
        "resource_uuid": at("resourceUuid"), "resource_type": at("resourceType"), "tag": at("tag")}),
}

#: kind -> {field: why no emulator state shows it}
UNSTORED = {
    "migration_cloud_connection": {"verify": "a check before the write: VerifyCloudConnection in the request log"},
    "migration_license": {"activation_key": "the platform keeps the license the key installs, not the key",
                          "activation_key_file": "read by the module into activation_key"},
    "migration_task": {},
    "migration_vsphere_platform": {"update_password": "when to send vsphere_password, not a stored value"},
    "opendcp_pool_nodes": {"exclusive": "how to plan (remove the unlisted nodes), not a stored value"},
    "osgview_vm_group": {"method": "the console protocol of connect, not stored with the group",
                         "record_file": "a local file of the module, not the platform's"},
    "vsd_snapshot": {"force": "plans a rollback again, not a stored value"},
    "zstack_license": {"management_node_uuid": "the node UpdateLicense is sent to; the license is the platform's",
                       "license_file": "read by the module into license"},
    "zstack_system_tag": {"replaces": "the tag a create replaces, deleted then"},
    "zstack_user_tag": {"replaces": "the tag a create replaces, deleted then"},
}
for _kind in ("opendcp_action", "opendcp_cluster", "opendcp_pool", "opendcp_remote_step", "opendcp_service",
              "opendcp_task_template"):
    UNSTORED.setdefault(_kind, {})["id"] = "an input that finds the object by id: the stored id is the platform's"

#: kind -> the steps of its update test: each a change of fields applied at once, the first named the one tested
UPDATES: dict[str, list[dict[str, Any]]] = {
    "migration_cloud_connection": [{"project_name": "operations"}, {"cloud_user": "operator"},
                                   {"cloud_password": "second-password"}, {"identity_port": 5001},
                                   {"address": "127.0.0.5"}, {"environment_id": "env-2"}, {"zone_id": "zone-2"},
                                   {"zone_name": "zone two"}, {"region_id": "region-2"},
                                   {"region_name": "region two"}],
    "migration_license": [{"license_id": license_id(SECOND_KEY), "activation_key": SECOND_KEY}],
    "migration_source_host": [{"transport_server": "transport-dc1"}],
    "migration_task": [{"priority": 9}, {"interval_minutes": 90}, {"max_snapshots": 4},
                       {"start_time": "2030-02-01 23:30"}, {"flavor_id": "8a4f3e2d-1c0b-4a98-8765-43210fedcba9"},
                       {"cpu": 8}, {"sockets": 2}, {"memory": 16},
                       {"subnet_id": "fe7a1873-f41b-4125-9ccf-798dd8a678a3", "route_id": "router-2"},
                       {"aggregate_id": "aggregate-2"}, {"bandwidth": 100}, {"target_server_name": "web-01-moved"},
                       {"net_interfaces": [{"NetworkId": "3a90ae79-9b69-4b79-b7b9-5ad5f105bfd5",
                                            "SecurityGroupId": "6b1c2d3e-4f50-4a61-8b72-9c0d1e2f3a4b",
                                            "SubNets": [{"SubnetId": "fe7a1873-f41b-4125-9ccf-798dd8a678a3",
                                                         "Ip": "127.0.11.31"}]}]}],
    "opendcp_actimpl": [{"type": "shell"},
                        {"template": {"action": {"module": "shell", "args": "echo {{echo_word}}!"}}}],
    "opendcp_action": [{"desc": "print a word twice"}, {"params": {"echo_word": "string", "times": "integer"}}],
    "opendcp_cluster": [{"desc": "web services, moved"}, {"biz": "2"}],
    "opendcp_pool": [{"desc": "frontend hosts, resized"}, {"vm_type": 2}, {"sd_id": 2},
                     {"tasks": {"expand": "expand-frontend", "shrink": "expand-frontend"}}, {"size": 3}],
    "opendcp_pool_nodes": [{"nodes": ["127.0.0.201", "127.0.0.203"], "exclusive": True}],
    "opendcp_remote_step": [{"desc": "say hello again"}, {"actions": ["echo", "echo"]}],
    "opendcp_service": [{"desc": "the public web site, moved"}, {"service_type": "php"},
                        {"docker_image": "registry.example.invalid/frontend:2.0"}],
    "opendcp_task_template": [{"desc": "create hosts, greet them twice"},
                              {"steps": [{"name": "create_vm", "param_values": {"vm_type_id": 2},
                                          "retry": {"retry_times": 2, "ignore_error": True}}]}],
    "vsd_snapshot": [{"description": "golden image, described again"}],
    "zstack_notification": [{"status": "Unread"}],
}
#: fields the catalogue's entries leave out, given to the create test's first entry so that a create sends them too
CREATE_WITH: dict[str, dict[str, Any]] = {
    "migration_cloud_connection": {"environment_id": "1", "zone_id": "4c5d6e7f-8091-4a2b-8c3d-4e5f6a7b8c9d",
                                   "zone_name": "zone-a", "region_id": "cn-suzhou1", "region_name": "zone-a region"},
    "migration_task": {"compressed": True, "qos_limit": 100, "storage_id": "123423123", "sockets": 1,
                       "aggregate_id": "aggregate-1", "bandwidth": 50, "route_id": "router-1",
                       "volumes": [{"name": "/dev/vda", "type": "ssd", "size": 50, "cloud_volume_name": "web-01-boot",
                                    "prealloc": True}]},
    "opendcp_actimpl": {"type": "shell"},
    "zstack_long_job": {"description": "move the database volume", "target_resource_uuid": VM},
}
#: (kind, field) -> why the update test cannot change it in place
NOT_UPDATED = {
    ("migration_task", "network_id"): "the emulator's cloud has one network, so no other value exists",
    ("migration_task", "security_group_id"): "the emulator's cloud has one security group, so no other value exists",
    ("opendcp_service", "cluster"): "a service is read within its desired cluster: another cluster's name plans a "
                                    "create there, and the service in the old cluster stays (test_writes_land: "
                                    "test_a_service_given_another_cluster_moves_there)",
}
#: what a delete first changes: the platform refuses to delete a pool that has nodes
BEFORE_DELETE = {"opendcp_pool": {"size": 0}}


def updated_in_place(spec) -> list[str]:
    """The fields a kind updates in place: compared, updatable, not part of its identity."""
    return [name for name, field in spec.fields.items()
            if field.compare and field.updatable and name not in spec.identity]


def holds(stored: Any, given: Any) -> bool:
    """Whether the platform holds the given value: a mapping holds each given key (the platform adds its
    defaults), a list item by item, a number may be stored as its text, anything else is equal."""
    if isinstance(given, dict):
        return isinstance(stored, dict) and all(holds(stored.get(key), value) for key, value in given.items())
    if isinstance(given, list):
        return isinstance(stored, list) and len(stored) == len(given) and all(map(holds, stored, given))
    if isinstance(given, (int, float)) and not isinstance(given, bool) and isinstance(stored, str):
        return stored == str(given)
    return stored == given


def read_back(kind: str, state: dict, item: dict) -> dict[str, Any]:
    """A stored object of `kind` in field names: every field `WIRE` knows."""
    return {name: get(item, state) for name, get in WIRE[kind].fields.items()}


def stored(kind: str, spec, state: dict, entry: dict) -> dict[str, Any] | None:
    """The object of `kind` that `entry` names, read back from an emulator's state; None when it holds none.

    Matched on the identity fields the entry gives (all objects when it gives none: a platform's one license).
    """
    keys = [name for name in spec.identity if entry.get(name) is not None]
    found = [read_back(kind, state, item) for item in WIRE[kind].objects(state)]
    found = [item for item in found if all(holds(item[name], entry[name]) for name in keys)]
    assert len(found) <= 1, f"{kind}: more than one stored object matches {entry}: {found}"
    return found[0] if found else None


def wrongly_held(kind: str, spec, state: dict, entry: dict) -> dict[str, tuple[Any, Any]]:
    """{field: (stored, given)} for each field of `entry` the platform does not hold as given."""
    item = stored(kind, spec, state, entry)
    assert item is not None, f"{kind}: the emulator holds no object for {entry}"
    return {name: (item[name], value) for name, value in entry.items()
            if name in WIRE[kind].fields and value is not None and not holds(item[name], value)}
