"""The migration platform's 54 documented actions, each with a valid request (migration-transport-api.txt).

Every call is a POST of a JSON body; all but the three session URLs name their `Action`, which the
mutations leave alone. A refusal is the envelope `{"Code", "Msg", "Data"}` whose Code is neither 0 nor
true; its Msg names the field.
"""

from __future__ import annotations

from typing import Any

import requests

from tests.contract.bad_input import Operation

PLATFORM = "migration"
DOCUMENTED_OPERATIONS = 54

SETTING, CLOUD, TRANSPORT, HOST, TASK = ("/MgntSetting", "/MgmtCloudConnection", "/MgmtTransportConnection",
                                         "/portal/MgmtHostConnection", "/MgmtTask")
FLAVOR = "7f3e2d1c-0b9a-4876-9543-210fedcba987"
NETWORK = "3a90ae79-9b69-4b79-b7b9-5ad5f105bfd5"
SUBNET = "2d6e3002-410e-4dd2-98cd-04c7f310a4d0"
SECURITY_GROUP = "6b1c2d3e-4f50-4a61-8b72-9c0d1e2f3a4b"
CLOUD_FIELDS = {"ProjectName": "admin", "CloudUser": "admin", "CloudPass": "password", "IdentityPort": 5000,
                "CloudAddr": "127.0.0.1", "EnvironmentId": "1", "ZoneId": "zone-a", "ZoneName": "zone-a",
                "RegionId": "cn-suzhou1", "RegionName": "suzhou"}
MANAGEMENT_API = {"APIMgntURL": "http://127.0.0.1/api", "AccessKey": "admin", "SecretKey": "password",
                  "IsEncrypted": "False"}
NET_INTERFACES = [{"NetworkId": NETWORK, "SecurityGroupId": SECURITY_GROUP, "Mac": "00:50:56:aa:bb:01",
                   "SubNets": [{"SubnetId": SUBNET, "Ip": "127.0.10.20"}]}]
TARGET = {"FlavorId": FLAVOR, "NetworkId": NETWORK, "SubnetId": SUBNET, "RouteId": "route-1",
          "SecurityGroupId": SECURITY_GROUP, "AggregateId": "aggregate-1", "CPU": 2, "Sockets": 1, "Memory": 4,
          "TargetServerName": "web-02-cloud", "NetInterfaces": NET_INTERFACES}


def action(url: str, name: str, **body: Any) -> Operation:
    """One action: POST `{"Action": name, **body}` to `url`."""
    return Operation(name, "POST", url, {"Action": name, **body}, fixed=("Action",))


OPERATIONS = [
    Operation("Login", "POST", "/Login", {"UserName": "admin", "Password": "password"}),
    Operation("ReAuth", "POST", "/ReAuth"),
    Operation("Logout", "POST", "/Logout"),
    # /MgntSetting
    action(SETTING, "ChangePassword", UserName="admin", Password="password", NewPassword="n3w-passw0rd"),
    action(SETTING, "UpdateLicense", ActivationKey="CONVERGE-TEST-KEY-0001"),
    action(SETTING, "DeleteLicense"),
    action(SETTING, "GetLicense"),
    # /MgmtCloudConnection
    action(CLOUD, "ListCloudType"),
    action(CLOUD, "AddCloudConnection", CloudName="staging", CloudType="Openstack", OwnerId="owner-1",
           **CLOUD_FIELDS),
    action(CLOUD, "DeleteCloudConnection", Id="{cloud_id}"),
    action(CLOUD, "UpdateCloudConnection", Id="{cloud_id}", Name="prod-2", **CLOUD_FIELDS),
    action(CLOUD, "ListCloudConnection", Name="prod"),
    action(CLOUD, "VerifyCloudConnection", CloudType="Openstack", ProjectName="admin", CloudUser="admin",
           CloudPass="password", IdentityProtocal="http", CloudAddr="127.0.0.1", IdentityPort=5000,
           ownerId="owner-1", EnvironmentId="1", zoneId="zone-a", RegionId="cn-suzhou1"),
    action(CLOUD, "ListProject", **MANAGEMENT_API),
    action(CLOUD, "ListEnvironment", HypervisorType="KVM", **MANAGEMENT_API),
    action(CLOUD, "ListZone", EnvironmentId="1", OwnerId="owner-1", **MANAGEMENT_API),
    action(CLOUD, "ListRegion", AccessKey="admin", SecretKey="password", isEncrypted="False"),
    # /MgmtTransportConnection
    action(TRANSPORT, "AddTransportServer", ServType="On-Premises", Name="relay-2", CloudId="{cloud_id}",
           MgntAddr="127.0.0.4"),
    action(TRANSPORT, "VerifyTransportConnection", MgntAddr="127.0.0.2"),
    action(TRANSPORT, "DeleteTransportServer", Id="{onprem_id}"),
    action(TRANSPORT, "RefreshTransportServer", Id="{trans_id}"),
    action(TRANSPORT, "UpdateTransportServer", Id="{trans_id}", Name="edge-2"),
    action(TRANSPORT, "ListTransportServer", Ip="127.0.0.2", Name="edge", ServType="cloud"),
    # /portal/MgmtHostConnection: Packer hosts
    action(HOST, "AddPackerHost", Name="win-01", TransId="{trans_id}", MgntAddr="127.0.0.12"),
    action(HOST, "DeletePackerHost", Id="{host_id}"),
    action(HOST, "RefreshPackerHost", Id="{host_id}"),
    action(HOST, "VerifyPackerConnection", HostId="{host_id}", TransAddr="127.0.0.2"),
    action(HOST, "UpdatePackerHost", TransId="{trans_id}", Id="{host_id}", Name="web-01b"),
    action(HOST, "ListHosts", Name="web-01", MgntAddr="127.0.0.11", TaskFree=False),
    action(HOST, "GetPackerHost", Id="{host_id}"),
    # /portal/MgmtHostConnection: vSphere platforms
    action(HOST, "AddVSPlatform", Name="vc-2", Ip="127.0.0.21", UserName="administrator@vsphere.local",
           Passwd="password", TransId="{trans_id}"),
    action(HOST, "DeleteVSPlatform", ID="{platform_id}"),
    action(HOST, "RefreshVSPlatform", ID="{platform_id}"),
    action(HOST, "UpdateVSPlatform", ID="{platform_id}", Name="vc-3", UserName="administrator@vsphere.local",
           Passwd="password", TransId="{trans_id}"),
    action(HOST, "ListVSHosts"),
    action(HOST, "VerifyVSPlatformConnection", VSPlatformID="{platform_id}", TransAddr="127.0.0.2"),
    # /MgmtTask
    action(TASK, "PrepareTaskWorkload", Name="mig-win", Priority=1, HostId="{free_host_id}", CloudId="{cloud_id}",
           SrcTransId="{onprem_id}", TargetTransId="{trans_id}", StorageId="123423123", IntervalMinutes=60,
           MaxSnapsNum=2, StartTime="2030-01-01 00:00", IsCompressed=False, QosLimit=0, BandWidth=10,
           VolumeInfos=[{"VolumeName": "C:", "VolumeType": "Capacity", "VolumeSize": "60",
                         "CloudVolumeName": "win-01-c", "PreAlloc": False}],
           **{key: value for key, value in TARGET.items() if key != "AggregateId"}),
    action(TASK, "DeleteTask", Id="{task_id}"),
    action(TASK, "UpdateTask", Id="{task_id}", Name="mig-web-2", IntervalMinutes=30, MaxSnapNum=3,
           StartTime="2030-01-02 00:00:00", Priority=2, BandWidth=10, **TARGET),
    action(TASK, "ListTasks", Name="mig-web", SrcHost="web-01", PageLimit=20, PageNum=1),
    action(TASK, "GetTaskDetail", Id="{task_id}"),
    action(TASK, "CompleteTask", Id="{task_id}"),
    action(TASK, "ContinueTask", Id="{task_id}"),
    action(TASK, "CheckTargetHostInfoExisting", CloudId="{cloud_id}", TaskName="mig-new", TargetServerName="new-vm",
           CloudVolumeNames=["new-vm-data"], NetInterfaces=NET_INTERFACES),
    action(TASK, "DisplayTaskHistory", Id="{task_id}"),
    action(TASK, "ListSnapshots", Id="{task_id}"),
    action(TASK, "ListVolumeTypes", Id="{cloud_id}", StorageId="123423123"),
    action(TASK, "ListStorages", Id="{cloud_id}", StorageId="123423123"),
    action(TASK, "ListFlavors", Id="{cloud_id}"),
    action(TASK, "ListNetworks", Id="{cloud_id}"),
    action(TASK, "ListSecurityGroups", Id="{cloud_id}"),
    action(TASK, "ListQuota", Id="{cloud_id}"),
    action(TASK, "CreateInstance", Id="{task_id}", Bandwidth=10, **TARGET),
    action(TASK, "GetInstance", Id="{task_id}"),
]


def connect(handle) -> requests.Session:
    """A session logged in as the emulator's account, its token in the Authorization header."""
    session = requests.Session()
    session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
    answer = session.post(handle.url + "/Login", json={"UserName": "admin", "Password": "password"}, timeout=30)
    session.headers["Authorization"] = answer.json()["Data"]["Token"]
    return session


def _call(session: requests.Session, url: str, path: str, name: str, **body: Any) -> Any:
    """One action that must succeed; its Data."""
    answer = session.post(url + path, json={"Action": name, **body}, timeout=30).json()
    assert answer["Code"] in (0, True), answer
    return answer["Data"]


def prepare(session: requests.Session, url: str) -> dict[str, str]:
    """A cloud, a Cloud and an On-Premises Transport, a Packer host in a task, a vSphere platform."""
    cloud_id = _call(session, url, CLOUD, "AddCloudConnection", CloudName="prod", CloudType="Openstack",
                     **CLOUD_FIELDS)["ID"]
    trans_id = _call(session, url, TRANSPORT, "AddTransportServer", ServType="Cloud", Name="edge",
                     CloudId=cloud_id, MgntAddr="127.0.0.2")["ID"]
    onprem_id = _call(session, url, TRANSPORT, "AddTransportServer", ServType="On-Premises", Name="relay",
                      MgntAddr="127.0.0.3")["ID"]
    host_id = _call(session, url, HOST, "AddPackerHost", Name="web-01", TransId=trans_id, MgntAddr="127.0.0.11")["ID"]
    free_host_id = _call(session, url, HOST, "AddPackerHost", Name="win-01", TransId=trans_id,
                         MgntAddr="127.0.0.12")["ID"]
    _call(session, url, HOST, "AddVSPlatform", Name="vc", Ip="127.0.0.21", UserName="administrator@vsphere.local",
          Passwd="password", TransId=trans_id)
    platform_id = _call(session, url, HOST, "ListHosts", Name="vc")["VSPlatforms"][0]["ID"]
    task_id = _call(session, url, TASK, "PrepareTaskWorkload", Name="mig-web", HostId=host_id, CloudId=cloud_id,
                    TargetTransId=trans_id, FlavorId=FLAVOR, NetworkId=NETWORK, SubnetId=SUBNET,
                    TargetServerName="web-01-cloud")["ID"]
    return {"cloud_id": cloud_id, "trans_id": trans_id, "onprem_id": onprem_id, "host_id": host_id,
            "free_host_id": free_host_id, "platform_id": platform_id, "task_id": task_id}


def refusal(response: requests.Response) -> str | None:
    """The Msg of an envelope whose Code is a failure (neither 0 nor true), else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or "Code" not in body:
        return None
    code = body["Code"]
    if code is True or (code == 0 and not isinstance(code, bool)):
        return None
    message = body.get("Msg")
    return message if isinstance(message, str) else ""
