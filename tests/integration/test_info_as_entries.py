"""`as_entries` on the five info modules, through ansible-playbook against the emulators: what exists comes back
as the entries `reconciler import` writes (adopt, secret placeholders, references by name), and nothing is
written on the platform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationClient
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpClient
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import SPECS as MIGRATION_SPECS
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient

import emulators
from emulators.migration.state import (
    BUILTIN_FLAVOR,
    BUILTIN_NETWORK,
    BUILTIN_SECURITY_GROUP,
    BUILTIN_SUBNET,
    license_id,
)
from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM
from tests.support import build_opendcp_pool, emulator_fixture, run_cli, run_playbook, writes

pytestmark = pytest.mark.slow

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
ECHO = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}
ADMIN_PASSWORD = "Adm1n-secret-77"
CLOUD_PASSWORD = "Cl0ud-secret-91"
VSPHERE_PASSWORD = "Vsph3re-secret-55"
MIGRATION_TASK = {"name": "mig-web", "source_host": "web-01", "cloud": "prod", "target_transport_server": "edge",
                  "interval_minutes": 60, "max_snapshots": 2, "start_time": "2030-01-01 00:00:00",
                  "target_server_name": "web-cloud"}
WINDOWS = "8b3fae4cbd5a4b7cae9f8a7b6c5d4e3f"  # an OSG view built-in template: one VM, image cached

vsd = emulator_fixture("vsd", "A fresh VSD emulator.")
dcp = emulator_fixture("opendcp", "A fresh OpenDCP emulator.")
osgview = emulator_fixture("osgview", "An OSG view emulator whose VMs build in 2 s of its clock.", build_seconds=2)
migration = emulator_fixture("migration", "A migration emulator with its own admin password.",
                             password=ADMIN_PASSWORD)


def info(module, **options):
    return {"converge.platforms.%s_info" % module: options}


def assert_plans_no_change(tmp_path, endpoint, entries, env=None):
    """`reconciler plan --detailed-exitcode` finds nothing to do for a desired-state file of `entries`, as after
    `reconciler import`."""
    platform = next(iter(endpoint))
    desired = tmp_path / ("%s.yml" % platform)
    desired.write_text(yaml.safe_dump({"version": 1, "endpoints": endpoint, "resources": entries}, sort_keys=False),
                       encoding="utf-8")
    plan = run_cli(["reconciler", "plan", "--detailed-exitcode", str(desired)], env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr


def imported(tmp_path, endpoint, *options):
    """The `resources:` section `reconciler import` writes for the one platform of `endpoint` (a trusted endpoints
    file's mapping)."""
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoint), encoding="utf-8")
    done = run_cli(["reconciler", "import", "--endpoints", "endpoints.yml", "--out", "imported", *options],
                   cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    written = (tmp_path / "imported" / ("%s.yml" % next(iter(endpoint)))).read_text(encoding="utf-8")
    return yaml.safe_load(written)["resources"]


def entries_and_rest(result):
    """The registered result's `entries`, and the rest of it without Ansible's own keys."""
    rest = dict((key, value) for key, value in result.items() if key not in ("changed", "failed", "entries"))
    return result.get("entries"), rest


# --- ZStack ---------------------------------------------------------------------------------------------------------
def test_zstack_entries_of_what_users_made_and_what_zstack_made_only_when_named(zstack, zstack_env, tmp_path):
    client = ZStackClient(zstack.url, "admin", "password")
    client.create_tag("system", "VmInstanceVO", VM, "ha::NeverStop")
    client.create_tag("user", "VmInstanceVO", VM, "tier::web")
    client.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", '{"volumeUuid": "%s"}' % VM, name="move")
    client.close()
    zstack.clear_requests()
    named = ["gc_jobs", "notifications", "license", "user_tags"]
    run = run_playbook([info("zstack", as_entries=True), info("zstack", gather_subset=named, as_entries=True),
                        info("zstack")], env=zstack_env)
    every, asked, plain = run.results
    assert every["changed"] is False, run.output
    assert every["entries"] == {
        "zstack_system_tag": [{"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "ha::NeverStop",
                               "adopt": True}],
        "zstack_user_tag": [{"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "tier::web",
                             "adopt": True}],
        "zstack_long_job": [{"name": "move", "job_name": "APIPrimaryStorageMigrateVolumeMsg",
                             "job_data": {"volumeUuid": VM}, "adopt": True}],
    }
    gc_jobs = sorted(zstack.state()["gc_jobs"].values(), key=lambda job: job["uuid"])
    notifications = sorted(zstack.state()["notifications"])
    node = every["management_nodes"][0]["uuid"]
    assert list(asked["entries"]) == ["zstack_user_tag", "zstack_license", "zstack_gc_job", "zstack_notification"]
    assert asked["entries"]["zstack_license"] == [{
        "management_node_uuid": node, "license": {"env": "CONVERGE_ZSTACK_LICENSE_%s_LICENSE" % node.upper()},
        "adopt": True}]
    assert asked["entries"]["zstack_gc_job"] == [{"uuid": job["uuid"], "name": job["name"], "state": "present",
                                                   "adopt": True} for job in gc_jobs]
    assert [entry["uuid"] for entry in asked["entries"]["zstack_notification"]] == notifications
    assert "entries" not in plain and entries_and_rest(every)[1].keys() == entries_and_rest(plain)[1].keys()
    # getVersion, getCurrentTime and isReadyToGo are reads ZStack takes by PUT on the management nodes' actions
    assert [r for r in writes(zstack.requests) if r["path"] != "/zstack/v1/management-nodes/actions"] == []
    endpoint = {"zstack": {"url": zstack.url, "username": "admin", "password": {"env": "CONVERGE_ZSTACK_PASSWORD"}}}
    assert_plans_no_change(tmp_path, endpoint, every["entries"], env={"CONVERGE_ZSTACK_PASSWORD": "password"})
    endpoint["zstack"]["password"] = "password"
    assert imported(tmp_path, endpoint) == every["entries"]
    assert [r for r in writes(zstack.requests) if r["path"] != "/zstack/v1/management-nodes/actions"] == []


@pytest.fixture
def zstack_with_host_tags(tmp_path):
    """A ZStack emulator whose first host carries two system tags ZStack wrote itself (`inherent`)."""
    fixtures = yaml.safe_load((Path(emulators.__file__).parent / "zstack" / "fixtures.yml").read_text(encoding="utf-8"))
    fixtures["hosts"][0]["systemTags"] = ["os::distribution::CentOS", "capability::liveSnapshot"]
    path = tmp_path / "zstack-fixtures.yml"
    path.write_text(yaml.safe_dump(fixtures), encoding="utf-8")
    handle = emulators.start("zstack", port=0, fixtures_file=str(path))
    handle.host = fixtures["hosts"][0]["uuid"]
    yield handle
    handle.stop()


def test_zstack_inherent_system_tags_only_when_system_tags_are_named(zstack_with_host_tags):
    zstack = zstack_with_host_tags
    env = {"ZSTACK_URL": zstack.url, "ZSTACK_USERNAME": "admin", "ZSTACK_PASSWORD": "password"}
    run = run_playbook([info("zstack", as_entries=True), info("zstack", gather_subset=["system_tags"],
                                                             as_entries=True)], env=env)
    every, named = run.results
    assert "zstack_system_tag" not in every["entries"], run.output
    assert named["entries"] == {"zstack_system_tag": [
        {"resource_uuid": zstack.host, "resource_type": "HostVO", "tag": tag, "adopt": True}
        for tag in ("capability::liveSnapshot", "os::distribution::CentOS")]}
    assert [r for r in writes(zstack.requests) if r["path"] != "/zstack/v1/management-nodes/actions"] == []


# --- VSD ------------------------------------------------------------------------------------------------------------
def test_vsd_entries_are_every_snapshot_of_the_vm_whatever_the_filter(vsd, tmp_path):
    scope = {"cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_RUNNING_VM}
    for name, description in (("nightly-1", ""), ("weekly-1", "the week's")):
        body = dict(scope, name=name, description=description, domain_memory=False)
        assert requests.post(vsd.url + "/v1/compute/vsd/snapshot/create", json=body, timeout=10).json()["scode"] == 0
    vsd.clear_requests()
    by_name = {"cluster_uuid": BUILTIN_CLUSTER, "compute_name": "test-templ"}
    run = run_playbook([info("vsd_snapshot", filter_name="nightly", as_entries=True, **scope),
                        info("vsd_snapshot", **scope), info("vsd_snapshot", as_entries=True, **by_name)],
                       env={"VSD_URL": vsd.url})
    asked, plain, named = run.results
    assert asked["changed"] is False, run.output
    assert named["entries"] == asked["entries"] == {"vsd_snapshot": [
        dict(scope, name="nightly-1", adopt=True),
        dict(scope, name="weekly-1", description="the week's", adopt=True),
    ]}
    assert [snapshot["name"] for snapshot in asked["snapshots"]] == ["nightly-1"]
    assert "entries" not in plain and entries_and_rest(asked)[1].keys() == entries_and_rest(plain)[1].keys()
    assert writes(vsd.requests) == []
    assert_plans_no_change(tmp_path, {"vsd": {"url": vsd.url}}, asked["entries"])
    vm = "%s/%s" % (BUILTIN_CLUSTER, BUILTIN_RUNNING_VM)
    assert imported(tmp_path, {"vsd": {"url": vsd.url}}, "--vsd-vm", vm) == asked["entries"]
    assert writes(vsd.requests) == []


# --- OSG view -------------------------------------------------------------------------------------------------------
def test_osgview_entry_of_the_group_read_names_it_by_marker_and_id(osgview, tmp_path):
    answer = requests.post(osgview.url + "/osgview/gclone", data={"gtuuid": WINDOWS, "marker": "lab-7"},
                           timeout=10).json()
    osgview.advance_clock(5)
    osgview.clear_requests()
    group = {"gtuuid": WINDOWS, "gnuuid": answer["gnuuid"], "server_ids": answer["serverlist"]}
    run = run_playbook([info("osgview_vm_group", marker="lab-7", as_entries=True, **group),
                        info("osgview_vm_group", as_entries=True, **group),
                        info("osgview_vm_group", **group)], env={"OSGVIEW_URL": osgview.url})
    asked, unnamed, plain = run.results
    assert asked["entries"] == {"osgview_vm_group": [dict(group, marker="lab-7", adopt=True)]}, run.output
    assert asked["vm_group"]["ready"] is True
    assert unnamed.get("failed") is True and unnamed["msg"].startswith(
        "marker: is required with as_entries: OSG view does not report the marker a group was cloned for")
    assert "entries" not in plain and plain["vm_group"] == asked["vm_group"]
    assert_plans_no_change(tmp_path, {"osgview": {"url": osgview.url}}, asked["entries"])
    assert {request["path"] for request in osgview.requests} <= {"/osgview/gperpare", "/osgview/gstart",
                                                                 "/osgview/gconnent"}


# --- migration ------------------------------------------------------------------------------------------------------
def secret_world(handle):
    """The emulator's cloud and vCenter reached with passwords of their own, so the output can be searched for them;
    a cloud, its transport server, a Packer host, a vSphere platform and a task made through the API (set-up)."""
    with handle.app.lock:
        next(iter(handle.app.state.endpoints.values()))["credentials"]["admin"] = CLOUD_PASSWORD
        next(iter(handle.app.state.vsphere_endpoints.values()))["password"] = VSPHERE_PASSWORD
    client = MigrationClient(handle.url, "admin", ADMIN_PASSWORD)
    cloud_id = client.add_cloud_connection({"CloudName": "prod", "CloudType": "Openstack", "ProjectName": "admin",
                                            "CloudUser": "admin", "CloudPass": CLOUD_PASSWORD,
                                            "CloudAddr": "127.0.0.1"})
    trans_id = client.add_transport_server("edge", "Cloud", "127.0.0.2", cloud_id)
    client.add_packer_host("web-01", trans_id, "127.0.0.11")
    client.add_vsphere_platform("vc", "127.0.0.21", "administrator@vsphere.local", VSPHERE_PASSWORD, trans_id)
    task = [spec for spec in MIGRATION_SPECS if spec.kind == "migration_task"][0]
    task.create(client, task.normalize(dict(MIGRATION_TASK, flavor_id=BUILTIN_FLAVOR, network_id=BUILTIN_NETWORK,
                                            subnet_id=BUILTIN_SUBNET, security_group_id=BUILTIN_SECURITY_GROUP)))
    client.close()
    handle.clear_requests()


def test_migration_entries_name_references_and_hide_every_password(migration, tmp_path):
    secret_world(migration)
    env = {"MIGRATION_URL": migration.url, "MIGRATION_USERNAME": "admin", "MIGRATION_PASSWORD": ADMIN_PASSWORD}
    run = run_playbook([info("migration", as_entries=True), info("migration")], env=env, verbosity=3)
    asked, plain = run.results
    assert asked["changed"] is False, run.output
    entries = asked["entries"]
    assert list(entries) == ["migration_cloud_connection", "migration_transport_server", "migration_source_host",
                             "migration_vsphere_platform", "migration_task", "migration_license"]
    assert entries["migration_cloud_connection"] == [{
        "name": "prod", "cloud_type": "Openstack", "project_name": "admin", "cloud_user": "admin",
        "cloud_password": {"env": "CONVERGE_MIGRATION_CLOUD_CONNECTION_PROD_CLOUD_PASSWORD"},
        "identity_port": 5000, "address": "127.0.0.1", "adopt": True}]
    assert entries["migration_transport_server"] == [{"name": "edge", "server_type": "Cloud", "cloud": "prod",
                                                      "address": "127.0.0.2", "adopt": True}]
    assert entries["migration_source_host"] == [{"name": "web-01", "transport_server": "edge",
                                                 "address": "127.0.0.11", "adopt": True}]
    assert entries["migration_vsphere_platform"] == [{
        "name": "vc", "address": "127.0.0.21",
        "vsphere_password": {"env": "CONVERGE_MIGRATION_VSPHERE_PLATFORM_VC_VSPHERE_PASSWORD"}, "adopt": True}]
    assert entries["migration_task"] == [dict(
        MIGRATION_TASK, priority=0, compressed=False, qos_limit=0, storage_id="123423123", bandwidth=0,
        flavor_id=BUILTIN_FLAVOR, network_id=BUILTIN_NETWORK, subnet_id=BUILTIN_SUBNET,
        security_group_id=BUILTIN_SECURITY_GROUP,
        volumes=[{"name": "/dev/vda", "size": 40}, {"name": "/dev/vdb", "size": 100}], adopt=True)]
    assert entries["migration_license"] == [{"activation_key": {"env": "CONVERGE_MIGRATION_LICENSE_ACTIVATION_KEY"},
                                             "license_id": license_id("built-in"), "adopt": True}]
    assert "entries" not in plain and entries_and_rest(asked)[1].keys() == entries_and_rest(plain)[1].keys()
    for secret in (CLOUD_PASSWORD, VSPHERE_PASSWORD, ADMIN_PASSWORD):
        assert secret not in run.output and secret not in json.dumps(run.results)
    assert writes(migration.requests) == []
    variables = {"CONVERGE_MIGRATION_PASSWORD": ADMIN_PASSWORD,
                 "CONVERGE_MIGRATION_CLOUD_CONNECTION_PROD_CLOUD_PASSWORD": CLOUD_PASSWORD,
                 "CONVERGE_MIGRATION_VSPHERE_PLATFORM_VC_VSPHERE_PASSWORD": VSPHERE_PASSWORD,
                 "CONVERGE_MIGRATION_LICENSE_ACTIVATION_KEY": "CONVERGE-TEST-KEY-0001"}
    endpoint = {"migration": {"url": migration.url, "username": "admin",
                              "password": {"env": "CONVERGE_MIGRATION_PASSWORD"}}}
    assert_plans_no_change(tmp_path, endpoint, entries, env=variables)
    endpoint["migration"]["password"] = ADMIN_PASSWORD
    assert imported(tmp_path, endpoint) == entries
    assert writes(migration.requests) == []


# --- OpenDCP --------------------------------------------------------------------------------------------------------
def test_opendcp_entries_of_the_subsets_gathered_with_references_by_name(dcp, tmp_path):
    client = OpenDcpClient(dcp.url)
    client.add_pool_nodes(build_opendcp_pool(client, ECHO, service_desc="front end"), ["127.0.0.22", "127.0.0.21"])
    client.close()
    dcp.clear_requests()
    subsets = ["clusters", "services", "pools", "task_templates", "remote_steps", "actions", "actimpls", "flows"]
    run = run_playbook([info("opendcp", gather_subset=subsets, as_entries=True),
                        info("opendcp", gather_subset=subsets)], env={"OPENDCP_URL": dcp.url})
    asked, plain = run.results
    assert asked["changed"] is False, run.output
    assert asked["entries"] == {
        "opendcp_cluster": [{"name": "web", "desc": "web services", "biz": "1", "adopt": True}],
        "opendcp_service": [{"name": "fe", "desc": "front end", "cluster": "web", "service_type": "java",
                             "docker_image": "registry.example.invalid/fe:1", "adopt": True}],
        "opendcp_pool": [{"name": "fe-pool", "service": "fe", "vm_type": 1, "sd_id": 1,
                          "tasks": {"expand": "grow", "shrink": "cut"}, "size": 2, "adopt": True}],
        "opendcp_pool_nodes": [{"pool": "fe-pool", "nodes": ["127.0.0.22", "127.0.0.21"], "adopt": True}],
        "opendcp_task_template": [
            {"name": "cut", "steps": [{"name": "return_vm"}], "adopt": True},
            {"name": "grow", "steps": [{"name": "create_vm", "param_values": {"vm_type_id": 1}},
                                       {"name": "greet", "param_values": {"echo_word": "hi"}}], "adopt": True}],
        "opendcp_remote_step": [{"name": "greet", "actions": ["echo"], "adopt": True}],
        "opendcp_action": [{"name": "echo", "desc": "print", "params": {"echo_word": "string"}, "adopt": True}],
        "opendcp_actimpl": [{"action": "echo", "template": ECHO, "adopt": True}],
    }
    assert "entries" not in plain and entries_and_rest(asked)[1] == entries_and_rest(plain)[1]
    assert writes(dcp.requests) == []
    assert_plans_no_change(tmp_path, {"opendcp": {"url": dcp.url}}, asked["entries"])
    # a pool's nodes follow its size: import takes them when their kind is named, as the `pools` subset names it
    kinds = [option for kind in asked["entries"] for option in ("--kind", kind)]
    assert imported(tmp_path, {"opendcp": {"url": dcp.url}}, *kinds) == asked["entries"]
    assert writes(dcp.requests) == []

