"""Import of the migration platform's and OpenDCP's kinds, against their emulators.

Each emulator is populated through the platform's client (every importable kind, references between
them, secrets); then for every kind: `read_all` lists exactly what is there and writes nothing; each
`entry_of` is the exact entry a person would write, its references by name and its secrets as
`{env: ...}` placeholders; and the entry validates and plans no change against the object, both the
one `read_all` gave and the one `read_many` reads for the entry (what the reconciler plans with).
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.entries import entries_of, listed_objects
from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationClient
from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    cloud_facts,
    transport_facts,
    vm_sources,
    volume_option,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpClient
from ansible_collections.converge.platforms.plugins.module_utils.resources import migration, opendcp
from ansible_collections.converge.platforms.plugins.module_utils.spec import NOOP, SpecError

import emulators
from emulators.migration.state import (
    BUILTIN_FLAVOR,
    BUILTIN_NETWORK,
    BUILTIN_SECURITY_GROUP,
    BUILTIN_SUBNET,
)
from tests.support import build_opendcp_pool, writes

pytestmark = pytest.mark.slow

#: the password of the emulator's built-in cloud and vCenter: it must appear in no entry
CLOUD_PASSWORD = "password"
ACTIVATION_KEY = "CONVERGE-TEST-KEY-0001"
ECHO = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}
VM_NICS = [{"NetworkId": BUILTIN_NETWORK, "SecurityGroupId": BUILTIN_SECURITY_GROUP, "Mac": "00:50:56:aa:bb:01",
            "SubNets": [{"SubnetId": BUILTIN_SUBNET, "Ip": "127.0.10.31"}]}]


def populate_migration(client: MigrationClient) -> None:
    """Two clouds (OpenStack, CloudUltra 4), a Cloud and an On-Premises transport server, a Packer host, a vCenter,
    a task copying the host (through both servers, with a disk), one copying a vCenter VM (with its interfaces),
    a license from a key."""
    cloud = client.add_cloud_connection({"CloudName": "prod", "CloudType": "Openstack", "ProjectName": "admin",
                                         "CloudUser": "admin", "CloudPass": CLOUD_PASSWORD, "IdentityPort": "5000",
                                         "CloudAddr": "127.0.0.1"})
    client.add_cloud_connection({"CloudName": "cu4", "CloudType": "CloudUltra 4", "ProjectName": "lab",
                                 "CloudUser": "admin", "CloudPass": CLOUD_PASSWORD, "CloudAddr": "127.0.0.1",
                                 "OwnerId": "project-7", "EnvironmentId": "env-1", "ZoneId": "zone-1",
                                 "ZoneName": "zone one"})
    edge = client.add_transport_server("edge", "Cloud", "127.0.0.2", cloud)
    onprem = client.add_transport_server("onprem", "On-Premises", "127.0.0.3")
    host = client.add_packer_host("web-01", onprem, "127.0.0.11")
    client.add_vsphere_platform("vc", "127.0.0.21", "administrator@vsphere.local", CLOUD_PASSWORD, onprem)
    target = {"CloudId": cloud, "TargetTransId": edge, "IntervalMinutes": 60, "MaxSnapsNum": 2,
              "StartTime": "2030-01-01 10:00", "NetworkId": BUILTIN_NETWORK, "SubnetId": BUILTIN_SUBNET,
              "SecurityGroupId": BUILTIN_SECURITY_GROUP}
    client.prepare_task(dict(target, Name="mig-web", HostId=host, SrcTransId=onprem, Priority=5,
                             FlavorId=BUILTIN_FLAVOR, TargetServerName="web-01-cloud",
                             VolumeInfos=[{"VolumeName": "/dev/vda", "VolumeSize": "40", "PreAlloc": True}]))
    vm = next(vm["Id"] for vm in vm_sources(client.list_vsphere_hosts()) if vm["Name"] == "vm-app01")
    client.prepare_task(dict(target, Name="mig-app", HostId=vm, CPU=2, Memory=4, NetInterfaces=VM_NICS))
    client.update_license(ACTIVATION_KEY)


def populate_opendcp(client: OpenDcpClient) -> None:
    """The pool `fe-pool` with everything it names (tests.support.build_opendcp_pool), two hosts added by IP and
    the failed node of an expand that could not reach the VM manager; a cluster whose description carries an
    owner's marker, an empty pool, and a template retrying a step."""
    pool = build_opendcp_pool(client, ECHO)
    client.add_pool_nodes(pool, ["127.0.0.201", "127.0.0.202"])
    client.expand_pool(pool, "fe-pool", 1)
    client.create_cluster("batch", "batch jobs [converge:team-a]", "2")
    service = next(s["id"] for s in client.list_cluster_services(1) if s["name"] == "fe")
    client.create_pool("spare", "", 0, 0, service, {})
    client.create_template("retrying", "tries twice", [
        {"name": "greet", "param_values": {"echo_word": "again"}, "retry": {"retry_times": 2, "ignore_error": False}},
        {"name": "register", "retry": {"retry_times": 0, "ignore_error": True}}])


@pytest.fixture(scope="module")
def migration_platform():
    handle = emulators.start("migration", port=0)
    client = MigrationClient(handle.url, "admin", "password")
    populate_migration(client)
    yield handle, client
    client.close()
    handle.stop()


@pytest.fixture(scope="module")
def opendcp_platform():
    handle = emulators.start("opendcp", port=0, flow_seconds=0, vm_manager="unreachable")
    client = OpenDcpClient(handle.url)
    populate_opendcp(client)
    yield handle, client
    client.close()
    handle.stop()


def license_id(handle) -> str:
    return handle.state()["license"]["Id"]


def expected_migration(handle) -> dict[str, list[dict[str, Any]]]:
    """The entries of every migration kind, in identity order, as import writes them (without `adopt`)."""
    target = {"interval_minutes": 60, "max_snapshots": 2, "start_time": "2030-01-01 10:00:00", "compressed": False,
              "qos_limit": 0, "storage_id": "123423123"}
    network = {"network_id": BUILTIN_NETWORK, "subnet_id": BUILTIN_SUBNET, "security_group_id": BUILTIN_SECURITY_GROUP}
    return {
        "migration_cloud_connection": [{
            "name": "cu4", "cloud_type": "CloudUltra 4", "project_name": "lab", "cloud_user": "admin",
            "cloud_password": {"env": "CONVERGE_MIGRATION_CLOUD_CONNECTION_CU4_CLOUD_PASSWORD"},
            "identity_port": 5000, "address": "127.0.0.1", "owner_id": "project-7", "environment_id": "env-1",
            "zone_id": "zone-1", "zone_name": "zone one"}, {
            "name": "prod", "cloud_type": "Openstack", "project_name": "admin", "cloud_user": "admin",
            "cloud_password": {"env": "CONVERGE_MIGRATION_CLOUD_CONNECTION_PROD_CLOUD_PASSWORD"},
            "identity_port": 5000, "address": "127.0.0.1"}],
        "migration_transport_server": [
            {"name": "edge", "server_type": "Cloud", "cloud": "prod", "address": "127.0.0.2"},
            {"name": "onprem", "server_type": "On-Premises", "address": "127.0.0.3"}],
        "migration_source_host": [{"name": "web-01", "transport_server": "onprem", "address": "127.0.0.11"}],
        "migration_vsphere_platform": [{
            "name": "vc", "address": "127.0.0.21",
            "vsphere_password": {"env": "CONVERGE_MIGRATION_VSPHERE_PLATFORM_VC_VSPHERE_PASSWORD"}}],
        "migration_task": [
            dict({"name": "mig-app", "source_host": "vm-app01", "cloud": "prod", "target_transport_server": "edge",
                  "priority": 0}, **target, cpu=2, memory=4, **network, bandwidth=0,
                 # the platform names the server after the VM and copies every disk of it when not told
                 target_server_name="vm-app01", volumes=[{"name": "/dev/sda", "size": 50}], net_interfaces=VM_NICS),
            dict({"name": "mig-web", "source_host": "web-01", "cloud": "prod", "target_transport_server": "edge",
                  "source_transport_server": "onprem", "priority": 5}, **target, flavor_id=BUILTIN_FLAVOR,
                 **network, bandwidth=0, target_server_name="web-01-cloud",
                 volumes=[{"name": "/dev/vda", "size": 40, "prealloc": True}])],
        "migration_license": [{"activation_key": {"env": "CONVERGE_MIGRATION_LICENSE_ACTIVATION_KEY"},
                               "license_id": license_id(handle)}],
    }


EXPECTED_OPENDCP = {
    "opendcp_cluster": [{"name": "batch", "desc": "batch jobs", "biz": "2"},
                        {"name": "web", "desc": "web services", "biz": "1"}],
    "opendcp_service": [{"name": "fe", "cluster": "web", "service_type": "java",
                         "docker_image": "registry.example.invalid/fe:1"}],
    "opendcp_pool": [{"name": "fe-pool", "service": "fe", "vm_type": 1, "sd_id": 1,
                      "tasks": {"expand": "grow", "shrink": "cut"}, "size": 2},
                     {"name": "spare", "service": "fe", "vm_type": 0, "sd_id": 0, "size": 0}],
    "opendcp_pool_nodes": [{"pool": "fe-pool", "nodes": ["127.0.0.201", "127.0.0.202"]}],
    "opendcp_task_template": [
        {"name": "cut", "steps": [{"name": "return_vm"}]},
        {"name": "grow", "steps": [{"name": "create_vm", "param_values": {"vm_type_id": 1}},
                                   {"name": "greet", "param_values": {"echo_word": "hi"}}]},
        {"name": "retrying", "desc": "tries twice", "steps": [
            {"name": "greet", "param_values": {"echo_word": "again"}, "retry": {"retry_times": 2}},
            {"name": "register", "retry": {"ignore_error": True}}]}],
    "opendcp_remote_step": [{"name": "greet", "actions": ["echo"]}],
    "opendcp_action": [{"name": "echo", "desc": "print", "params": {"echo_word": "string"}}],
    "opendcp_actimpl": [{"action": "echo", "template": ECHO}],
}

MIGRATION_KINDS = ["migration_cloud_connection", "migration_transport_server", "migration_source_host",
                   "migration_vsphere_platform", "migration_task", "migration_license"]
OPENDCP_KINDS = list(EXPECTED_OPENDCP)
SPECS = dict((spec.kind, spec) for spec in migration.SPECS + opendcp.SPECS)


@pytest.fixture(params=MIGRATION_KINDS + OPENDCP_KINDS)
def imported(request, migration_platform, opendcp_platform):
    """(spec, client, emulator handle, live objects read_all listed, their entries) of one kind."""
    handle, client = migration_platform if request.param.startswith("migration_") else opendcp_platform
    spec = SPECS[request.param]
    handle.clear_requests()
    lives = listed_objects(spec, client, platform_made=True)  # each kind asked for by name
    return spec, client, handle, lives, entries_of(spec, lives, adopt=False)


def test_the_kinds_are_every_listable_kind_of_both_platforms():
    listable = [spec.kind for spec in migration.SPECS + opendcp.SPECS if spec.import_refusal is None]
    assert listable == MIGRATION_KINDS + OPENDCP_KINDS


def test_read_all_lists_exactly_the_objects_on_the_platform_and_writes_nothing(imported):
    spec, _client, handle, lives, _entries = imported
    assert writes(handle.requests) == []
    expected = expected_migration(handle) if spec.platform == "migration" else EXPECTED_OPENDCP
    assert [spec.identity_of(live) for live in lives] == [spec.identity_of(entry) for entry in expected[spec.kind]]


def test_each_entry_is_the_one_a_person_would_write(imported):
    spec, _client, handle, _lives, entries = imported
    expected = expected_migration(handle) if spec.platform == "migration" else EXPECTED_OPENDCP
    assert entries == expected[spec.kind]
    for entry in entries:
        assert list(entry) == [name for name in spec.fields if name in entry]


def test_each_entry_validates_and_plans_no_change(imported):
    spec, client, _handle, lives, entries = imported
    for live, entry in zip(lives, entries, strict=True):
        desired = spec.normalize(without_placeholders(spec, entry))
        assert planned(spec, desired, live) == NOOP
        (read,) = spec.read_many(client, [desired])
        assert planned(spec, desired, read) == NOOP, (entry, read)
        spec.validate(spec.normalize(with_secrets(spec, entry)))


def test_reading_the_entries_sends_only_calls_read_all_sent(imported):
    """What a plan of the imported entries reads (`read_many`) is among what `read_all` read, call for call (the
    same path, query and body), so the reconciler's read memo sends nothing twice."""
    spec, client, handle, _lives, entries = imported
    handle.clear_requests()
    spec.read_all(client)
    listed = calls(handle.requests)
    handle.clear_requests()
    spec.read_many(client, [spec.normalize(entry) for entry in entries])
    assert listed and calls(handle.requests) <= listed


def test_a_failed_node_counts_neither_in_the_size_nor_among_the_hosts(opendcp_platform):
    handle, client = opendcp_platform
    assert sorted((node["ip"], node["status"]) for node in handle.state()["nodes"].values()) == [
        ("127.0.0.201", 0), ("127.0.0.202", 0), ("3", 3)]
    pools = dict((live["name"], live) for live in SPECS["opendcp_pool"].read_all(client))
    assert (pools["fe-pool"]["node_count"], pools["fe-pool"]["size"]) == (3, 2)
    (nodes,) = SPECS["opendcp_pool_nodes"].read_all(client)
    assert nodes["nodes"] == ["127.0.0.201", "127.0.0.202", "3"]
    assert SPECS["opendcp_pool_nodes"].entry_of(nodes) == {"pool": "fe-pool", "nodes": ["127.0.0.201", "127.0.0.202"]}


def test_references_are_names_of_imported_objects(migration_platform, opendcp_platform):
    names = {}
    for kind in MIGRATION_KINDS + OPENDCP_KINDS:
        _handle, client = migration_platform if kind.startswith("migration_") else opendcp_platform
        spec = SPECS[kind]
        names[kind] = {live.get(spec.reference_key) for live in spec.read_all(client)}
    # a task copying a vCenter VM names the VM, which the platform lists in the vCenter's tree, not as a host
    names["migration_source_host"].add("vm-app01")
    found = []
    for kind in MIGRATION_KINDS + OPENDCP_KINDS:
        _handle, client = migration_platform if kind.startswith("migration_") else opendcp_platform
        spec = SPECS[kind]
        for entry in entries_of(spec, spec.read_all(client), adopt=False):
            for reference in spec.references(spec.normalize(entry)):
                assert reference.name in names[reference.kind], reference
                found.append((kind, reference.option, reference.kind, reference.name))
    assert sorted(set(found)) == sorted(set([
        ("migration_transport_server", "cloud", "migration_cloud_connection", "prod"),
        ("migration_source_host", "transport_server", "migration_transport_server", "onprem"),
        ("migration_task", "source_host", "migration_source_host", "web-01"),
        ("migration_task", "source_host", "migration_source_host", "vm-app01"),
        ("migration_task", "cloud", "migration_cloud_connection", "prod"),
        ("migration_task", "target_transport_server", "migration_transport_server", "edge"),
        ("migration_task", "source_transport_server", "migration_transport_server", "onprem"),
        ("opendcp_service", "cluster", "opendcp_cluster", "web"),
        ("opendcp_pool", "service", "opendcp_service", "fe"),
        ("opendcp_pool", "tasks.expand", "opendcp_task_template", "grow"),
        ("opendcp_pool", "tasks.shrink", "opendcp_task_template", "cut"),
        ("opendcp_pool_nodes", "pool", "opendcp_pool", "fe-pool"),
        ("opendcp_task_template", "steps[1].name", "opendcp_remote_step", "greet"),
        ("opendcp_task_template", "steps[0].name", "opendcp_remote_step", "greet"),
        ("opendcp_remote_step", "actions[0]", "opendcp_action", "echo"),
        ("opendcp_remote_step", "actions[0]", "opendcp_actimpl", "echo"),
        ("opendcp_actimpl", "action", "opendcp_action", "echo"),
    ]))


def test_no_secret_value_is_in_any_entry(migration_platform):
    handle, client = migration_platform
    texts = []
    for kind in MIGRATION_KINDS:
        spec = SPECS[kind]
        texts.extend(leaf_texts(entries_of(spec, spec.read_all(client))))
    secrets = (CLOUD_PASSWORD, "cGFzc3dvcmQ=", ACTIVATION_KEY)
    assert texts and not [text for text in texts if any(secret in text for secret in secrets)]
    # the license's id is no secret: the entry keeps the license installed by it, not by its key
    assert license_id(handle) in texts


def test_the_documents_list_answers_give_entries_that_validate_and_plan_no_change():
    """The document's own ListCloudConnection and ListTransportServer items (lower-case types, the port as text)
    and a GetTaskDetail disk in its shape ("80GB", flags as text)."""
    cloud = cloud_facts({"ID": "ad106d0c2be84a33be3c27fe504c2c86", "Name": "huayun", "CloudType": "openstack",
                         "ProjectName": "admin", "Domain": "Default", "CloudUser": "admin", "CloudPass": "cGFzc3cwcmQ=",
                         "CloudAddr": "127.0.0.50", "IdentityPort": "5000", "RegionName": "苏州",
                         "RegionId": "cn-suzhou1"})
    server = transport_facts({"Id": "t1", "Name": "local", "CloudName": None, "ServType": "on-premises",
                              "MgntAddr": "127.0.0.7", "StorageId": "", "StorageType": "LOCAL"})
    for kind, live, entry in [
        ("migration_cloud_connection", cloud, {
            "name": "huayun", "cloud_type": "Openstack", "project_name": "admin", "cloud_user": "admin",
            "cloud_password": {"env": "CONVERGE_MIGRATION_CLOUD_CONNECTION_HUAYUN_CLOUD_PASSWORD"},
            "identity_port": 5000, "address": "127.0.0.50", "region_id": "cn-suzhou1", "region_name": "苏州"}),
        ("migration_transport_server", server, {"name": "local", "server_type": "On-Premises",
                                                "address": "127.0.0.7"})]:
        spec = SPECS[kind]
        assert spec.entry_of(live) == entry
        assert planned(spec, spec.normalize(without_placeholders(spec, entry)), live) == NOOP
        spec.validate(spec.normalize(with_secrets(spec, entry)))
    assert [volume_option(info) for info in [
        {"Path": "/dev/vda1", "Size": "80GB", "UseType": "root", "VolumeType": "ssd", "CloudVolumeName": "",
         "PreAlloc": "false"},
        {"Path": "/dev/vdb", "Size": "0.5GB", "CloudVolumeName": "data-1", "PreAlloc": "true"},
        {"Path": "/dev/vdc", "Size": ""}]] == [
        {"name": "/dev/vda1", "size": 80, "type": "ssd"},
        {"name": "/dev/vdb", "size": 0.5, "cloud_volume_name": "data-1", "prealloc": True},
        {"name": "/dev/vdc"}]


@pytest.mark.parametrize("kind, reason", [
    ("migration_password", "the platform never shows an account's password"),
    ("opendcp_flow", "flows are operations, not configuration: the reconciler does not manage them"),
])
def test_kinds_that_cannot_be_imported_say_why(kind, reason, migration_platform, opendcp_platform):
    handle, client = migration_platform if kind.startswith("migration_") else opendcp_platform
    handle.clear_requests()
    with pytest.raises(SpecError) as caught:
        SPECS[kind].read_all(client)
    assert str(caught.value) == reason
    assert handle.requests == []


def calls(requests: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """The distinct calls of a request log: method, path, query, action and body."""
    return set((r["method"], r["path"], repr(sorted(r["query"].items())), r.get("action"), r.get("body_digest"))
               for r in requests)


def planned(spec, desired: dict[str, Any], live: dict[str, Any]) -> str:
    """The action a plan of `desired` takes on `live`, the owner's marker (of a kind that has one) kept as an update
    keeps it: the entry leaves the marker out, and only an adopt writes one."""
    if spec.ownership is not None:
        desired = spec.ownership.claim(desired, live, None, False)
    return spec.plan(desired, live).action


def without_placeholders(spec, entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with its secrets' placeholders left out, as when their variables are not set."""
    return dict((name, value) for name, value in entry.items() if not spec.fields[name].secret)


def with_secrets(spec, entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with each secret's placeholder replaced by a value, as when its variable is set."""
    return dict((name, "s3cret-value" if spec.fields[name].secret else value) for name, value in entry.items())


def leaf_texts(value: Any) -> list[str]:
    """Every value anywhere in a structure of dicts and lists, as text."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in leaf_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in leaf_texts(item)]
    return [str(value)]


def test_a_pools_nodes_are_taken_only_when_their_kind_is_named(opendcp_platform):
    """A pool's entry carries its size; its nodes entry would fight a later resize, so it waits to be asked for."""
    _handle, client = opendcp_platform
    spec = SPECS["opendcp_pool_nodes"]
    assert listed_objects(spec, client) == []
    assert [live["pool"] for live in listed_objects(spec, client, platform_made=True)] == ["fe-pool"]
