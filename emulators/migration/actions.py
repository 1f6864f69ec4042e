"""The actions of the five action URLs: for each URL, Action name -> what it does.

Each action is a function of the state and the request body that returns the envelope's Data. The
table is built once, at import, from the state's methods themselves (`MigrationState.delete_task`,
...) with the body values each one takes; no method is looked up by name, and a new state after a
reset is simply the first argument of the next call.
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlsplit

from .state import CLOUD_TYPES, MigrationFailure, MigrationState, decode_secret, filtered

Body = dict[str, Any]
#: What an action does: read the body, change or read the state, return the envelope's Data.
Action = Callable[[MigrationState, Body], Any]


# --- how a state method becomes an action --------------------------------------------------------------
def fields(method: Callable[..., Any], *keys: str) -> Action:
    """The action calling `method(state, value, ...)` with the body's value of each key (None when absent)."""

    def action(state: MigrationState, body: Body) -> Any:
        return method(state, *(body.get(key) for key in keys))

    return action


def created(method: Action, repeated: bool = False) -> Action:
    """The action answering `{"ID": <what method returns>}`, plus `"Repeated": []` for the task calls."""

    def action(state: MigrationState, body: Body) -> Body:
        data: Body = {"ID": method(state, body)}
        if repeated:
            data["Repeated"] = []
        return data

    return action


def no_data(method: Action) -> Action:
    """The action answering Data null: it only checks or refreshes something."""

    def action(state: MigrationState, body: Body) -> None:
        method(state, body)

    return action


# --- actions with more than one step -------------------------------------------------------------------
def management_endpoint(state: MigrationState, body: Body) -> dict[str, Any]:
    """The cloud that ListProject / ListEnvironment / ListZone reach through APIMgntURL and AK/SK."""
    url = body.get("APIMgntURL")
    if not isinstance(url, str) or not url:
        raise MigrationFailure("APIMgntURL is required.")
    host = urlsplit(url if "//" in url else f"http://{url}").hostname
    secret = decode_secret(body.get("SecretKey"), body.get("IsEncrypted", body.get("isEncrypted")))
    return state.endpoint_at(host, body.get("AccessKey"), secret)


def list_projects(state: MigrationState, body: Body) -> list[dict[str, Any]]:
    """ListProject: the projects of the cloud behind APIMgntURL."""
    return named(management_endpoint(state, body)["projects"])


def list_environments(state: MigrationState, body: Body) -> list[dict[str, Any]]:
    """ListEnvironment: that cloud's environments, of one HypervisorType when given."""
    return named(filtered(management_endpoint(state, body)["environments"], HypervisorType=body.get("HypervisorType")))


def list_zones(state: MigrationState, body: Body) -> list[dict[str, Any]]:
    """ListZone: that cloud's zones, of one EnvironmentId when given."""
    return named(filtered(management_endpoint(state, body)["zones"], EnvironmentId=body.get("EnvironmentId")))


def list_regions(state: MigrationState, body: Body) -> list[dict[str, Any]]:
    """ListRegion: the regions of the cloud that knows the AccessKey/SecretKey pair."""
    secret = decode_secret(body.get("SecretKey"), body.get("isEncrypted", body.get("IsEncrypted")))
    return named(state.endpoint_by_credentials(body.get("AccessKey"), secret)["regions"])


def list_hosts(state: MigrationState, body: Body) -> dict[str, Any]:
    """ListHosts, filtered by exact Name and MgntAddr, and to hosts free to migrate with TaskFree."""
    return state.list_hosts(body.get("Name"), body.get("MgntAddr"), flag(body, "TaskFree"))


def get_packer_host(state: MigrationState, body: Body) -> dict[str, Any]:
    """GetPackerHost: one source host in full."""
    return state.host_view(state.host(body.get("Id")))


def add_platform(state: MigrationState, body: Body) -> dict[str, int]:
    """AddVSPlatform: how many VMs were added as agentless hosts."""
    return {"Count": state.add_platform(body)}


def list_vs_hosts(state: MigrationState, body: Body) -> list[dict[str, Any]]:
    """ListVSHosts: every vSphere platform's inventory tree."""
    return [state.platform_tree(platform) for platform in state.platforms.values()]


def list_tasks(state: MigrationState, body: Body) -> dict[str, Any]:
    """ListTasks: one page (PageLimit and PageNum positive integers) filtered by Name and SrcHost."""
    limit = body.get("PageLimit", 20)
    page = body.get("PageNum", 1)
    for key, value in (("PageLimit", limit), ("PageNum", page)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MigrationFailure(f"{key} must be a positive integer.")
    return state.list_tasks(body.get("Name"), body.get("SrcHost"), limit, page)


def check_target(state: MigrationState, body: Body) -> dict[str, Any]:
    """CheckTargetHostInfoExisting: Code 1 with the clashes in Data when anything is taken, else Code 0."""
    data = state.check_target(body)
    if data["TaskNameExisted"] or data["ServerNameExisted"] or data["VolumeNameExisted"] or data["IpExisted"]:
        raise MigrationFailure("Target host information already exists.", code=1, data=data)
    return data


def list_volume_types(state: MigrationState, body: Body) -> list[dict[str, Any]]:
    """ListVolumeTypes of the cloud of connection Id."""
    return named(state.cloud_endpoint(body.get("Id"))["volume_types"])


def list_storages(state: MigrationState, body: Body) -> list[dict[str, Any]]:
    """ListStorages of the cloud of connection Id, one StorageId when given."""
    rows = filtered(state.cloud_endpoint(body.get("Id"))["storages"], ID=body.get("StorageId"))
    return [{key: row.get(key, "") for key in ("Name", "ID", "Type")} for row in rows]


def list_flavors(state: MigrationState, body: Body) -> dict[str, Any]:
    """ListFlavors of the cloud of connection Id."""
    return {"Flavors": [{key: flavor.get(key) for key in ("Name", "Ram", "vCPU", "ID", "Disk")}
                        for flavor in state.cloud_endpoint(body.get("Id"))["flavors"]]}


def list_networks(state: MigrationState, body: Body) -> dict[str, Any]:
    """ListNetworks of the cloud of connection Id, each with its subnets."""
    return {"Networks": [{"Subnets": [{"Cidr": sub.get("Cidr", ""), "Id": sub["Id"]} for sub in net.get("Subnets", [])],
                          "Name": net.get("Name", ""), "Id": net["Id"]}
                         for net in state.cloud_endpoint(body.get("Id"))["networks"]]}


def list_security_groups(state: MigrationState, body: Body) -> dict[str, Any]:
    """ListSecurityGroups of the cloud of connection Id."""
    return {"SecurityGroup": named(state.cloud_endpoint(body.get("Id"))["security_groups"])}


def list_cloud_types(state: MigrationState, body: Body) -> list[str]:
    """ListCloudType: the cloud types the platform migrates to."""
    return list(CLOUD_TYPES)


# --- the table -------------------------------------------------------------------------------------------
ACTIONS_BY_URL: dict[str, dict[str, Action]] = {
    "/MgntSetting": {
        "ChangePassword": fields(MigrationState.change_password, "UserName", "Password", "NewPassword"),
        "UpdateLicense": fields(MigrationState.update_license, "ActivationKey"),
        "DeleteLicense": fields(MigrationState.delete_license),
        "GetLicense": fields(MigrationState.get_license),
    },
    "/MgmtCloudConnection": {
        "ListCloudType": list_cloud_types,
        "AddCloudConnection": created(MigrationState.add_cloud),
        "DeleteCloudConnection": no_data(fields(MigrationState.delete_cloud, "Id")),
        "UpdateCloudConnection": MigrationState.update_cloud,
        "ListCloudConnection": fields(MigrationState.list_clouds, "Name"),
        "VerifyCloudConnection": MigrationState.verify_cloud,
        "ListProject": list_projects,
        "ListEnvironment": list_environments,
        "ListZone": list_zones,
        "ListRegion": list_regions,
    },
    "/MgmtTransportConnection": {
        "AddTransportServer": created(MigrationState.add_transport),
        "VerifyTransportConnection": no_data(fields(MigrationState.transport_agent, "MgntAddr")),
        "DeleteTransportServer": fields(MigrationState.delete_transport, "Id"),
        "RefreshTransportServer": fields(MigrationState.refresh_transport, "Id"),
        "UpdateTransportServer": fields(MigrationState.update_transport, "Id", "Name"),
        "ListTransportServer": fields(MigrationState.list_transports, "Ip", "Name", "ServType"),
    },
    "/portal/MgmtHostConnection": {
        "AddPackerHost": created(MigrationState.add_packer_host),
        "DeletePackerHost": fields(MigrationState.delete_packer_host, "Id"),
        "RefreshPackerHost": fields(MigrationState.refresh_packer_host, "Id"),
        "VerifyPackerConnection": fields(MigrationState.verify_packer, "HostId", "TransAddr"),
        "UpdatePackerHost": MigrationState.update_packer_host,
        "ListHosts": list_hosts,
        "GetPackerHost": get_packer_host,
        "AddVSPlatform": add_platform,
        "DeleteVSPlatform": fields(MigrationState.delete_platform, "ID"),
        "RefreshVSPlatform": no_data(fields(MigrationState.refresh_platform, "ID")),
        "UpdateVSPlatform": MigrationState.update_platform,
        "ListVSHosts": list_vs_hosts,
        "VerifyVSPlatformConnection": fields(MigrationState.verify_platform, "VSPlatformID", "TransAddr"),
    },
    "/MgmtTask": {
        "PrepareTaskWorkload": created(MigrationState.prepare_task, repeated=True),
        "DeleteTask": fields(MigrationState.delete_task, "Id"),
        "UpdateTask": created(MigrationState.update_task, repeated=True),
        "ListTasks": list_tasks,
        "GetTaskDetail": fields(MigrationState.task_detail, "Id"),
        "CompleteTask": fields(MigrationState.complete_task, "Id"),
        "ContinueTask": fields(MigrationState.continue_task, "Id"),
        "CheckTargetHostInfoExisting": check_target,
        "DisplayTaskHistory": fields(MigrationState.history, "Id"),
        "ListSnapshots": fields(MigrationState.snapshots, "Id"),
        "ListVolumeTypes": list_volume_types,
        "ListStorages": list_storages,
        "ListFlavors": list_flavors,
        "ListNetworks": list_networks,
        "ListSecurityGroups": list_security_groups,
        "ListQuota": fields(MigrationState.quota, "Id"),
        "CreateInstance": created(MigrationState.create_instance, repeated=True),
        "GetInstance": fields(MigrationState.instance, "Id"),
    },
}

#: The success messages the document shows; other actions answer "<Action> Success.".
MESSAGES = {"ListCloudConnection": "Get All Cloud Connection Success.", "ListProject": "Get All Project Success.",
            "ListEnvironment": "Get All Environments Success.", "ListZone": "Get All Zone Success.",
            "ListRegion": "Get All Region Success.", "GetTaskDetail": "Get Task Details Success.",
            "ListSnapshots": "Get Task Snapshots Success.", "ListQuota": "信息获取成功"}


# --- body values -------------------------------------------------------------------------------------------
def flag(body: Body, key: str) -> bool:
    """A true/false field of the body, False when absent."""
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise MigrationFailure(f"{key} must be true or false.")
    return value


def named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the catalogue calls answer them: Name and ID."""
    return [{"Name": row.get("Name", ""), "ID": row.get("ID", "")} for row in rows]
