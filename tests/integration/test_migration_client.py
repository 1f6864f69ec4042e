"""The migration client against the emulator over HTTP: every action, the session, the envelope's failures."""

from __future__ import annotations

import base64
import datetime
import uuid

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CLOUD_PATH,
    HOST_PATH,
    TASK_PATH,
    TRANSPORT_PATH,
    MigrationClient,
    MigrationError,
    items_of,
)

import emulators
from emulators.migration.state import (
    BUILTIN_FLAVOR,
    BUILTIN_LINUX_HOST,
    BUILTIN_NETWORK,
    BUILTIN_SECURITY_GROUP,
    BUILTIN_SUBNET,
)

pytestmark = pytest.mark.slow

API_URL = "http://127.0.0.1/api"
KEY = "CONVERGE-TEST-KEY-0001"


@pytest.fixture
def migration():
    handle = emulators.start("migration", port=0, task_seconds=5)
    yield handle
    handle.stop()


@pytest.fixture
def client(migration):
    client = MigrationClient(migration.url, "admin", "password")
    yield client
    client.close()


def paths(handle):
    return [r["path"] for r in handle.requests]


def add_cloud(client, name="prod"):
    return client.add_cloud_connection({"CloudName": name, "CloudType": "Openstack", "ProjectName": "admin",
                                        "CloudUser": "admin", "CloudPass": "password", "IdentityPort": "5000",
                                        "CloudAddr": "127.0.0.1"})


def chain(client):
    """A cloud, its Cloud transport server and a Packer host: (cloud id, transport id, host id)."""
    cloud_id = add_cloud(client)
    trans_id = client.add_transport_server("edge", "Cloud", "127.0.0.2", cloud_id)
    host_id = client.add_packer_host("web-01", trans_id, "127.0.0.11")
    return cloud_id, trans_id, host_id


def task_fields(cloud_id, trans_id, host_id, **extra):
    fields = {"Name": "mig-web", "HostId": host_id, "CloudId": cloud_id, "TargetTransId": trans_id,
              "IntervalMinutes": 60, "MaxSnapsNum": 2, "FlavorId": BUILTIN_FLAVOR, "NetworkId": BUILTIN_NETWORK,
              "SubnetId": BUILTIN_SUBNET, "SecurityGroupId": BUILTIN_SECURITY_GROUP,
              "TargetServerName": "web-01-cloud"}
    fields.update(extra)
    return fields


def state_of(client, task_id):
    return client.get_task_detail(task_id)


# --- session ------------------------------------------------------------------------------------------
def test_login_logout_and_renewal_after_expiry(migration, client):
    data = client.login()
    assert data["IsFirstLogin"] is True and client.token == data["Token"]
    migration.app.expire_credentials()
    migration.clear_requests()
    assert "Openstack" in client.list_cloud_types()
    # the envelope refuses the expired token (HTTP 200, Code -1): a new login follows, then the call again
    assert paths(migration) == ["/MgmtCloudConnection", "/Login", "/MgmtCloudConnection"]
    assert [r["status"] for r in migration.requests] == [200, 200, 200]
    client.end_session()
    assert client.token is None
    migration.clear_requests()
    client.list_cloud_types()
    assert paths(migration) == ["/Login", "/MgmtCloudConnection"]


def test_a_write_the_platform_refuses_or_resends_after_a_token_refusal_counts_once_or_not_at_all(migration, client):
    with pytest.raises(MigrationError):
        client.update_license("bad key!")
    assert client.http.write_count == 0 and client.http.thread_write_count == 0
    migration.app.expire_credentials()
    client.update_license(KEY)
    assert client.http.write_count == 1 and client.http.thread_write_count == 1
    assert [r.get("action") for r in migration.requests if r["path"] == "/MgntSetting"] == ["UpdateLicense"] * 3


def test_a_wrong_password_names_login_code_and_message(migration):
    client = MigrationClient(migration.url, "admin", "not-the-password")
    with pytest.raises(MigrationError) as caught:
        client.get_license()
    assert str(caught.value) == "POST /Login: HTTP 200: code -1: Login: UserName or Password is wrong."
    assert "not-the-password" not in str(caught.value)


def test_change_password(migration, client):
    client.change_password("n3w-passw0rd")
    assert migration.state()["account"]["Password"] == "n3w-passw0rd"
    assert MigrationClient(migration.url, "admin", "n3w-passw0rd").login()["IsFirstLogin"] is False
    with pytest.raises(MigrationError):
        MigrationClient(migration.url, "admin", "password").login()
    with pytest.raises(MigrationError) as caught:
        client.change_password("weak")
    assert "ChangePassword" in str(caught.value) and "code -1" in str(caught.value)


# --- license ----------------------------------------------------------------------------------------
def test_license_get_update_delete(migration, client):
    assert client.get_license()["Credits"] == 100
    installed = client.update_license(KEY)
    assert installed["Id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "migration-license:" + KEY))
    assert client.get_license()["Id"] == installed["Id"]
    with pytest.raises(MigrationError) as caught:
        client.update_license("bad key!")
    assert "UpdateLicense: Invalid activation key." in str(caught.value)
    client.delete_license()
    assert client.get_license() is None and migration.state()["license"] is None
    with pytest.raises(MigrationError) as caught:
        client.delete_license()
    assert "DeleteLicense" in str(caught.value)


# --- cloud connections ---------------------------------------------------------------------------------
def test_cloud_connections(migration, client):
    assert client.list_cloud_types() == ["Huayun", "Openstack", "CloudUltra 4", "ArcherOS 2020"]
    cloud_id = add_cloud(client)
    item = client.list_cloud_connections("prod")[0]
    assert item["ID"] == cloud_id and base64.b64decode(item["CloudPass"]) == b"password"
    client.update_cloud_connection(cloud_id, {"Name": "prod", "CloudUser": "admin", "ProjectName": "migration"})
    assert client.list_cloud_connections("prod")[0]["ProjectName"] == "migration"
    client.verify_cloud_connection({"CloudType": "Openstack", "CloudUser": "admin", "CloudPass": "password",
                                    "CloudAddr": "127.0.0.1", "IdentityPort": "5000", "ProjectName": "admin"})
    with pytest.raises(MigrationError) as caught:
        client.verify_cloud_connection({"CloudType": "Openstack", "CloudUser": "admin", "CloudPass": "wrong-pw",
                                        "CloudAddr": "127.0.0.1", "IdentityPort": "5000"})
    assert "VerifyCloudConnection" in str(caught.value) and "wrong-pw" not in str(caught.value)
    with pytest.raises(MigrationError) as caught:
        add_cloud(client)
    assert "AddCloudConnection" in str(caught.value)
    client.delete_cloud_connection(cloud_id)
    assert client.list_cloud_connections() == [] and migration.state()["clouds"] == {}


def cloud_ultra(secret_key="password", **fields):
    """The CloudUltra 4 API's credentials, as its catalogue actions take them."""
    return dict(fields, APIMgntURL=API_URL, AccessKey="admin", SecretKey=secret_key, IsEncrypted="False")


def test_cloud_ultra_and_huayun_catalogues(client):
    projects = items_of(client.call(CLOUD_PATH, "ListProject", cloud_ultra()))
    environments = items_of(client.call(CLOUD_PATH, "ListEnvironment", cloud_ultra(HypervisorType="KVM")))
    assert projects and environments and all("ID" in p for p in projects)
    zones = items_of(client.call(CLOUD_PATH, "ListZone", cloud_ultra(EnvironmentId=environments[0]["ID"],
                                                                     OwnerId=projects[0]["ID"])))
    assert isinstance(zones, list)
    regions = items_of(client.call(CLOUD_PATH, "ListRegion", {"AccessKey": "admin", "SecretKey": "password",
                                                              "isEncrypted": "False"}))
    assert all("Name" in r for r in regions)
    with pytest.raises(MigrationError) as caught:
        client.call(CLOUD_PATH, "ListProject", cloud_ultra("wrong-secret"))
    assert "ListProject" in str(caught.value) and "wrong-secret" not in str(caught.value)


# --- transport servers, hosts, vSphere ---------------------------------------------------------------------
def test_transport_servers(migration, client):
    cloud_id = add_cloud(client)
    trans_id = client.add_transport_server("edge", "Cloud", "127.0.0.2", cloud_id)
    onprem_id = client.add_transport_server("dc1", "On-Premises", "127.0.0.3")
    client.call(TRANSPORT_PATH, "VerifyTransportConnection", {"MgntAddr": "127.0.0.2"})
    with pytest.raises(MigrationError):
        client.call(TRANSPORT_PATH, "VerifyTransportConnection", {"MgntAddr": "127.0.0.99"})
    client.refresh_transport_server(trans_id)
    client.call(TRANSPORT_PATH, "UpdateTransportServer", {"Id": onprem_id, "Name": "dc1-renamed"})
    names = sorted(t["Name"] for t in client.list_transport_servers())
    assert names == ["dc1-renamed", "edge"]
    cloud_side = client.list_transport_servers(serv_type="cloud")
    assert [t["Name"] for t in cloud_side] == ["edge"] and cloud_side[0]["CloudName"] == "prod"
    assert [t["Id"] for t in client.list_transport_servers(ip="127.0.0.3")] == [onprem_id]
    client.add_packer_host("web-01", trans_id, "127.0.0.11")
    with pytest.raises(MigrationError) as caught:
        client.delete_transport_server(trans_id)
    assert "DeleteTransportServer" in str(caught.value)
    client.delete_transport_server(onprem_id)
    assert [t["Id"] for t in client.list_transport_servers()] == [trans_id]


def test_packer_hosts(migration, client):
    _cloud_id, trans_id, host_id = chain(client)
    assert host_id == BUILTIN_LINUX_HOST
    detail = client.get_packer_host(host_id)
    assert detail["Name"] == "web-01" and detail["TransName"] == "edge" and detail["MgntAddr"] == "127.0.0.11"
    assert detail["VolumeInfos"]
    listed = client.list_hosts(name="web-01")
    assert [h["Name"] for h in listed["AgentHosts"]] == ["web-01"]
    assert [h["Name"] for h in client.list_hosts(task_free=True)["AgentHosts"]] == ["web-01"]
    client.call(HOST_PATH, "VerifyPackerConnection", {"HostId": host_id, "TransAddr": "127.0.0.2"})
    client.refresh_packer_host(host_id)
    other = client.add_transport_server("dc1", "On-Premises", "127.0.0.3")
    client.update_packer_host(host_id, "web-01b", other)
    moved = client.get_packer_host(host_id)
    assert moved["Name"] == "web-01b" and moved["TransName"] == "dc1"
    client.delete_packer_host(host_id)
    assert client.list_hosts()["AgentHosts"] == []
    with pytest.raises(MigrationError) as caught:
        client.add_packer_host("ghost", trans_id, "127.0.0.99")
    assert "AddPackerHost" in str(caught.value)


def test_vsphere_platforms(migration, client):
    cloud_id = add_cloud(client)
    trans_id = client.add_transport_server("edge", "Cloud", "127.0.0.2", cloud_id)
    added = client.add_vsphere_platform("vc", "127.0.0.21", "administrator@vsphere.local", "password", trans_id)
    assert added["Count"] == 2
    platform = client.list_hosts()["VSPlatforms"][0]
    assert platform["Name"] == "vc" and platform["Ip"] == "127.0.0.21"
    tree = client.list_vsphere_hosts()
    assert tree[0]["Name"] == "vc" and tree[0]["DataCenters"]
    client.refresh_vsphere_platform(platform["ID"])
    client.update_vsphere_platform(platform["ID"], "vc-renamed", "administrator@vsphere.local", "password", trans_id)
    assert client.list_hosts()["VSPlatforms"][0]["Name"] == "vc-renamed"
    client.call(HOST_PATH, "VerifyVSPlatformConnection", {"VSPlatformID": platform["ID"], "TransAddr": "127.0.0.2"})
    with pytest.raises(MigrationError) as caught:
        client.add_vsphere_platform("vc2", "127.0.0.21", "administrator@vsphere.local", "bad-vsphere-pw", trans_id)
    assert "AddVSPlatform" in str(caught.value) and "bad-vsphere-pw" not in str(caught.value)
    client.delete_vsphere_platform(platform["ID"])
    assert client.list_hosts()["VSPlatforms"] == []


# --- tasks --------------------------------------------------------------------------------------------------
def test_cloud_catalogue_calls(client):
    cloud_id = add_cloud(client)
    assert BUILTIN_FLAVOR in [f["ID"] for f in client.list_flavors(cloud_id)]
    assert client.list_networks(cloud_id)[0]["Id"] == BUILTIN_NETWORK
    assert client.list_security_groups(cloud_id)[0]["ID"] == BUILTIN_SECURITY_GROUP
    assert set(client.list_quota(cloud_id)) == {"CPU", "Memory", "Disk"}
    assert isinstance(client.list_volume_types(cloud_id), list)
    assert isinstance(client.list_storages(cloud_id), list)


def test_a_task_from_creation_to_its_cloud_server(migration, client):
    cloud_id, trans_id, host_id = chain(client)
    credits_before = client.get_license()["Used"]
    created = client.prepare_task(task_fields(cloud_id, trans_id, host_id))
    task_id = created["ID"]
    assert client.get_license()["Used"] == credits_before + 1
    listed = client.list_tasks(name="mig-web")
    assert [t["Id"] for t in listed] == [task_id]
    detail = client.get_task_detail(task_id)
    assert detail["MaxSnapNumber"] == 2 and detail["TargetHost"]["ServerName"] == "web-01-cloud"
    with pytest.raises(MigrationError) as caught:
        client.complete_task(task_id)
    assert "CompleteTask" in str(caught.value)
    migration.app.advance_clock(120)
    client.update_task(task_id, {"MaxSnapNum": 3, "Priority": 4})
    assert client.get_task_detail(task_id)["MaxSnapNumber"] == 3
    migration.app.advance_clock(10)
    detail = client.get_task_detail(task_id)
    assert detail["SnapTimes"] >= 1 and detail["ProgressPrecent"] == "100%"
    assert len(client.list_snapshots(task_id)) >= 1
    client.complete_task(task_id)
    migration.app.advance_clock(12)
    waiting = client.get_task_detail(task_id)
    assert waiting["ActionState"] in (1006, 1007, 1008), waiting
    history = client.task_history(task_id)
    assert history[0]["Number"] == 1000 and all("Timestamp" in h for h in history)
    migration.app.advance_clock(60)
    assert client.get_task_detail(task_id)["ActionState"] == 1009
    assert client.get_instance(task_id)["Name"] == "web-01-cloud"
    client.delete_task(task_id)
    assert client.list_tasks() == []
    assert client.get_license()["Used"] == credits_before + 1  # a finished task keeps its credit


def test_name_clashes_give_code_1_with_the_repeated_names(migration, client):
    cloud_id, trans_id, host_id = chain(client)
    with pytest.raises(MigrationError) as caught:
        client.prepare_task(task_fields(cloud_id, trans_id, host_id, TargetServerName="legacy-web"))
    assert caught.value.code == 1 and caught.value.repeated == ["legacy-web"]
    assert "PrepareTaskWorkload" in str(caught.value) and "(repeated: legacy-web)" in str(caught.value)
    with pytest.raises(MigrationError) as caught:  # Code 1 only says that something is taken
        client.call(TASK_PATH, "CheckTargetHostInfoExisting", {
            "CloudId": cloud_id, "TaskName": "mig-web", "TargetServerName": "legacy-web",
            "CloudVolumeNames": ["legacy-web-data", "fresh"]})
    info = caught.value.data
    assert info["ServerNameExisted"] == "legacy-web" and info["VolumeNameExisted"] == ["legacy-web-data"]
    free = client.call(TASK_PATH, "CheckTargetHostInfoExisting", {
        "CloudId": cloud_id, "TaskName": "mig-new", "TargetServerName": "new-server", "CloudVolumeNames": ["fresh"]})
    assert free["ServerNameExisted"] == "" and free["VolumeNameExisted"] == []
    assert migration.state()["tasks"] == {}


def test_continue_and_create_instance(migration, client):
    cloud_id, trans_id, host_id = chain(client)
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
    task_id = client.prepare_task(task_fields(cloud_id, trans_id, host_id,
                                              StartTime=start.strftime("%Y-%m-%d %H:%M")))["ID"]
    migration.app.set_agent_offline("127.0.0.11", True)
    migration.app.advance_clock(360)
    assert client.get_task_detail(task_id)["ActionState"] == 1003
    with pytest.raises(MigrationError) as caught:
        client.continue_task(task_id)
    assert "ContinueTask" in str(caught.value)
    migration.app.set_agent_offline("127.0.0.11", False)
    client.continue_task(task_id)
    migration.app.advance_clock(10)
    assert client.get_task_detail(task_id)["SnapTimes"] >= 1
    client.complete_task(task_id)
    migration.app.advance_clock(11)
    for _ in range(20):
        if client.get_task_detail(task_id)["ActionState"] == 1007:
            break
        migration.app.advance_clock(1)
    assert client.get_task_detail(task_id)["ActionState"] == 1007
    with pytest.raises(MigrationError):
        client.update_task(task_id, {"FlavorId": "other"})
    client.create_instance(task_id, {"FlavorId": BUILTIN_FLAVOR, "NetworkId": BUILTIN_NETWORK,
                                     "SubnetId": BUILTIN_SUBNET, "TargetServerName": "web-01-new"})
    assert client.get_task_detail(task_id)["ActionState"] == 1008
    migration.app.advance_clock(10)
    assert client.get_instance(task_id)["Name"] == "web-01-new"


def test_deleting_an_unfinished_task_gives_the_credit_back(migration, client):
    cloud_id, trans_id, host_id = chain(client)
    used = client.get_license()["Used"]
    task_id = client.prepare_task(task_fields(cloud_id, trans_id, host_id))["ID"]
    client.delete_task(task_id)
    assert client.get_license()["Used"] == used
