"""The migration emulator over raw HTTP: every action, its envelope, its Codes and the documented rules."""

from __future__ import annotations

import base64

import pytest
import requests

import emulators
from emulators.migration.state import (
    BUILTIN_BIG_FLAVOR,
    BUILTIN_FLAVOR,
    BUILTIN_LINUX_HOST,
    BUILTIN_NETWORK,
    BUILTIN_SECURITY_GROUP,
    BUILTIN_SUBNET,
    BUILTIN_SUBNET_2,
    BUILTIN_WINDOWS_HOST,
    format_time,
    license_id,
)

ENVELOPE = {"Code", "Msg", "Data"}
SETTING, CLOUD, TRANSPORT, HOSTS, TASK = ("/MgntSetting", "/MgmtCloudConnection", "/MgmtTransportConnection",
                                          "/portal/MgmtHostConnection", "/MgmtTask")
VCENTER = {"Ip": "127.0.0.21", "UserName": "administrator@vsphere.local", "Passwd": "password"}
STEP = 5


class Api:
    """A raw HTTP caller holding a token."""

    def __init__(self, handle):
        self.handle = handle
        self.url = handle.url
        self.token = self.login()["Token"]

    def login(self, username="admin", password="password"):
        return ok(self.raw("/Login", None, UserName=username, Password=password))

    def raw(self, path, token, expect=200, **body):
        headers = {"Authorization": token} if token else {}
        response = requests.post(self.url + path, json=body, headers=headers, timeout=10)
        assert response.status_code == expect, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()

    def call(self, path, action, **body):
        return self.raw(path, self.token, Action=action, **body)

    def ok(self, path, action, **body):
        return ok(self.call(path, action, **body))

    def advance(self, seconds):
        """Move emulated time on; log in again, as long waits outlive tokens."""
        self.handle.app.advance_clock(seconds)
        self.token = self.login()["Token"]

    def detail(self, task_id):
        return self.ok(TASK, "GetTaskDetail", Id=task_id)


def ok(envelope):
    assert set(envelope) == ENVELOPE, envelope
    assert envelope["Code"] == 0 and not isinstance(envelope["Code"], bool), envelope
    assert envelope["Msg"]
    return envelope["Data"]


def failed(envelope, code=-1, text=None):
    assert set(envelope) == ENVELOPE, envelope
    assert envelope["Code"] == code, envelope
    if text is not None:
        assert text in envelope["Msg"], envelope["Msg"]
    return envelope


@pytest.fixture
def mig():
    """A fresh emulator whose time moves only through advance_clock (real time is slowed a million times)."""
    handle = emulators.start("migration", port=0, task_seconds=STEP, time_scale=1e-6)
    yield handle
    handle.stop()


@pytest.fixture
def api(mig):
    return Api(mig)


@pytest.fixture
def world(api):
    """A cloud, a cloud-side and an on-premises Transport, and the Linux Packer host."""
    return build_world(api)


def build_world(api):
    """`world`, made through `api`: the ids of the cloud, the two Transports and the host."""
    cloud = api.ok(CLOUD, "AddCloudConnection", CloudName="cloud1", CloudType="Openstack", ProjectName="cmigrate",
                   CloudUser="admin", CloudPass="password", CloudAddr="127.0.0.1", IdentityPort="5000")["ID"]
    target = api.ok(TRANSPORT, "AddTransportServer", ServType="Cloud", Name="trans-cloud", CloudId=cloud,
                    MgntAddr="127.0.0.2")["ID"]
    source = api.ok(TRANSPORT, "AddTransportServer", ServType="On-Premises", Name="trans-local", CloudId=None,
                    MgntAddr="127.0.0.3")["ID"]
    host = api.ok(HOSTS, "AddPackerHost", Name="web01", TransId=source, MgntAddr="127.0.0.11")["ID"]
    return {"cloud": cloud, "target": target, "source": source, "host": host}


def task_body(world, **extra):
    body = {"Name": "task-web01", "HostId": world["host"], "CloudId": world["cloud"], "SrcTransId": world["source"],
            "TargetTransId": world["target"], "IntervalMinutes": 10, "MaxSnapsNum": 2, "FlavorId": BUILTIN_FLAVOR,
            "NetworkId": BUILTIN_NETWORK, "SubnetId": BUILTIN_SUBNET, "SecurityGroupId": BUILTIN_SECURITY_GROUP}
    body.update(extra)
    return body


def new_task(api, world, **extra):
    return api.ok(TASK, "PrepareTaskWorkload", **task_body(world, **extra))["ID"]


def run_to_completion(api, task_id):
    """First copy done, CompleteTask, then final sync, v2v, recovery and the instance."""
    api.advance(STEP)
    ok(api.call(TASK, "CompleteTask", Id=task_id))
    for _ in range(5):
        api.advance(STEP)
    return api.detail(task_id)


def used_credits(api):
    return api.ok(SETTING, "GetLicense")["Used"]


# --- /Login, /ReAuth, /Logout ------------------------------------------------------------------------
def test_login_gives_a_token_and_says_first_login_until_the_password_changes(api):
    data = api.login()
    assert set(data) == {"Token", "IsFirstLogin"} and data["IsFirstLogin"] is True
    assert data["Token"] != api.token


def test_login_with_a_wrong_password_is_code_minus_one_on_http_200(api):
    failed(api.raw("/Login", None, UserName="admin", Password="nope"), text="UserName or Password is wrong")


def test_every_url_but_login_needs_a_valid_token_and_refuses_others_in_the_envelope(api):
    body = api.raw(CLOUD, None, Action="ListCloudType")
    failed(body, text="Token is invalid or expired, please login again.")
    failed(api.raw(CLOUD, "not-a-token", Action="ListCloudType"), text="please login again")
    failed(api.raw("/ReAuth", None), text="please login again")
    failed(api.raw("/Logout", "not-a-token"), text="please login again")


def test_the_token_refusal_can_be_an_http_401_instead():
    handle = emulators.start("migration", port=0, token_refusal="http401")
    try:
        api = Api(handle)
        failed(api.raw(CLOUD, "not-a-token", expect=401, Action="ListCloudType"), text="please login again")
        ok(api.raw(CLOUD, api.token, Action="ListCloudType"))
    finally:
        handle.stop()


def test_tokens_expire_and_reauth_renews_them(mig, api):
    renewed = ok(api.raw("/ReAuth", api.token))
    assert renewed["IsFirstLogin"] is True and renewed["Token"] != api.token
    mig.app.advance_clock(1000)
    newer = ok(api.raw("/ReAuth", renewed["Token"]))["Token"]
    mig.app.advance_clock(1000)
    # the first token reached its 1800 s; the one renewed at 1000 s is still good
    failed(api.raw(CLOUD, api.token, Action="ListCloudType"), text="Token is invalid or expired")
    ok(api.raw(CLOUD, newer, Action="ListCloudType"))
    mig.app.expire_credentials()
    failed(api.raw("/ReAuth", newer), text="Token is invalid or expired")


def test_logout_ends_only_its_token(api):
    other = api.login()["Token"]
    assert ok(api.raw("/Logout", api.token)) is None
    failed(api.raw(CLOUD, api.token, Action="ListCloudType"), text="please login again")
    ok(api.raw(CLOUD, other, Action="ListCloudType"))


def test_unknown_action_url_and_method(api):
    failed(api.call(CLOUD, "AddTransportServer"), text="Unknown Action 'AddTransportServer' on /MgmtCloudConnection")
    failed(api.raw("/Nowhere", api.token, expect=404))
    response = requests.get(api.url + "/MgmtTask", timeout=5)
    assert response.status_code == 405 and response.json()["Code"] == -1
    response = requests.post(api.url + TASK, data="{", headers={"Authorization": api.token}, timeout=5)
    failed(response.json(), text="not valid JSON")


# --- /MgntSetting --------------------------------------------------------------------------------------
def test_change_password_checks_old_and_new_password_and_ends_first_login(api):
    failed(api.call(SETTING, "ChangePassword", UserName="admin", Password="wrong", NewPassword="abc123"),
           text="Password is wrong")
    failed(api.call(SETTING, "ChangePassword", UserName="admin", Password="password", NewPassword="abcdefgh"),
           text="at least two of")
    failed(api.call(SETTING, "ChangePassword", UserName="admin", Password="password", NewPassword="a1"),
           text="6-20 characters")
    failed(api.call(SETTING, "ChangePassword", UserName="root", Password="password", NewPassword="abc123"),
           text="does not exist")
    assert api.ok(SETTING, "ChangePassword", UserName="admin", Password="password", NewPassword="abc123!") is None
    failed(api.raw("/Login", None, UserName="admin", Password="password"))
    assert api.login(password="abc123!")["IsFirstLogin"] is False
    ok(api.call(SETTING, "GetLicense"))  # the token from before the change still works


def test_an_action_that_is_not_a_string_is_unknown_and_actions_serve_the_state_after_a_reset(api):
    failed(api.call(SETTING, ["GetLicense"]), text="Unknown Action ['GetLicense'] on /MgntSetting")
    failed(api.call(SETTING, None), text="Unknown Action None on /MgntSetting")
    assert requests.post(f"{api.url}/_emulator/reset", timeout=5).status_code == 200
    api.token = api.login()["Token"]
    assert api.ok(SETTING, "GetLicense")["Used"] == 0
    assert api.ok(CLOUD, "ListCloudConnection") == []


def test_get_license_shows_credits_and_used(api, world):
    data = api.ok(SETTING, "GetLicense")
    assert set(data) == {"Credits", "ExpireTime", "Id", "Used"}
    assert data["Credits"] == 100 and data["Used"] == 0
    assert data["ExpireTime"].endswith("+00:00")
    new_task(api, world)
    assert used_credits(api) == 1


def test_update_license_installs_the_same_id_for_the_same_key(api):
    key = "ABCD-EFGH-IJKL-MNOP"
    data = api.ok(SETTING, "UpdateLicense", ActivationKey=key)
    assert data["Id"] == license_id(key) and data["Credits"] == 100
    assert api.ok(SETTING, "UpdateLicense", ActivationKey=key)["Id"] == data["Id"]
    assert api.ok(SETTING, "GetLicense")["Id"] == data["Id"]
    failed(api.call(SETTING, "UpdateLicense", ActivationKey="short"), text="Invalid activation key")


def test_delete_license_leaves_none_and_tasks_cannot_be_created(api, world):
    assert api.ok(SETTING, "DeleteLicense") is None
    assert api.ok(SETTING, "GetLicense") is None
    failed(api.call(SETTING, "DeleteLicense"), text="No license is installed")
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world)), text="No license is installed")
    assert api.ok(TASK, "ListTasks")["TaskTotal"] == 0


def test_no_credit_left_refuses_a_task(mig, api, world):
    mig.app.state.license["Credits"] = 1
    new_task(api, world)
    api.ok(HOSTS, "AddPackerHost", Name="win01", TransId=world["source"], MgntAddr="127.0.0.12")
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, Name="t2", HostId=BUILTIN_WINDOWS_HOST,
                                                              TargetServerName="win01")),
           text="No migration credits left")
    assert api.ok(SETTING, "GetLicense")["Used"] == 1


def test_an_expired_license_refuses_a_task(api, world):
    api.advance(366 * 86400)
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world)), text="The license has expired")


# --- /MgmtCloudConnection ----------------------------------------------------------------------------
def test_list_cloud_type(api):
    assert api.ok(CLOUD, "ListCloudType") == ["Huayun", "Openstack", "CloudUltra 4", "ArcherOS 2020"]


def test_add_cloud_connection_checks_name_type_and_clashes(api):
    base = {"CloudType": "Openstack", "CloudUser": "admin", "CloudPass": "password", "CloudAddr": "127.0.0.1"}
    cloud_id = api.ok(CLOUD, "AddCloudConnection", CloudName="云_a-1", **base)["ID"]
    assert len(cloud_id) == 32
    failed(api.call(CLOUD, "AddCloudConnection", CloudName="云_a-1", **base), text="already exists")
    failed(api.call(CLOUD, "AddCloudConnection", CloudName="x", **base), text="2-20 characters")
    failed(api.call(CLOUD, "AddCloudConnection", CloudName="bad name!", **base), text="2-20 characters")
    failed(api.call(CLOUD, "AddCloudConnection", CloudName="ok-name", **{**base, "CloudType": "AWS"}),
           text="CloudType must be one of")
    failed(api.call(CLOUD, "AddCloudConnection", CloudName="ok-name", **{**base, "CloudAddr": None}),
           text="CloudAddr is required")
    assert [c["Name"] for c in api.ok(CLOUD, "ListCloudConnection")] == ["云_a-1"]


def test_list_cloud_connection_filters_by_name_and_encodes_the_password(api, world):
    api.ok(CLOUD, "AddCloudConnection", CloudName="cloud2", CloudType="huayun", CloudUser="admin",
           CloudPass="password", CloudAddr="127.0.0.1", RegionId="cn-suzhou1", RegionName="苏州")
    rows = api.ok(CLOUD, "ListCloudConnection", Name="cloud2")
    assert len(rows) == 1
    row = rows[0]
    assert row["CloudType"] == "Huayun" and row["RegionId"] == "cn-suzhou1"
    assert base64.b64decode(row["CloudPass"]) == b"password"
    assert row["IdentityUrl"] == "http://127.0.0.1:5000/v3"
    assert {"AccountId", "ID", "Name", "ProjectName", "Domain", "CloudUser", "CloudAddr", "IdentityPort",
            "CreatedTime", "RegionName"} <= set(row)
    assert len(api.ok(CLOUD, "ListCloudConnection")) == 2


def test_update_cloud_connection_changes_only_what_is_sent(api, world):
    assert api.ok(CLOUD, "UpdateCloudConnection", Id=world["cloud"], Name="renamed", CloudPass="secret2") is None
    row = api.ok(CLOUD, "ListCloudConnection", Name="renamed")[0]
    assert base64.b64decode(row["CloudPass"]) == b"secret2" and row["CloudUser"] == "admin"
    failed(api.call(CLOUD, "UpdateCloudConnection", Id="nope", Name="x1"), text="does not exist")
    # with the wrong password the cloud's catalogue cannot be read any more
    failed(api.call(TASK, "ListFlavors", Id=world["cloud"]), text="Authentication failed")


def test_delete_cloud_connection_is_refused_while_a_transport_uses_it(api, world):
    failed(api.call(CLOUD, "DeleteCloudConnection", Id=world["cloud"]), text="delete them first")
    assert api.ok(TRANSPORT, "DeleteTransportServer", Id=world["target"]) is None
    answer = api.call(CLOUD, "DeleteCloudConnection", Id=world["cloud"])
    assert ok(answer) is None
    assert api.ok(CLOUD, "ListCloudConnection") == []
    failed(api.call(CLOUD, "DeleteCloudConnection", Id=world["cloud"]), text="does not exist")


def test_verify_cloud_connection(api):
    base = {"CloudType": "Openstack", "CloudUser": "admin", "CloudAddr": "127.0.0.1", "IdentityPort": 5000}
    assert api.ok(CLOUD, "VerifyCloudConnection", CloudPass="password", **base) is None
    failed(api.call(CLOUD, "VerifyCloudConnection", CloudPass="wrong", **base), text="Authentication failed")
    failed(api.call(CLOUD, "VerifyCloudConnection", CloudPass="password", **{**base, "CloudAddr": "127.0.0.99"}),
           text="Cannot connect to cloud")


MGMT = {"APIMgntURL": "http://127.0.0.1/api", "AccessKey": "admin", "SecretKey": "password", "IsEncrypted": "False"}


def test_list_project(api):
    assert api.ok(CLOUD, "ListProject", **MGMT) == [{"Name": "cmigrate", "ID": "307f849c-e931-4e4a-a96f-076e05276b9c"},
                                                    {"Name": "lipf_test",
                                                     "ID": "ae30f3a2-4f0e-4475-9d55-579c8eaf1249"}]
    failed(api.call(CLOUD, "ListProject", **{**MGMT, "SecretKey": "x"}), text="Authentication failed")


def test_list_environment_filters_by_hypervisor(api):
    assert api.ok(CLOUD, "ListEnvironment", HypervisorType="KVM", **MGMT) == [{"Name": "KVM", "ID": "1"}]
    assert len(api.ok(CLOUD, "ListEnvironment", **MGMT)) == 2


def test_list_zone_with_an_encrypted_secret(api):
    secret = base64.b64encode(b"password").decode()
    zones = api.ok(CLOUD, "ListZone", EnvironmentId="1", OwnerId="x", **{**MGMT, "SecretKey": secret,
                                                                          "IsEncrypted": "True"})
    assert [z["Name"] for z in zones] == ["zone-a"]


def test_list_region_by_access_key(api):
    regions = api.ok(CLOUD, "ListRegion", AccessKey="admin", SecretKey="password", isEncrypted="False")
    assert {"Name": "苏州", "ID": "cn-suzhou1"} in regions
    failed(api.call(CLOUD, "ListRegion", AccessKey="admin", SecretKey="bad"), text="wrong AccessKey")


# --- /MgmtTransportConnection --------------------------------------------------------------------------
def test_add_transport_server_checks_type_cloud_agent_and_clashes(api, world):
    failed(api.call(TRANSPORT, "AddTransportServer", ServType="Edge", Name="x", MgntAddr="127.0.0.4"),
           text="ServType")
    failed(api.call(TRANSPORT, "AddTransportServer", ServType="Cloud", Name="x", CloudId="nope",
                    MgntAddr="127.0.0.4"), text="Cloud connection 'nope' does not exist")
    failed(api.call(TRANSPORT, "AddTransportServer", ServType="On-Premises", Name="x", MgntAddr="127.0.0.99"),
           text="Cannot connect to Transport server")
    failed(api.call(TRANSPORT, "AddTransportServer", ServType="On-Premises", Name="trans-local",
                    MgntAddr="127.0.0.4"), text="already exists")
    failed(api.call(TRANSPORT, "AddTransportServer", ServType="On-Premises", Name="x", MgntAddr="127.0.0.3"),
           text="already added")
    assert api.ok(TRANSPORT, "AddTransportServer", ServType="on-premises", Name="x", MgntAddr="127.0.0.4")["ID"]


def test_verify_transport_connection(mig, api):
    assert api.ok(TRANSPORT, "VerifyTransportConnection", MgntAddr="127.0.0.2") is None
    mig.app.set_agent_offline("127.0.0.2")
    failed(api.call(TRANSPORT, "VerifyTransportConnection", MgntAddr="127.0.0.2"), text="Cannot connect")


def test_delete_transport_server_is_refused_while_hosts_use_it(api, world):
    failed(api.call(TRANSPORT, "DeleteTransportServer", Id=world["source"]), text="web01")
    api.ok(HOSTS, "DeletePackerHost", Id=world["host"])
    assert api.ok(TRANSPORT, "DeleteTransportServer", Id=world["source"]) is None
    assert [t["Name"] for t in api.ok(TRANSPORT, "ListTransportServer")] == ["trans-cloud"]


def test_refresh_transport_server_rereads_its_agent(mig, api, world):
    mig.app.state.transport_agents["9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]["max_tasks"] = 3
    assert api.ok(TRANSPORT, "RefreshTransportServer", Id=world["target"]) is None
    assert api.ok(TRANSPORT, "ListTransportServer", Name="trans-cloud")[0]["MaxSupportedTasks"] == 3
    failed(api.call(TRANSPORT, "RefreshTransportServer", Id="nope"), text="does not exist")


def test_update_transport_server_renames(api, world):
    assert api.ok(TRANSPORT, "UpdateTransportServer", Id=world["target"], Name="renamed") is None
    assert api.ok(TRANSPORT, "ListTransportServer", Ip="127.0.0.2")[0]["Name"] == "renamed"
    failed(api.call(TRANSPORT, "UpdateTransportServer", Id=world["target"], Name="trans-local"),
           text="already exists")


def test_list_transport_server_filters_and_counts_tasks(api, world):
    rows = api.ok(TRANSPORT, "ListTransportServer", ServType="cloud")
    assert len(rows) == 1
    row = rows[0]
    assert row == {"Id": world["target"], "Name": "trans-cloud", "CloudName": "cloud1", "CloudId": world["cloud"],
                   "ServType": "cloud", "MgntAddr": "127.0.0.2", "CreatedTime": row["CreatedTime"],
                   "MaxSupportedTasks": 10, "CurrentTasks": 0, "StorageId": "123423123", "StorageType": "ARSTOR"}
    local = api.ok(TRANSPORT, "ListTransportServer", ServType="On-Premises")[0]
    assert local["CloudName"] is None and local["ServType"] == "on-premises"
    new_task(api, world)
    assert api.ok(TRANSPORT, "ListTransportServer", Name="trans-cloud")[0]["CurrentTasks"] == 1
    assert api.ok(TRANSPORT, "ListTransportServer", Ip="127.0.0.9") == []


# --- /portal/MgmtHostConnection: Packer hosts ------------------------------------------------------------
def test_add_packer_host_reads_its_agent(api, world):
    failed(api.call(HOSTS, "AddPackerHost", Name="x", TransId=world["source"], MgntAddr="127.0.0.99"),
           text="Cannot connect to the Packer agent")
    failed(api.call(HOSTS, "AddPackerHost", Name="web01", TransId=world["source"], MgntAddr="127.0.0.12"),
           text="already exists")
    failed(api.call(HOSTS, "AddPackerHost", Name="x" * 33, TransId=world["source"], MgntAddr="127.0.0.12"),
           text="at most 32")
    failed(api.call(HOSTS, "AddPackerHost", Name="x", TransId="nope", MgntAddr="127.0.0.12"),
           text="Transport server 'nope' does not exist")
    host_id = api.ok(HOSTS, "AddPackerHost", Name="win01", TransId=world["source"], MgntAddr="127.0.0.12")["ID"]
    assert api.ok(HOSTS, "GetPackerHost", Id=host_id)["OsType"] == "windows"


def test_get_packer_host_gives_the_detail(api, world):
    data = api.ok(HOSTS, "GetPackerHost", Id=world["host"])
    assert {"Id", "Name", "MgntAddr", "TransName", "TransId", "TransAddr", "OsType", "OsName", "CPU", "Sockets",
            "Memory", "Manufacturer", "TotalSize", "HostType", "CreatedTime", "Agent", "Offline", "InTask",
            "CanNotMigrate", "CNMReason", "VolumeInfos", "VMHostUuid", "NetInterfaces"} == set(data)
    assert (data["Name"], data["TransName"], data["TransAddr"]) == ("web01", "trans-local", "127.0.0.3")
    assert [v["Path"] for v in data["VolumeInfos"]] == ["/dev/vda", "/dev/vdb"]
    assert data["TotalSize"] == 140 * 1024 ** 3 and data["InTask"] is False
    new_task(api, world)
    assert api.ok(HOSTS, "GetPackerHost", Id=world["host"])["InTask"] is True
    failed(api.call(HOSTS, "GetPackerHost", Id="nope"), text="does not exist")


def test_delete_packer_host_is_refused_while_it_is_in_a_task(api, world):
    task_id = new_task(api, world)
    failed(api.call(HOSTS, "DeletePackerHost", Id=world["host"]), text="in a migration task")
    api.ok(TASK, "DeleteTask", Id=task_id)
    assert api.ok(HOSTS, "DeletePackerHost", Id=world["host"]) is None
    assert api.ok(HOSTS, "ListHosts")["AgentHosts"] == []


def test_refresh_packer_host_and_offline_agents(mig, api, world):
    mig.app.set_agent_offline("127.0.0.11")
    assert api.ok(HOSTS, "RefreshPackerHost", Id=world["host"]) is None
    assert api.ok(HOSTS, "GetPackerHost", Id=world["host"])["Offline"] is True
    failed(api.call(HOSTS, "RefreshPackerHost", Id="nope"), text="does not exist")


def test_verify_packer_connection(mig, api, world):
    assert api.ok(HOSTS, "VerifyPackerConnection", HostId=world["host"], TransAddr="127.0.0.3") is None
    failed(api.call(HOSTS, "VerifyPackerConnection", HostId=world["host"], TransAddr="127.0.0.99"),
           text="Cannot connect to Transport")
    mig.app.set_agent_offline("127.0.0.11")
    failed(api.call(HOSTS, "VerifyPackerConnection", HostId=world["host"], TransAddr="127.0.0.3"),
           text="is offline")


def test_update_packer_host_renames_and_moves_it(api, world):
    other = api.ok(TRANSPORT, "AddTransportServer", ServType="On-Premises", Name="t3", MgntAddr="127.0.0.4")["ID"]
    assert api.ok(HOSTS, "UpdatePackerHost", Id=world["host"], TransId=other, Name="web-renamed") is None
    data = api.ok(HOSTS, "GetPackerHost", Id=world["host"])
    assert (data["Name"], data["TransId"]) == ("web-renamed", other)


def test_list_hosts_filters_and_task_free(api, world):
    api.ok(HOSTS, "AddPackerHost", Name="win01", TransId=world["source"], MgntAddr="127.0.0.12")
    api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER)
    data = api.ok(HOSTS, "ListHosts")
    assert sorted(h["Name"] for h in data["AgentHosts"]) == ["web01", "win01"]
    assert set(data["AgentHosts"][0]) == {"ID", "Name", "MgntAddr", "OsName", "TotalSize", "CreatedTime", "Agent",
                                          "Offline"}
    assert [p["Name"] for p in data["VSPlatforms"]] == ["vc"]
    assert set(data["VSPlatforms"][0]) == {"ID", "Name", "Ip", "IsVcenter", "CreatedTime"}
    assert [h["Name"] for h in api.ok(HOSTS, "ListHosts", MgntAddr="127.0.0.12")["AgentHosts"]] == ["win01"]
    new_task(api, world)
    free = api.ok(HOSTS, "ListHosts", TaskFree=True)["AgentHosts"]
    assert [h["Name"] for h in free] == ["win01"]


# --- /portal/MgmtHostConnection: vSphere platforms --------------------------------------------------------
def test_add_vsplatform_counts_vms_and_refuses_the_same_vms_twice(api, world):
    assert api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER) == {"Count": 2}
    clash = failed(api.call(HOSTS, "AddVSPlatform", Name="vc2", TransId=world["source"], **VCENTER), code=1)
    assert sorted(vm["Name"] for vm in clash["Data"]) == ["vm-app01", "vm-db01"]
    assert set(clash["Data"][0]) == {"Name", "EsxiHost", "Uuid"}
    failed(api.call(HOSTS, "AddVSPlatform", Name="vc3", TransId=world["source"], **{**VCENTER, "Passwd": "x"}),
           text="wrong UserName or Passwd")


def test_delete_vsplatform_removes_its_vms(api, world):
    platform = api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER)
    assert platform["Count"] == 2
    platform_id = api.ok(HOSTS, "ListHosts")["VSPlatforms"][0]["ID"]
    assert api.ok(HOSTS, "DeleteVSPlatform", ID=platform_id) is None
    assert api.ok(HOSTS, "ListVSHosts") == []
    assert api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER) == {"Count": 2}


def test_refresh_vsplatform_picks_up_new_vms(mig, api, world):
    api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER)
    platform_id = api.ok(HOSTS, "ListHosts")["VSPlatforms"][0]["ID"]
    endpoint = next(iter(mig.app.state.vsphere_endpoints.values()))
    new_vm = dict(endpoint["vms"][0], uuid="4211c5d4-e6f7-4081-8c9d-1e2f3a4b5c6d", name="vm-new")
    endpoint["vms"].append(new_vm)
    assert api.ok(HOSTS, "RefreshVSPlatform", ID=platform_id) is None
    names = [vt["Name"] for dc in api.ok(HOSTS, "ListVSHosts")[0]["DataCenters"] for cluster in dc["Clusters"]
             for phy in cluster["PhyHosts"] for vt in phy["VTs"]]
    assert sorted(names) == ["vm-app01", "vm-new"]


def test_update_vsplatform_checks_credentials(api, world):
    api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER)
    platform_id = api.ok(HOSTS, "ListHosts")["VSPlatforms"][0]["ID"]
    failed(api.call(HOSTS, "UpdateVSPlatform", ID=platform_id, Passwd="bad"), text="wrong UserName or Passwd")
    assert api.ok(HOSTS, "UpdateVSPlatform", ID=platform_id, Name="vcenter-1", UserName=VCENTER["UserName"],
                  Passwd="password", TransId=world["source"]) is None
    assert api.ok(HOSTS, "ListHosts")["VSPlatforms"][0]["Name"] == "vcenter-1"


def test_list_vshosts_gives_the_tree_with_each_vm_in_full(api, world):
    api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER)
    tree = api.ok(HOSTS, "ListVSHosts")
    assert len(tree) == 1 and tree[0]["IsVcenter"] is True and tree[0]["Ip"] == "127.0.0.21"
    (dc,) = tree[0]["DataCenters"]
    assert dc["Name"] == "DC1"
    assert [h["Name"] for h in dc["PhyHosts"]] == ["esxi-02.example.invalid"]
    assert [c["Name"] for c in dc["Clusters"]] == ["Cluster1"]
    assert [g["Name"] for g in dc["VmGroups"]] == ["apps"]
    vm = dc["PhyHosts"][0]["VTs"][0]
    assert vm["Agent"] is False and vm["VMHostUuid"] == "4211b4c3-d5e6-4f70-9b8c-0d1e2f3a4b5c"
    assert vm["NetInterfaces"] == [{"Mac": "00:50:56:aa:bb:02", "SubNets": [{"Ip": "127.0.0.32"}]}]
    assert "Passwd" not in tree[0]


def test_verify_vsplatform_connection(api, world):
    api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER)
    platform_id = api.ok(HOSTS, "ListHosts")["VSPlatforms"][0]["ID"]
    assert api.ok(HOSTS, "VerifyVSPlatformConnection", VSPlatformID=platform_id, TransAddr="127.0.0.3") is None
    failed(api.call(HOSTS, "VerifyVSPlatformConnection", VSPlatformID="nope", TransAddr="127.0.0.3"),
           text="does not exist")


# --- /MgmtTask ---------------------------------------------------------------------------------------------
def test_prepare_task_workload_takes_a_credit_and_checks_its_target(api, world):
    data = api.ok(TASK, "PrepareTaskWorkload", **task_body(world))
    assert set(data) == {"ID", "Repeated"} and data["Repeated"] == []
    assert used_credits(api) == 1
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world)), text="Task name 'task-web01' already exists")
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, Name="t2")), text="already in a migration task")
    api.ok(HOSTS, "AddPackerHost", Name="win01", TransId=world["source"], MgntAddr="127.0.0.12")
    win = {"Name": "t2", "HostId": BUILTIN_WINDOWS_HOST}
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, FlavorId="nope", **win)),
           text="Flavor 'nope' does not exist")
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, FlavorId=None, **win)),
           text="Give FlavorId, or CPU and Memory")
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, SubnetId="nope", **win)),
           text="is not a subnet of network")
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, TargetTransId=world["source"], **win)),
           text="is not a Cloud Transport server")
    failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, IntervalMinutes="10", **win)),
           text="IntervalMinutes must be an integer")
    assert used_credits(api) == 1  # refused tasks take nothing


def test_prepare_task_workload_gives_code_1_and_2_for_name_clashes(api, world):
    clash = failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, TargetServerName="legacy-web")), code=1)
    assert clash["Data"]["Repeated"] == ["legacy-web"]
    volumes = [{"VolumeName": "/dev/vda", "CloudVolumeName": "legacy-web-data"},
               {"VolumeName": "/dev/vdb", "CloudVolumeName": "web01-data"}]
    clash = failed(api.call(TASK, "PrepareTaskWorkload", **task_body(world, VolumeInfos=volumes)), code=2)
    assert clash["Data"]["Repeated"] == ["legacy-web-data"]
    assert used_credits(api) == 0 and api.ok(TASK, "ListTasks")["TaskTotal"] == 0


def test_delete_task_gives_the_credit_back_only_when_unfinished(api, world):
    first = new_task(api, world)
    assert api.ok(TASK, "DeleteTask", Id=first) is None
    assert used_credits(api) == 0
    second = new_task(api, world)
    assert run_to_completion(api, second)["ActionState"] == 1009
    api.ok(TASK, "DeleteTask", Id=second)
    assert used_credits(api) == 1
    failed(api.call(TASK, "DeleteTask", Id=second), text="does not exist")


def test_update_task_refuses_schedule_changes_within_60_s_of_the_start(api, world):
    task_id = new_task(api, world)  # starts now
    failed(api.call(TASK, "UpdateTask", Id=task_id, IntervalMinutes=30), text="within 60 seconds")
    failed(api.call(TASK, "UpdateTask", Id=task_id, MaxSnapNum=5), text="MaxSnapNum")
    # the same value is no change, and other fields may change
    assert api.ok(TASK, "UpdateTask", Id=task_id, IntervalMinutes=10, Name="renamed", Priority=3)["ID"] == task_id
    api.advance(61)
    api.ok(TASK, "UpdateTask", Id=task_id, IntervalMinutes=30, MaxSnapNum=5)
    detail = api.detail(task_id)
    assert (detail["Name"], detail["Priority"], detail["IntervalMinutes"], detail["MaxSnapNumber"]) == (
        "renamed", 3, 30, 5)


def test_update_task_moves_a_future_start_and_locks_the_target_from_1007(api, world):
    later = format_time(api.handle.app.now() + 3600)
    task_id = new_task(api, world, StartTime=later[:16])
    sooner = format_time(api.handle.app.now() + 600)
    api.ok(TASK, "UpdateTask", Id=task_id, StartTime=sooner, FlavorId=BUILTIN_BIG_FLAVOR)
    assert api.detail(task_id)["StartTime"] == sooner
    api.advance(600 + STEP)
    ok(api.call(TASK, "CompleteTask", Id=task_id))
    for _ in range(2):
        api.advance(STEP)
    assert api.detail(task_id)["ActionState"] == 1007
    failed(api.call(TASK, "UpdateTask", Id=task_id, SubnetId=BUILTIN_SUBNET_2), text="ActionState 1007")
    assert api.ok(TASK, "UpdateTask", Id=task_id, SubnetId=BUILTIN_SUBNET, Name="still-ok")["ID"] == task_id
    clash = failed(api.call(TASK, "UpdateTask", Id=task_id, TargetServerName="legacy-web"), code=1)
    assert clash["Data"]["Repeated"] == ["legacy-web"]


def test_list_tasks_pages_and_groups_vsphere_tasks(api, world):
    api.ok(HOSTS, "AddVSPlatform", Name="vc", TransId=world["source"], **VCENTER)
    vm_id = api.ok(HOSTS, "ListVSHosts")[0]["DataCenters"][0]["PhyHosts"][0]["VTs"][0]["Id"]
    new_task(api, world)
    new_task(api, world, Name="task-vm", HostId=vm_id, TargetServerName="vm-db01")
    data = api.ok(TASK, "ListTasks", PageLimit=20, PageNum=1)
    assert (data["TaskTotal"], data["TaskInProcess"], data["TaskDone"]) == (2, 2, 0)
    assert [t["Name"] for t in data["AgentTasks"]] == ["task-web01"]
    assert set(data["AgentTasks"][0]) == {"Name", "Id", "HostName", "HostAddr", "ProgressPrecent", "UpdatedTime",
                                          "CreateTime", "StartTime", "Status", "ActionState", "LastSync",
                                          "SnapTimes", "Offline", "Agent", "PredictDoneTime", "SnapshotSize",
                                          "TransferedSize"}
    (group,) = data["VSTasks"]
    assert group["Name"] == "vc" and [t["Name"] for t in group["Tasks"]] == ["task-vm"]
    second_page = api.ok(TASK, "ListTasks", PageLimit=1, PageNum=2)
    assert [t["Name"] for t in second_page["VSTasks"][0]["Tasks"]] == ["task-vm"]
    assert second_page["AgentTasks"] == [] and second_page["TaskTotal"] == 2
    assert api.ok(TASK, "ListTasks", SrcHost="web01")["TaskTotal"] == 1
    failed(api.call(TASK, "ListTasks", PageNum=0), text="PageNum must be a positive integer")


def test_get_task_detail_shows_progress_over_time(api, world):
    task_id = new_task(api, world)
    detail = api.detail(task_id)
    assert {"Id", "Name", "Priority", "Type", "Offline", "Agent", "CloudId", "CloudName", "CloudType",
            "IntervalMinutes", "StartTime", "SnapTimes", "MaxSnapNumber", "ProgressPrecent", "PredictDoneTime",
            "SnapshotSize", "TransferedSize", "LastSync", "Status", "ActionState", "IsCompressed", "QosBW",
            "SourceHost", "TargetHost", "SrcTransHost", "TransHost"} == set(detail)
    assert (detail["ActionState"], detail["SnapTimes"], detail["ProgressPrecent"]) == (1001, 1, "0%")
    assert detail["TransHost"] == {"Name": "trans-cloud", "MgntAddr": "127.0.0.2", "StorageId": "123423123",
                                   "StorageType": "ARSTOR"}
    assert detail["TargetHost"]["ServerName"] == "web01" and detail["TargetHost"]["Flavor"] == BUILTIN_FLAVOR
    assert [v["Path"] for v in detail["SourceHost"]["VolumeInfos"]] == ["/dev/vda", "/dev/vdb"]
    api.advance(2)
    mid = api.detail(task_id)
    assert mid["ProgressPrecent"] == "40%" and mid["PredictDoneTime"] == 3
    assert mid["SnapshotSize"] == 140 * 1024 ** 3  # the first copy is full
    assert mid["TransferedSize"] == pytest.approx(mid["SnapshotSize"] * 0.4, rel=1e-6)
    api.advance(3)
    assert (api.detail(task_id)["ActionState"], api.detail(task_id)["ProgressPrecent"]) == (1002, "100%")
    api.advance(600)
    assert api.detail(task_id)["SnapTimes"] == 2
    failed(api.call(TASK, "GetTaskDetail", Id="nope"), text="does not exist")


def test_complete_task_needs_the_first_full_copy_and_runs_to_completion(api, world):
    task_id = new_task(api, world)
    failed(api.call(TASK, "CompleteTask", Id=task_id), text="first full data copy has not finished")
    api.advance(STEP)
    assert api.ok(TASK, "CompleteTask", Id=task_id) is None
    failed(api.call(TASK, "CompleteTask", Id=task_id), text="already being completed")
    detail = api.detail(task_id)
    assert (detail["LastSync"], detail["SnapTimes"], detail["ActionState"]) == (2, 2, 1001)
    states = []
    for _ in range(4):
        api.advance(STEP)
        states.append(api.detail(task_id)["ActionState"])
    assert states == [1006, 1007, 1008, 1009]
    assert api.detail(task_id)["TargetHost"]["ServerID"]
    failed(api.call(TASK, "CompleteTask", Id=task_id), text="already completed")
    failed(api.call(TASK, "CreateInstance", Id=task_id), text="is not waiting for recovery (ActionState 1009)")


def test_continue_task_resumes_a_copy_that_failed_on_an_offline_host(mig, api, world):
    later = format_time(mig.app.now() + 120)
    task_id = new_task(api, world, StartTime=later)
    mig.app.set_agent_offline("127.0.0.11")
    api.advance(121)
    detail = api.detail(task_id)
    assert detail["ActionState"] == 1003 and "offline" in detail["Status"]
    failed(api.call(TASK, "ContinueTask", Id=task_id), text="still offline")
    mig.app.set_agent_offline("127.0.0.11", False)
    assert api.ok(TASK, "ContinueTask", Id=task_id) is None
    assert (api.detail(task_id)["ActionState"], api.detail(task_id)["SnapTimes"]) == (1001, 1)
    failed(api.call(TASK, "ContinueTask", Id=task_id), text="is not paused by an error")


def test_check_target_host_info_existing(api, world):
    new_task(api, world, NetInterfaces=[{"NetworkId": BUILTIN_NETWORK, "SubNets": [{"SubnetId": BUILTIN_SUBNET,
                                                                                     "Ip": "127.0.10.20"}]}])
    free = api.ok(TASK, "CheckTargetHostInfoExisting", CloudId=world["cloud"], TaskName="new", TargetServerName="n",
                  CloudVolumeNames=["n-data"], NetInterfaces=[])
    assert free == {"TaskNameExisted": "", "ServerNameExisted": "", "VolumeNameExisted": [], "IpExisted": []}
    taken = failed(api.call(TASK, "CheckTargetHostInfoExisting", CloudId=world["cloud"], TaskName="task-web01",
                            TargetServerName="web01", CloudVolumeNames=["legacy-web-data", "free"],
                            NetInterfaces=[{"NetworkId": BUILTIN_NETWORK,
                                            "SubNets": [{"SubnetId": BUILTIN_SUBNET, "Ip": "127.0.10.5"},
                                                        {"SubnetId": BUILTIN_SUBNET, "Ip": "127.0.10.20"},
                                                        {"SubnetId": BUILTIN_SUBNET, "Ip": "127.0.10.21"}]}]),
                   code=1)["Data"]
    assert taken == {"TaskNameExisted": "task-web01", "ServerNameExisted": "web01",
                     "VolumeNameExisted": ["legacy-web-data"],
                     "IpExisted": [{"NetworkId": BUILTIN_NETWORK, "Ips": ["127.0.10.5", "127.0.10.20"]}]}


def test_display_task_history(api, world):
    task_id = new_task(api, world)
    api.advance(STEP)
    history = api.ok(TASK, "DisplayTaskHistory", Id=task_id)
    assert [h["Number"] for h in history] == [1000, 1001, 1002]
    assert set(history[0]) == {"Number", "Msg", "Timestamp"}
    assert history[-1]["Msg"] == "Snapshot 1 created."


def test_list_snapshots_keeps_the_newest_max_snap_num(api, world):
    task_id = new_task(api, world)  # MaxSnapsNum 2, every 10 minutes
    assert api.ok(TASK, "ListSnapshots", Id=task_id) == []
    for _ in range(3):
        api.advance(600)
    snapshots = api.ok(TASK, "ListSnapshots", Id=task_id)
    assert len(snapshots) == 2 and api.detail(task_id)["SnapTimes"] == 4
    assert snapshots == sorted(snapshots, key=lambda s: s["TimeStamp"]) and set(snapshots[0]) == {"TimeStamp"}


def test_list_volume_types_and_storages(api, world):
    assert api.ok(TASK, "ListVolumeTypes", Id=world["cloud"], StorageId="") == [{"Name": "Capacity", "ID": "1234"},
                                                                                 {"Name": "Performance", "ID": "5678"}]
    assert api.ok(TASK, "ListStorages", Id=world["cloud"], StorageId="123423123") == [
        {"Name": "arstor", "ID": "123423123", "Type": "ARSTOR"}]
    assert len(api.ok(TASK, "ListStorages", Id=world["cloud"])) == 2
    failed(api.call(TASK, "ListStorages", Id="nope"), text="does not exist")


def test_list_flavors_networks_security_groups(api, world):
    flavors = api.ok(TASK, "ListFlavors", Id=world["cloud"])["Flavors"]
    assert flavors[0] == {"Name": "2核4G_SERIES_STANDARD", "Ram": 4096, "vCPU": 2, "ID": BUILTIN_FLAVOR, "Disk": 20}
    networks = api.ok(TASK, "ListNetworks", Id=world["cloud"])["Networks"]
    assert networks[0]["Id"] == BUILTIN_NETWORK and [s["Id"] for s in networks[0]["Subnets"]] == [
        BUILTIN_SUBNET, BUILTIN_SUBNET_2]
    assert api.ok(TASK, "ListSecurityGroups", Id=world["cloud"]) == {
        "SecurityGroup": [{"Name": "default", "ID": BUILTIN_SECURITY_GROUP}]}


def test_list_quota_shrinks_when_an_instance_is_created(api, world):
    assert api.ok(TASK, "ListQuota", Id=world["cloud"]) == {"CPU": 32, "Memory": 64, "Disk": 2000}
    task_id = new_task(api, world)
    run_to_completion(api, task_id)
    assert api.ok(TASK, "ListQuota", Id=world["cloud"]) == {"CPU": 30, "Memory": 60, "Disk": 2000 - 140}


def test_create_instance_retries_a_recovery_that_exceeded_the_quota(api, world):
    task_id = new_task(api, world, FlavorId=BUILTIN_BIG_FLAVOR)
    failed(api.call(TASK, "CreateInstance", Id=task_id), text="is not waiting for recovery")
    detail = run_to_completion(api, task_id)
    assert detail["ActionState"] == 1003 and "quota exceeded" in detail["Status"]
    failed(api.call(TASK, "GetInstance", Id=task_id), text="no cloud instance yet")
    failed(api.call(TASK, "UpdateTask", Id=task_id, FlavorId=BUILTIN_FLAVOR), text="cannot be changed")
    data = api.ok(TASK, "CreateInstance", Id=task_id, FlavorId=BUILTIN_FLAVOR, NetworkId=BUILTIN_NETWORK,
                  SubnetId=BUILTIN_SUBNET, TargetServerName="web01-cloud")
    assert data == {"ID": task_id, "Repeated": []}
    assert api.detail(task_id)["ActionState"] == 1008
    api.advance(STEP)
    assert api.detail(task_id)["ActionState"] == 1009
    assert api.ok(TASK, "GetInstance", Id=task_id)["Name"] == "web01-cloud"


def test_get_instance_names_the_created_server(api, world):
    task_id = new_task(api, world, TargetServerName="web01-migrated")
    run_to_completion(api, task_id)
    instance = api.ok(TASK, "GetInstance", Id=task_id)
    assert set(instance) == {"ID", "Name"} and instance["Name"] == "web01-migrated"
    assert api.detail(task_id)["TargetHost"]["ServerID"] == instance["ID"]
    # the host is free again once its task completed
    assert [h["Name"] for h in api.ok(HOSTS, "ListHosts", TaskFree=True)["AgentHosts"]] == ["web01"]


# --- control API and persistence ---------------------------------------------------------------------
def test_state_survives_export_and_import(mig, api, world):
    task_id = new_task(api, world)
    exported = requests.get(f"{mig.url}/_emulator/state", timeout=5).json()
    assert task_id in exported["tasks"]
    with emulators.start("migration", port=0) as other:
        other.app.import_state(exported)
        other_api = Api(other)
        assert other_api.detail(task_id)["Name"] == "task-web01"
    assert requests.post(f"{mig.url}/_emulator/reset", timeout=5).status_code == 200
    assert mig.state()["tasks"] == {} and mig.state()["tasks"] == {}
    assert BUILTIN_LINUX_HOST in mig.state()["packer_agents"]
