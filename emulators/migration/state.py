"""The migration platform's model and the rules `migration-transport-api.txt` states.

Plain data (dicts of JSON-able records) plus the rules of the 54 actions. What the API reads but
cannot create comes from fixtures, merged over a small built-in set: the clouds the platform can
reach (`cloud_endpoints`, with their projects, flavors, networks, ...), the Transport agents
(`transport_agents`), the Packer agents installed on source hosts (`packer_agents`) and the
vSphere platforms with their VMs (`vsphere_endpoints`). Failures raise `MigrationFailure`; the
HTTP layer puts its Code, Msg and Data in the envelope. The readings taken where the document is
unclear are in `/work/shared/api-docs/README.md` and are cited where they are relied on.

Tasks progress over emulated time (`tick`): ActionState 1000 until the start time, then one copy
per interval (1001 while it runs, 1002 after it; `SnapTimes` counts the copies started, 1 being the
first full copy), and after `CompleteTask` a final sync (`LastSync` 1, then 2), v2v (1006), waiting
for recovery (1007), recovery (1008) and completion (1009). Each step lasts `task_seconds`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import math
import re
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from ..common.model import PersistentModel, merge_records

STATE_FORMAT = 1
OK = 0
#: Generic failure Code: the document only says "true|false"; 1 and 2 are taken by the name clashes.
FAILED = -1
SERVER_NAME_CLASH = 1
VOLUME_NAME_CLASH = 2

CLOUD_TYPES = ("Huayun", "Openstack", "CloudUltra 4", "ArcherOS 2020")
ON_PREMISES = "On-Premises"
CLOUD = "Cloud"
SERV_TYPES = {"on-premises": ON_PREMISES, "cloud": CLOUD}

# ActionState, the first enum of the document (README: "1007 (waiting for recovery)").
TASK_CREATED = 1000
TASK_COPYING = 1001
TASK_SNAPSHOTTED = 1002
TASK_ERROR = 1003
TASK_STOPPED = 1004  # "when delete task": a deleted task is gone, so the emulator never shows it
TASK_SUCCESS = 1005
TASK_V2V = 1006
TASK_WAIT_RECOVERY = 1007
TASK_IN_RECOVERY = 1008
TASK_COMPLETED = 1009

#: UpdateTask fields locked within 60 s of the start time (the document's MaxSnapNum is stored as MaxSnapNum).
SCHEDULE_FIELDS = ("IntervalMinutes", "StartTime", "MaxSnapNum")
#: UpdateTask fields locked once recovery was reached ("(ActionState=1007)不允许修改FlavorId、NetworkId...").
TARGET_FIELDS = ("FlavorId", "NetworkId", "SubnetId", "SecurityGroupId", "CPU", "Sockets", "Memory", "NetInterfaces")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
LICENSE_NAMESPACE = "migration-license:"
INCREMENTAL_SHARE = 0.1
GIB = 1024 ** 3
MAX_HISTORY = 1000

_CLOUD_NAME = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]{2,20}$")
_ACTIVATION_KEY = re.compile(r"^[A-Za-z0-9-]{16,64}$")


class MigrationFailure(Exception):
    """An action the platform refuses: its Code, its Msg and the Data it still returns."""

    def __init__(self, msg: str, code: int = FAILED, data: Any = None):
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.data = data


class AuthFailure(Exception):
    """A missing, unknown or expired token (answered with HTTP 401)."""


@dataclass(frozen=True)
class Settings:
    """What the emulator's options decide about the model."""

    token_seconds: float = 1800.0
    task_seconds: float = 5.0


def format_time(epoch: float) -> str:
    """The document's "YYYY-MM-DD HH:MM:SS" (UTC, see the readings)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(TIME_FORMAT)


def format_rfc3339(epoch: float) -> str:
    """License ExpireTime: RFC 3339 with the UTC offset."""
    return datetime.fromtimestamp(int(epoch), timezone.utc).isoformat()


def parse_time(text: Any, key: str) -> float:
    """'yyyy-mm-dd hh:mm' (PrepareTaskWorkload) or 'yyyy-mm-dd hh:mm:ss' (UpdateTask), UTC."""
    if not isinstance(text, str):
        raise MigrationFailure(f"{key} must be a string 'yyyy-mm-dd hh:mm:ss'.")
    for pattern in (TIME_FORMAT, "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    raise MigrationFailure(f"{key} {text!r} is not a time 'yyyy-mm-dd hh:mm:ss'.")


def check_new_password(password: Any) -> str:
    """6-20 characters with at least two of: letters, digits, other symbols."""
    if not isinstance(password, str) or not 6 <= len(password) <= 20:
        raise MigrationFailure("NewPassword must be 6-20 characters.")
    kinds = [any(c.isalpha() for c in password), any(c.isdigit() for c in password),
             any(not c.isalnum() for c in password)]
    if sum(kinds) < 2:
        raise MigrationFailure("NewPassword must contain at least two of: letters, digits, symbols.")
    return password


def license_id(key: str) -> str:
    """The same key always installs the license with the same Id (see the readings)."""
    return str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, LICENSE_NAMESPACE + key))


class MigrationState(PersistentModel):
    """Account, tokens, license, cloud connections, Transports, source hosts, vSphere platforms, tasks."""

    platform = "migration"
    persisted = ("account", "tokens", "license", "spent_credits", "activation_keys", "endpoints", "transport_agents",
                 "packer_agents", "vsphere_endpoints", "clouds", "transports", "hosts", "platforms", "tasks")
    state_format = STATE_FORMAT

    def __init__(self, settings: Settings, now: Callable[[], float], new_uuid: Callable[[], str]):
        self.settings = settings
        self.now = now
        self.new_uuid = new_uuid
        self.account: dict[str, Any] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.license: dict[str, Any] | None = None
        self.spent_credits = 0
        self.activation_keys: dict[str, dict[str, Any]] = {}
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.transport_agents: dict[str, dict[str, Any]] = {}
        self.packer_agents: dict[str, dict[str, Any]] = {}
        self.vsphere_endpoints: dict[str, dict[str, Any]] = {}
        self.clouds: dict[str, dict[str, Any]] = {}
        self.transports: dict[str, dict[str, Any]] = {}
        self.hosts: dict[str, dict[str, Any]] = {}
        self.platforms: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}

    # --- built-ins, fixtures ---------------------------------------------------------------------
    def load(self, fixtures: Mapping[str, Any], username: str, password: str) -> None:
        """Replace everything with the built-in objects, overridden or extended by fixtures."""
        self.account = {"UserName": username, "Password": password, "Changed": False}
        self.tokens, self.clouds, self.transports, self.hosts, self.platforms, self.tasks = {}, {}, {}, {}, {}, {}
        self.endpoints = merge_records("migration", builtin_endpoints(), fixtures.get("cloud_endpoints"),
                                       "cloud_endpoints", endpoint_record)
        self.transport_agents = merge_records("migration", builtin_transport_agents(), fixtures.get("transport_agents"),
                                              "transport_agents", transport_agent_record)
        self.packer_agents = merge_records("migration", builtin_packer_agents(), fixtures.get("packer_agents"),
                                           "packer_agents", packer_agent_record)
        self.vsphere_endpoints = merge_records("migration", builtin_vsphere_endpoints(),
                                               fixtures.get("vsphere_endpoints"), "vsphere_endpoints", vsphere_record)
        self.activation_keys = {str(k): dict(v or {}) for k, v in (fixtures.get("activation_keys") or {}).items()}
        self.license = self._initial_license(fixtures)
        self.spent_credits = 0

    def _initial_license(self, fixtures: Mapping[str, Any]) -> dict[str, Any] | None:
        if "license" in fixtures and fixtures["license"] is None:
            return None
        given = fixtures.get("license") or {}
        return {"Id": str(given.get("id", license_id("built-in"))), "Credits": int(given.get("credits", 100)),
                "ExpireAt": self.now() + float(given.get("days", 365)) * 86400}

    # --- tokens and the account ------------------------------------------------------------------
    def login(self, username: Any, password: Any) -> dict[str, Any]:
        """A new token, or a failure for wrong credentials."""
        if username != self.account["UserName"] or password != self.account["Password"]:
            raise MigrationFailure("UserName or Password is wrong.")
        return {"Token": self._new_token(), "IsFirstLogin": not self.account["Changed"]}

    def _new_token(self) -> str:
        self._drop_expired_tokens()
        token = uuid_module.UUID(self.new_uuid()).hex
        self.tokens[token] = {"UserName": self.account["UserName"],
                              "ExpiresAt": self.now() + self.settings.token_seconds}
        return token

    def check_token(self, token: str | None) -> None:
        """Raise AuthFailure unless the token exists and has not expired."""
        record = self.tokens.get(token or "")
        if record is None or self.now() >= record["ExpiresAt"]:
            self.tokens.pop(token or "", None)
            raise AuthFailure("Token is invalid or expired, please login again.")

    def reauth(self, token: str) -> dict[str, Any]:
        """A new token with a fresh lifetime; the old one stays valid until it expires (see the readings)."""
        self.check_token(token)
        return {"Token": self._new_token(), "IsFirstLogin": not self.account["Changed"]}

    def logout(self, token: str) -> None:
        """End the token the call was made with; other tokens stay valid."""
        self.tokens.pop(token, None)

    def expire_tokens(self) -> None:
        """Test hook: every token expires now."""
        for record in self.tokens.values():
            record["ExpiresAt"] = min(record["ExpiresAt"], self.now())

    def _drop_expired_tokens(self) -> None:
        now = self.now()
        for token in [t for t, r in self.tokens.items() if now >= r["ExpiresAt"]]:
            del self.tokens[token]

    def change_password(self, username: Any, password: Any, new_password: Any) -> None:
        """ChangePassword: the account's name and current password, and a strong new one."""
        if username != self.account["UserName"]:
            raise MigrationFailure(f"User {username!r} does not exist.")
        if password != self.account["Password"]:
            raise MigrationFailure("Password is wrong.")
        self.account["Password"] = check_new_password(new_password)
        self.account["Changed"] = True

    # --- license ---------------------------------------------------------------------------------
    def used_credits(self) -> int:
        """Credits taken: one per task, plus those of completed tasks deleted since (they keep theirs)."""
        return self.spent_credits + len(self.tasks)

    def get_license(self) -> dict[str, Any] | None:
        """GetLicense's Data, or None when no license is installed."""
        if self.license is None:
            return None
        return {"Credits": self.license["Credits"], "ExpireTime": format_rfc3339(self.license["ExpireAt"]),
                "Id": self.license["Id"], "Used": self.used_credits()}

    def update_license(self, key: Any) -> dict[str, Any]:
        """UpdateLicense: install the license an activation key stands for."""
        if not isinstance(key, str) or not (key in self.activation_keys or _ACTIVATION_KEY.match(key)):
            raise MigrationFailure("Invalid activation key.")
        terms = self.activation_keys.get(key, {})
        self.license = {"Id": str(terms.get("id", license_id(key))), "Credits": int(terms.get("credits", 100)),
                        "ExpireAt": self.now() + float(terms.get("days", 365)) * 86400}
        return self.get_license() or {}

    def delete_license(self) -> None:
        """DeleteLicense: refused when none is installed."""
        if self.license is None:
            raise MigrationFailure("No license is installed.")
        self.license = None

    def _take_credit(self) -> None:
        if self.license is None:
            raise MigrationFailure("No license is installed; a task needs one migration credit.")
        if self.now() >= self.license["ExpireAt"]:
            raise MigrationFailure("The license has expired.")
        if self.used_credits() >= self.license["Credits"]:
            raise MigrationFailure("No migration credits left in the license.")

    # --- cloud connections -----------------------------------------------------------------------
    def add_cloud(self, body: Mapping[str, Any]) -> str:
        """AddCloudConnection: the new connection's ID (32 hex digits, as in the document)."""
        name = _cloud_name(body.get("CloudName"))
        cloud_type = _cloud_type(body.get("CloudType"))
        self._refuse_cloud_name(name)
        cloud_id = uuid_module.UUID(self.new_uuid()).hex
        record = {"ID": cloud_id, "AccountId": uuid_module.uuid5(uuid_module.NAMESPACE_URL,
                                                                  self.account["UserName"]).hex,
                  "Name": name, "CloudType": cloud_type, "Domain": "Default", "CreatedTime": format_time(self.now())}
        record.update(_cloud_fields(body, defaults=True))
        self.clouds[cloud_id] = record
        return cloud_id

    def update_cloud(self, body: Mapping[str, Any]) -> None:
        """UpdateCloudConnection: the fields sent; a new Name must not be taken."""
        cloud = self.cloud(body.get("Id"))
        if body.get("Name") not in (None, cloud["Name"]):
            name = _cloud_name(body["Name"])
            self._refuse_cloud_name(name)
            cloud["Name"] = name
        cloud.update(_cloud_fields(body, defaults=False))

    def delete_cloud(self, cloud_id: Any) -> str:
        """DeleteCloudConnection: refused while a Transport server belongs to the cloud."""
        cloud = self.cloud(cloud_id)
        users = [t["Name"] for t in self.transports.values() if t["CloudId"] == cloud["ID"]]
        if users:
            raise MigrationFailure(f"Cloud {cloud['ID']} has Transport servers ({', '.join(sorted(users))}); "
                                   "delete them first.")
        del self.clouds[cloud["ID"]]
        return cloud["ID"]

    def list_clouds(self, name: Any) -> list[dict[str, Any]]:
        """ListCloudConnection, filtered by exact Name when one is given."""
        return [self.cloud_view(c) for c in self.clouds.values() if name in (None, "", c["Name"])]

    def cloud(self, cloud_id: Any) -> dict[str, Any]:
        """A cloud connection by ID, else a failure."""
        cloud = self.clouds.get(cloud_id) if isinstance(cloud_id, str) else None
        if cloud is None:
            raise MigrationFailure(f"Cloud connection {cloud_id!r} does not exist.")
        return cloud

    def cloud_view(self, cloud: Mapping[str, Any]) -> dict[str, Any]:
        """A connection as ListCloudConnection shows it (CloudPass base64-encoded)."""
        view = {k: v for k, v in cloud.items() if k != "CloudPass"}
        view["CloudPass"] = base64.b64encode(cloud["CloudPass"].encode("utf-8")).decode("ascii")
        view["IdentityUrl"] = f"http://{cloud['CloudAddr']}:{cloud['IdentityPort']}/v3"
        return view

    def _refuse_cloud_name(self, name: str) -> None:
        if any(c["Name"] == name for c in self.clouds.values()):
            raise MigrationFailure(f"Cloud name {name!r} already exists.")

    def verify_cloud(self, body: Mapping[str, Any]) -> None:
        """VerifyCloudConnection: the type is known and the cloud accepts the credentials."""
        _cloud_type(body.get("CloudType"))
        self.endpoint_at(body.get("CloudAddr"), body.get("CloudUser"), body.get("CloudPass"))

    def endpoint_at(self, address: Any, user: Any, password: Any) -> dict[str, Any]:
        """The reachable cloud at an address whose credentials match, else a failure."""
        for endpoint in self.endpoints.values():
            if endpoint["address"] == address:
                if endpoint["credentials"].get(user) != password or not isinstance(user, str):
                    raise MigrationFailure(f"Authentication failed on cloud {address}: wrong user or password.")
                return endpoint
        raise MigrationFailure(f"Cannot connect to cloud {address!r}.")

    def endpoint_by_credentials(self, access_key: Any, secret_key: Any) -> dict[str, Any]:
        """The reachable cloud that knows an AccessKey/SecretKey pair (ListRegion has no URL)."""
        for endpoint in self.endpoints.values():
            if isinstance(access_key, str) and endpoint["credentials"].get(access_key) == secret_key:
                return endpoint
        raise MigrationFailure("Authentication failed: wrong AccessKey or SecretKey.")

    def cloud_endpoint(self, cloud_id: Any) -> dict[str, Any]:
        """The reachable cloud a connection points at."""
        cloud = self.cloud(cloud_id)
        return self.endpoint_at(cloud["CloudAddr"], cloud["CloudUser"], cloud["CloudPass"])

    def quota(self, cloud_id: Any) -> dict[str, int]:
        """What is left of the cloud's quota once the instances the platform created are counted."""
        cloud = self.cloud(cloud_id)
        left = dict(self.cloud_endpoint(cloud_id)["quota"])
        for task in self.tasks.values():
            if task["Config"]["CloudId"] == cloud["ID"] and task["Instance"] is not None:
                for key, value in task["Instance"]["Uses"].items():
                    left[key] -= value
        return left

    # --- Transport servers -----------------------------------------------------------------------
    def add_transport(self, body: Mapping[str, Any]) -> str:
        """AddTransportServer: contacts the agent at MgntAddr; a Cloud server needs its cloud."""
        serv_type = SERV_TYPES.get(str(body.get("ServType", "")).lower())
        if serv_type is None:
            raise MigrationFailure("ServType must be 'On-Premises' or 'Cloud'.")
        name = _required_str(body, "Name")
        cloud_id = None
        if serv_type == CLOUD:
            cloud_id = self.cloud(body.get("CloudId"))["ID"]
        agent = self.transport_agent(body.get("MgntAddr"))
        if any(t["Name"] == name for t in self.transports.values()):
            raise MigrationFailure(f"Transport server name {name!r} already exists.")
        if any(t["MgntAddr"] == agent["address"] for t in self.transports.values()):
            raise MigrationFailure(f"Transport server {agent['address']} is already added.")
        transport_id = self.new_uuid()
        self.transports[transport_id] = {
            "Id": transport_id, "Name": name, "ServType": serv_type, "CloudId": cloud_id,
            "MgntAddr": agent["address"], "CreatedTime": format_time(self.now()),
            "MaxSupportedTasks": agent["max_tasks"],
            "StorageId": agent["storage_id"], "StorageType": agent["storage_type"]}
        return transport_id

    def transport_agent(self, address: Any) -> dict[str, Any]:
        """The Transport agent answering at an address, else a failure."""
        for agent in self.transport_agents.values():
            if agent["address"] == address:
                if agent["offline"]:
                    break
                return agent
        raise MigrationFailure(f"Cannot connect to Transport server at {address!r}.")

    def transport(self, transport_id: Any) -> dict[str, Any]:
        """A Transport server by Id, else a failure."""
        record = self.transports.get(transport_id) if isinstance(transport_id, str) else None
        if record is None:
            raise MigrationFailure(f"Transport server {transport_id!r} does not exist.")
        return record

    def delete_transport(self, transport_id: Any) -> None:
        """DeleteTransportServer: refused while source hosts or unfinished tasks use it."""
        record = self.transport(transport_id)
        users = [h["Name"] for h in self.hosts.values() if h["TransId"] == record["Id"] and h["Agent"]]
        users += [p["Name"] for p in self.platforms.values() if p["TransId"] == record["Id"]]
        if users:
            raise MigrationFailure(f"Transport server {record['Name']!r} has source hosts "
                                   f"({', '.join(sorted(users))}); delete them first.")
        if self.transport_tasks(record["Id"]):
            raise MigrationFailure(f"Transport server {record['Name']!r} is used by unfinished tasks.")
        del self.transports[record["Id"]]

    def refresh_transport(self, transport_id: Any) -> None:
        """RefreshTransportServer: read the agent's capacity and storage again."""
        record = self.transport(transport_id)
        agent = self.transport_agent(record["MgntAddr"])
        record.update(MaxSupportedTasks=agent["max_tasks"], StorageId=agent["storage_id"],
                      StorageType=agent["storage_type"])

    def update_transport(self, transport_id: Any, name: Any) -> None:
        """UpdateTransportServer: a new Name that is not taken."""
        record = self.transport(transport_id)
        if not isinstance(name, str) or not name:
            raise MigrationFailure("Name is required.")
        if any(t["Name"] == name and t["Id"] != record["Id"] for t in self.transports.values()):
            raise MigrationFailure(f"Transport server name {name!r} already exists.")
        record["Name"] = name

    def transport_tasks(self, transport_id: str) -> list[dict[str, Any]]:
        """The unfinished tasks that use a Transport server (its CurrentTasks)."""
        return [t for t in self.tasks.values() if not _finished(t)
                and transport_id in (t["Config"]["TargetTransId"], t["Config"]["SrcTransId"])]

    def list_transports(self, ip: Any, name: Any, serv_type: Any) -> list[dict[str, Any]]:
        """ListTransportServer, filtered by exact Ip and Name and by ServType (any case)."""
        wanted = str(serv_type).lower() if serv_type else None
        rows = []
        for record in self.transports.values():
            if ip not in (None, "", record["MgntAddr"]) or name not in (None, "", record["Name"]):
                continue
            if wanted is not None and record["ServType"].lower() != wanted:
                continue
            rows.append(self.transport_view(record))
        return rows

    def transport_view(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """One row of ListTransportServer."""
        cloud = self.clouds.get(record["CloudId"] or "")
        return {"Id": record["Id"], "Name": record["Name"], "CloudName": cloud["Name"] if cloud else None,
                "CloudId": record["CloudId"], "ServType": record["ServType"].lower(), "MgntAddr": record["MgntAddr"],
                "CreatedTime": record["CreatedTime"], "MaxSupportedTasks": record["MaxSupportedTasks"],
                "CurrentTasks": len(self.transport_tasks(record["Id"])), "StorageId": record["StorageId"],
                "StorageType": record["StorageType"]}

    # --- Packer source hosts ---------------------------------------------------------------------
    def add_packer_host(self, body: Mapping[str, Any]) -> str:
        """AddPackerHost: record what the Packer agent at MgntAddr reports; the ID is the agent's."""
        name = _required_str(body, "Name")
        if len(name) > 32:
            raise MigrationFailure("Name must be at most 32 characters.")
        transport = self.transport(body.get("TransId"))
        agent = self.packer_agent(body.get("MgntAddr"))
        if any(h["Name"] == name for h in self.hosts.values()):
            raise MigrationFailure(f"Host name {name!r} already exists.")
        if any(h["Agent"] and h["MgntAddr"] == agent["address"] for h in self.hosts.values()):
            raise MigrationFailure(f"Packer host {agent['address']} is already added.")
        host_id = agent["uuid"]
        self.hosts[host_id] = {"Id": host_id, "Name": name, "TransId": transport["Id"], "MgntAddr": agent["address"],
                               "Agent": True, "PlatformId": None, "CreatedTime": format_time(self.now()),
                               "Details": _agent_details(agent)}
        return host_id

    def packer_agent(self, address: Any) -> dict[str, Any]:
        """The Packer agent at an address, else a failure."""
        for agent in self.packer_agents.values():
            if agent["address"] == address:
                return agent
        raise MigrationFailure(f"Cannot connect to the Packer agent at {address!r}.")

    def host(self, host_id: Any) -> dict[str, Any]:
        """A source host (Packer host or vSphere VM) by Id, else a failure."""
        record = self.hosts.get(host_id) if isinstance(host_id, str) else None
        if record is None:
            raise MigrationFailure(f"Host {host_id!r} does not exist.")
        return record

    def packer_host(self, host_id: Any) -> dict[str, Any]:
        """A Packer host by Id; vSphere VMs are managed through their platform."""
        record = self.host(host_id)
        if not record["Agent"]:
            raise MigrationFailure(f"Host {host_id!r} is a vSphere VM, not a Packer host.")
        return record

    def delete_packer_host(self, host_id: Any) -> None:
        """DeletePackerHost: refused while the host is in an unfinished task."""
        record = self.packer_host(host_id)
        if self.host_task(record["Id"]) is not None:
            raise MigrationFailure(f"Host {record['Name']!r} is in a migration task and cannot be deleted.")
        del self.hosts[record["Id"]]

    def refresh_packer_host(self, host_id: Any) -> None:
        """RefreshPackerHost: read the agent's report again."""
        record = self.packer_host(host_id)
        record["Details"] = _agent_details(self.packer_agent(record["MgntAddr"]))

    def update_packer_host(self, body: Mapping[str, Any]) -> None:
        """UpdatePackerHost: a new Name and/or Transport server."""
        record = self.packer_host(body.get("Id"))
        if body.get("TransId") not in (None, ""):
            record["TransId"] = self.transport(body["TransId"])["Id"]
        name = body.get("Name")
        if name not in (None, record["Name"]):
            if not isinstance(name, str) or not name or len(name) > 32:
                raise MigrationFailure("Name must be 1-32 characters.")
            if any(h["Name"] == name for h in self.hosts.values()):
                raise MigrationFailure(f"Host name {name!r} already exists.")
            record["Name"] = name

    def verify_packer(self, host_id: Any, trans_addr: Any) -> None:
        """VerifyPackerConnection: the host and the Transport at TransAddr both answer."""
        record = self.host(host_id)
        self.transport_agent(trans_addr)
        if self.host_offline(record):
            raise MigrationFailure(f"Host {record['Name']!r} is offline.")

    def host_offline(self, record: Mapping[str, Any]) -> bool:
        """Whether the host's agent (or its vSphere platform) answers now."""
        if record["Agent"]:
            agent = next((a for a in self.packer_agents.values() if a["address"] == record["MgntAddr"]), None)
            return agent is None or agent["offline"]
        platform = self.platforms.get(record["PlatformId"] or "")
        return platform is None or self._vsphere_at(platform["Ip"]) is None

    def host_task(self, host_id: str) -> dict[str, Any] | None:
        """The unfinished task of a host, if any."""
        return next((t for t in self.tasks.values() if t["Config"]["HostId"] == host_id and not _finished(t)), None)

    def list_hosts(self, name: Any, address: Any, task_free: bool) -> dict[str, Any]:
        """ListHosts: Packer hosts (AgentHosts) and vSphere platforms, exact filters, TaskFree."""
        agent_hosts = []
        for record in self.hosts.values():
            if not record["Agent"] or name not in (None, "", record["Name"]):
                continue
            if address not in (None, "", record["MgntAddr"]):
                continue
            if task_free and not self._can_migrate(record):
                continue
            detail = self.host_view(record)
            agent_hosts.append({k: detail[k] for k in ("Name", "MgntAddr", "OsName", "TotalSize", "CreatedTime",
                                                       "Agent", "Offline")} | {"ID": record["Id"]})
        platforms = [self.platform_summary(p) for p in self.platforms.values() if name in (None, "", p["Name"])
                     and address in (None, "", p["Ip"])]
        return {"AgentHosts": agent_hosts, "VSPlatforms": platforms}

    def _can_migrate(self, record: Mapping[str, Any]) -> bool:
        details = record["Details"]
        return self.host_task(record["Id"]) is None and not details["CanNotMigrate"] and not self.host_offline(record)

    def host_view(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """GetPackerHost's Data."""
        details = copy.deepcopy(record["Details"])
        transport = self.transports.get(record["TransId"] or "") or {}
        view = {"Id": record["Id"], "Name": record["Name"], "MgntAddr": record["MgntAddr"],
                "TransName": transport.get("Name", ""), "TransId": record["TransId"],
                "TransAddr": transport.get("MgntAddr", ""), "CreatedTime": record["CreatedTime"],
                "Agent": record["Agent"], "Offline": self.host_offline(record),
                "InTask": self.host_task(record["Id"]) is not None}
        volumes = details.pop("VolumeInfos")
        details.pop("Placement", None)
        view.update(details)
        view["VolumeInfos"] = volumes
        view["TotalSize"] = sum(v["Capacity"] for v in volumes)
        return view

    # --- vSphere platforms -----------------------------------------------------------------------
    def _vsphere_at(self, ip: Any) -> dict[str, Any] | None:
        return next((e for e in self.vsphere_endpoints.values() if e["address"] == ip), None)

    def _vsphere_login(self, ip: Any, username: Any, password: Any) -> dict[str, Any]:
        endpoint = self._vsphere_at(ip)
        if endpoint is None:
            raise MigrationFailure(f"Cannot connect to vSphere platform {ip!r}.")
        if username != endpoint["username"] or password != endpoint["password"]:
            raise MigrationFailure(f"Login to vSphere platform {ip} failed: wrong UserName or Passwd.")
        return endpoint

    def add_platform(self, body: Mapping[str, Any]) -> int:
        """AddVSPlatform: log in, add its VMs as agentless hosts and return how many (Code 1 on uuid clashes)."""
        name = _required_str(body, "Name")
        transport = self.transport(body.get("TransId"))
        endpoint = self._vsphere_login(body.get("Ip"), body.get("UserName"), body.get("Passwd"))
        if any(p["Name"] == name for p in self.platforms.values()):
            raise MigrationFailure(f"vSphere platform name {name!r} already exists.")
        known = {h["Details"]["VMHostUuid"] for h in self.hosts.values() if not h["Agent"]}
        repeated = [{"Name": vm["name"], "EsxiHost": vm["esxi_host"], "Uuid": vm["uuid"]}
                    for vm in endpoint["vms"] if vm["uuid"] in known]
        if repeated:
            raise MigrationFailure("The vSphere platform holds VMs with the same uuid as VMs already added.",
                                   code=1, data=repeated)
        platform_id = self.new_uuid()
        self.platforms[platform_id] = {"ID": platform_id, "Name": name, "Ip": endpoint["address"],
                                       "UserName": body["UserName"], "Passwd": body["Passwd"],
                                       "TransId": transport["Id"], "IsVcenter": endpoint["is_vcenter"],
                                       "CreatedTime": format_time(self.now())}
        return self._sync_platform_vms(self.platforms[platform_id], endpoint)

    def _sync_platform_vms(self, platform: Mapping[str, Any], endpoint: Mapping[str, Any]) -> int:
        """Add the endpoint's VMs not yet known as agentless hosts; returns how many were added."""
        present = {h["Details"]["VMHostUuid"]: h for h in self.hosts.values() if h["PlatformId"] == platform["ID"]}
        added = 0
        for vm in endpoint["vms"]:
            if vm["uuid"] in present:
                present[vm["uuid"]]["Details"] = _vm_details(vm)
                continue
            host_id = self.new_uuid()
            self.hosts[host_id] = {"Id": host_id, "Name": vm["name"], "TransId": platform["TransId"],
                                   "MgntAddr": vm["address"], "Agent": False, "PlatformId": platform["ID"],
                                   "CreatedTime": format_time(self.now()), "Details": _vm_details(vm)}
            added += 1
        return added

    def vs_platform(self, platform_id: Any) -> dict[str, Any]:
        """A vSphere platform by ID, else a failure."""
        record = self.platforms.get(platform_id) if isinstance(platform_id, str) else None
        if record is None:
            raise MigrationFailure(f"vSphere platform {platform_id!r} does not exist.")
        return record

    def platform_hosts(self, platform_id: str) -> list[dict[str, Any]]:
        """The agentless hosts (VMs) of a vSphere platform."""
        return [h for h in self.hosts.values() if h["PlatformId"] == platform_id]

    def delete_platform(self, platform_id: Any) -> None:
        """DeleteVSPlatform: refused while any of its VMs is in a task; removes its VMs."""
        record = self.vs_platform(platform_id)
        busy = [h["Name"] for h in self.platform_hosts(record["ID"]) if self.host_task(h["Id"]) is not None]
        if busy:
            raise MigrationFailure(f"VMs of vSphere platform {record['Name']!r} are in migration tasks: "
                                   + ", ".join(sorted(busy)))
        for host in self.platform_hosts(record["ID"]):
            del self.hosts[host["Id"]]
        del self.platforms[record["ID"]]

    def refresh_platform(self, platform_id: Any) -> int:
        """RefreshVSPlatform: add VMs that appeared and refresh the others; returns how many were added."""
        record = self.vs_platform(platform_id)
        endpoint = self._vsphere_login(record["Ip"], record["UserName"], record["Passwd"])
        return self._sync_platform_vms(record, endpoint)

    def update_platform(self, body: Mapping[str, Any]) -> None:
        """UpdateVSPlatform: new credentials must log in; Name must not be taken."""
        record = self.vs_platform(body.get("ID"))
        username = body.get("UserName", record["UserName"])
        password = body.get("Passwd", record["Passwd"])
        self._vsphere_login(record["Ip"], username, password)
        name = body.get("Name")
        if name not in (None, record["Name"]):
            if not isinstance(name, str) or not name:
                raise MigrationFailure("Name must be a non-empty string.")
            if any(p["Name"] == name for p in self.platforms.values()):
                raise MigrationFailure(f"vSphere platform name {name!r} already exists.")
            record["Name"] = name
        if body.get("TransId") not in (None, ""):
            record["TransId"] = self.transport(body["TransId"])["Id"]
        record.update(UserName=username, Passwd=password)

    def verify_platform(self, platform_id: Any, trans_addr: Any) -> None:
        """VerifyVSPlatformConnection: the platform and the Transport at TransAddr both answer."""
        record = self.vs_platform(platform_id)
        self.transport_agent(trans_addr)
        self._vsphere_login(record["Ip"], record["UserName"], record["Passwd"])

    def platform_summary(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A platform as ListHosts' VSPlatforms shows it."""
        return {k: record[k] for k in ("ID", "Name", "Ip", "IsVcenter", "CreatedTime")}

    def platform_tree(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """ListVSHosts: datacenters, their ESXi hosts (directly or in clusters) and VM groups, each VM in full."""
        datacenters: dict[str, dict[str, Any]] = {}
        for host in self.platform_hosts(record["ID"]):
            place = host["Details"]["Placement"]
            dc = datacenters.setdefault(place["datacenter"], {"ID": _node_id(record, place["datacenter"]),
                                                               "Name": place["datacenter"], "PhyHosts": [],
                                                               "Clusters": [], "VmGroups": []})
            phy_hosts = dc["PhyHosts"]
            if place["cluster"]:
                cluster = _child(dc["Clusters"], record, place["cluster"], {"PhyHosts": []})
                phy_hosts = cluster["PhyHosts"]
            _child(phy_hosts, record, place["esxi_host"], {"VTs": []})["VTs"].append(self.host_view(host))
            if place["vm_group"]:
                _child(dc["VmGroups"], record, place["vm_group"], {"VmGroups": [], "VTs": []})["VTs"].append(
                    self.host_view(host))
        return {"ID": record["ID"], "Name": record["Name"], "Ip": record["Ip"], "IsVcenter": record["IsVcenter"],
                "DataCenters": list(datacenters.values())}

    # --- tasks: create, update, delete -----------------------------------------------------------
    def prepare_task(self, body: Mapping[str, Any]) -> str:
        """PrepareTaskWorkload: check everything, take a credit, create the task."""
        config = self._task_config(body)
        if any(t["Config"]["Name"] == config["Name"] for t in self.tasks.values()):
            raise MigrationFailure(f"Task name {config['Name']!r} already exists.")
        host = self.host(config["HostId"])
        self._check_host_can_migrate(host)
        self._check_transports(config)
        self._check_target(config)
        config["VolumeInfos"] = _volume_infos(body.get("VolumeInfos"), host)
        self._take_credit()
        self._refuse_clashes(config, exclude=None, check_volumes=True)
        task_id = self.new_uuid()
        now = self.now()
        start = parse_time(config["StartTime"], "StartTime") if config["StartTime"] else now
        config["StartTime"] = format_time(start)
        self.tasks[task_id] = {
            "Id": task_id, "Config": config, "ActionState": TASK_CREATED, "Status": "Task created.",
            "SnapTimes": 0, "LastSync": 0, "NextCopyAt": max(start, now), "CopyStarted": None, "StepUntil": None,
            "FailedStep": None, "Completing": False, "ReachedRecovery": False, "Snapshots": [], "History": [],
            "Instance": None, "CreateTime": now, "UpdatedTime": now,
            "Seq": max((t["Seq"] for t in self.tasks.values()), default=-1) + 1,
        }
        self._event(self.tasks[task_id], now, TASK_CREATED, "Task created.")
        return task_id

    def _task_config(self, body: Mapping[str, Any]) -> dict[str, Any]:
        max_snaps = body.get("MaxSnapsNum", body.get("MaxSnapNum", 3))
        config = {
            "Name": _required_str(body, "Name"), "Priority": _int(body, "Priority", 0),
            "HostId": _required_str(body, "HostId"), "CloudId": _required_str(body, "CloudId"),
            "SrcTransId": _opt_str(body, "SrcTransId"), "TargetTransId": _required_str(body, "TargetTransId"),
            "StorageId": _opt_str(body, "StorageId"), "IntervalMinutes": _int(body, "IntervalMinutes", 60, minimum=1),
            "MaxSnapNum": _int({"MaxSnapNum": max_snaps}, "MaxSnapNum", 3, minimum=1),
            "StartTime": _opt_str(body, "StartTime"), "IsCompressed": _bool(body, "IsCompressed"),
            "QosLimit": _int(body, "QosLimit", 0, minimum=0), "FlavorId": _opt_str(body, "FlavorId"),
            "NetworkId": _required_str(body, "NetworkId"), "SubnetId": _required_str(body, "SubnetId"),
            "RouteId": _opt_str(body, "RouteId"), "SecurityGroupId": _opt_str(body, "SecurityGroupId"),
            "AggregateId": _opt_str(body, "AggregateId"), "CPU": _int(body, "CPU", 0, minimum=0),
            "Sockets": _int(body, "Sockets", 0, minimum=0), "Memory": _int(body, "Memory", 0, minimum=0),
            "BandWidth": _int(body, "BandWidth", 0, minimum=0),
            "TargetServerName": _opt_str(body, "TargetServerName"),
            "NetInterfaces": _net_interfaces(body.get("NetInterfaces")),
        }
        if not config["TargetServerName"]:
            config["TargetServerName"] = self.host(config["HostId"])["Name"]
        return config

    def _check_host_can_migrate(self, host: Mapping[str, Any]) -> None:
        if self.host_task(host["Id"]) is not None:
            raise MigrationFailure(f"Host {host['Name']!r} is already in a migration task.")
        if host["Details"]["CanNotMigrate"]:
            raise MigrationFailure(f"Host {host['Name']!r} cannot be migrated: {host['Details']['CNMReason']}")
        if self.host_offline(host):
            raise MigrationFailure(f"Host {host['Name']!r} is offline.")

    def _check_transports(self, config: Mapping[str, Any]) -> None:
        target = self.transport(config["TargetTransId"])
        if target["ServType"] != CLOUD or target["CloudId"] != self.cloud(config["CloudId"])["ID"]:
            raise MigrationFailure(f"TargetTransId {target['Id']} is not a Cloud Transport server of cloud "
                                   f"{config['CloudId']}.")
        if len(self.transport_tasks(target["Id"])) >= target["MaxSupportedTasks"]:
            raise MigrationFailure(f"Transport server {target['Name']!r} already runs its maximum of "
                                   f"{target['MaxSupportedTasks']} tasks.")
        if config["SrcTransId"] and self.transport(config["SrcTransId"])["ServType"] != ON_PREMISES:
            raise MigrationFailure(f"SrcTransId {config['SrcTransId']} is not an On-Premises Transport server.")

    def _check_target(self, config: Mapping[str, Any]) -> None:
        """Flavour (or CPU and Memory), network, subnet and security group exist in the cloud."""
        endpoint = self.cloud_endpoint(config["CloudId"])
        if config["FlavorId"]:
            if not any(f["ID"] == config["FlavorId"] for f in endpoint["flavors"]):
                raise MigrationFailure(f"Flavor {config['FlavorId']!r} does not exist in the cloud.")
        elif not (config["CPU"] and config["Memory"]):
            raise MigrationFailure("Give FlavorId, or CPU and Memory.")
        self._check_network(endpoint, config["NetworkId"], config["SubnetId"])
        if config["SecurityGroupId"] and not any(g["ID"] == config["SecurityGroupId"]
                                                 for g in endpoint["security_groups"]):
            raise MigrationFailure(f"Security group {config['SecurityGroupId']!r} does not exist in the cloud.")
        for nic in config["NetInterfaces"]:
            for subnet in nic["SubNets"] or [{"SubnetId": ""}]:
                self._check_network(endpoint, nic["NetworkId"], subnet["SubnetId"] or None)

    def _check_network(self, endpoint: Mapping[str, Any], network_id: Any, subnet_id: Any) -> None:
        network = next((n for n in endpoint["networks"] if n["Id"] == network_id), None)
        if network is None:
            raise MigrationFailure(f"Network {network_id!r} does not exist in the cloud.")
        if subnet_id is not None and not any(s["Id"] == subnet_id for s in network["Subnets"]):
            raise MigrationFailure(f"Subnet {subnet_id!r} is not a subnet of network {network_id!r}.")

    def _refuse_clashes(self, config: Mapping[str, Any], exclude: str | None, check_volumes: bool) -> None:
        """Code 1 for a cloud server name in use, Code 2 for cloud volume names in use."""
        names = self.server_names(config["CloudId"], exclude)
        if config["TargetServerName"] in names:
            raise MigrationFailure(f"Target server name {config['TargetServerName']!r} already exists.",
                                   code=SERVER_NAME_CLASH, data={"ID": exclude or "",
                                                                 "Repeated": [config["TargetServerName"]]})
        if check_volumes:
            used = self.volume_names(config["CloudId"], exclude)
            repeated = [v["CloudVolumeName"] for v in config["VolumeInfos"] if v["CloudVolumeName"] in used]
            if repeated:
                raise MigrationFailure("Cloud volume names already exist: " + ", ".join(repeated),
                                       code=VOLUME_NAME_CLASH, data={"ID": exclude or "", "Repeated": repeated})

    def server_names(self, cloud_id: str, exclude: str | None) -> set[str]:
        """Server names in the cloud: its own servers, instances created and names other tasks reserve."""
        names = set(self.cloud_endpoint(cloud_id)["servers"])
        for task in self.tasks.values():
            if task["Id"] != exclude and task["Config"]["CloudId"] == cloud_id:
                names.add(task["Instance"]["Name"] if task["Instance"] else task["Config"]["TargetServerName"])
        return names

    def volume_names(self, cloud_id: str, exclude: str | None) -> set[str]:
        """Cloud volume names in use: the cloud's own and those other tasks name."""
        names = set(self.cloud_endpoint(cloud_id)["volumes"])
        for task in self.tasks.values():
            if task["Id"] != exclude and task["Config"]["CloudId"] == cloud_id:
                names.update(v["CloudVolumeName"] for v in task["Config"]["VolumeInfos"] if v["CloudVolumeName"])
        return names

    def used_ips(self, cloud_id: str, exclude: str | None) -> dict[str, set[str]]:
        """IPs in use per network: the cloud's own and those other tasks' NetInterfaces claim."""
        used = {net: set(ips) for net, ips in self.cloud_endpoint(cloud_id)["used_ips"].items()}
        for task in self.tasks.values():
            if task["Id"] != exclude and task["Config"]["CloudId"] == cloud_id:
                for nic in task["Config"]["NetInterfaces"]:
                    used.setdefault(nic["NetworkId"], set()).update(s["Ip"] for s in nic["SubNets"] if s["Ip"])
        return used

    def update_task(self, body: Mapping[str, Any]) -> str:
        """UpdateTask: only the fields sent; a field sent with its current value is no change."""
        task = self.task(body.get("Id"))
        config = task["Config"]
        changes = self._task_changes(body, config)
        self._check_update_rules(task, changes)
        merged = {**config, **changes}
        if "Name" in changes and any(t["Config"]["Name"] == changes["Name"] for t in self.tasks.values()):
            raise MigrationFailure(f"Task name {changes['Name']!r} already exists.")
        if any(key in changes for key in ("FlavorId", "NetworkId", "SubnetId", "SecurityGroupId", "NetInterfaces",
                                          "CPU", "Memory")):
            self._check_target(merged)
        if "TargetServerName" in changes:
            self._refuse_clashes(merged, exclude=task["Id"], check_volumes=False)
        config.update(changes)
        self._reschedule(task, changes)
        task["UpdatedTime"] = self.now()
        return task["Id"]

    def _task_changes(self, body: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
        given = dict(body)
        if "MaxSnapsNum" in given and "MaxSnapNum" not in given:
            given["MaxSnapNum"] = given["MaxSnapsNum"]
        parsed: dict[str, Any] = {}
        for key in ("Name", "FlavorId", "NetworkId", "SubnetId", "RouteId", "SecurityGroupId", "AggregateId",
                    "TargetServerName"):
            if given.get(key) is not None:
                parsed[key] = _required_str(given, key) if key == "Name" else _opt_str(given, key)
        for key, minimum in (("IntervalMinutes", 1), ("MaxSnapNum", 1), ("CPU", 0), ("Sockets", 0), ("Memory", 0),
                             ("BandWidth", 0), ("Priority", None)):
            if given.get(key) is not None:
                parsed[key] = _int(given, key, 0, minimum=minimum)
        if given.get("StartTime") not in (None, ""):
            parsed["StartTime"] = format_time(parse_time(given["StartTime"], "StartTime"))
        if given.get("NetInterfaces") is not None:
            parsed["NetInterfaces"] = _net_interfaces(given["NetInterfaces"])
        return {k: v for k, v in parsed.items() if config.get(k) != v}

    def _check_update_rules(self, task: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
        start = parse_time(task["Config"]["StartTime"], "StartTime")
        # README: "may not change IntervalMinutes, StartTime or MaxSnapNum within 60 s of the task's start time".
        locked = [k for k in SCHEDULE_FIELDS if k in changes]
        if locked and abs(self.now() - start) < 60:
            raise MigrationFailure(f"{', '.join(locked)} cannot be changed within 60 seconds of the task's start time.")
        locked = [k for k in TARGET_FIELDS if k in changes]
        if locked and task["ReachedRecovery"]:
            raise MigrationFailure(f"{', '.join(locked)} cannot be changed once the task is waiting for recovery "
                                   f"(ActionState {TASK_WAIT_RECOVERY}) or later.")

    def _reschedule(self, task: dict[str, Any], changes: Mapping[str, Any]) -> None:
        if task["ActionState"] == TASK_CREATED and "StartTime" in changes:
            # a start time in the past starts the first copy now rather than replaying missed intervals
            task["NextCopyAt"] = max(parse_time(changes["StartTime"], "StartTime"), self.now())
        if task["ActionState"] == TASK_SNAPSHOTTED and "IntervalMinutes" in changes:
            task["NextCopyAt"] = max(task["CopyStarted"] + changes["IntervalMinutes"] * 60, self.now())
        if "MaxSnapNum" in changes:
            task["Snapshots"] = task["Snapshots"][-changes["MaxSnapNum"]:]

    def delete_task(self, task_id: Any) -> None:
        """Deleting an unfinished task gives its credit back; a completed one keeps it used."""
        task = self.task(task_id)
        if _finished(task):
            # "当任务已完成迁移(迁移成功,云端存在恢复虚拟机),删除任务可用迁移次数不变"
            self.spent_credits += 1
        del self.tasks[task["Id"]]

    def task(self, task_id: Any) -> dict[str, Any]:
        """A task by Id, else a failure."""
        task = self.tasks.get(task_id) if isinstance(task_id, str) else None
        if task is None:
            raise MigrationFailure(f"Task {task_id!r} does not exist.")
        return task

    # --- tasks: actions --------------------------------------------------------------------------
    def complete_task(self, task_id: Any) -> None:
        """Start the final sync; needs the first full copy done (SnapTimes >= 2 or progress 100%)."""
        task = self.task(task_id)
        if _finished(task):
            raise MigrationFailure(f"Task {task['Id']} is already completed.")
        if task["Completing"]:
            raise MigrationFailure(f"Task {task['Id']} is already being completed.")
        if task["ActionState"] == TASK_ERROR:
            raise MigrationFailure(f"Task {task['Id']} is in error; continue it first.")
        if not (task["SnapTimes"] >= 2 or (task["SnapTimes"] == 1 and self.progress(task) >= 100)):
            raise MigrationFailure("The first full data copy has not finished; the task cannot be completed yet.")
        task["Completing"] = True
        task["LastSync"] = 1
        now = self.now()
        self._event(task, now, task["ActionState"], "Final data synchronisation requested.")
        if task["ActionState"] == TASK_SNAPSHOTTED:
            self._start_copy(task, now)

    def continue_task(self, task_id: Any) -> None:
        """Retry the step that failed (ActionState 1003)."""
        task = self.task(task_id)
        if task["ActionState"] != TASK_ERROR:
            raise MigrationFailure(f"Task {task['Id']} is not paused by an error (ActionState "
                                   f"{task['ActionState']}).")
        host = self.host(task["Config"]["HostId"])
        if task["FailedStep"] == "copy" and self.host_offline(host):
            raise MigrationFailure(f"Host {host['Name']!r} is still offline.")
        now = self.now()
        if task["FailedStep"] == "recovery":
            self._start_recovery(task, now)
        else:
            self._start_copy(task, now)

    def create_instance(self, body: Mapping[str, Any]) -> str:
        """(Re)create the cloud instance of a task waiting for recovery, or whose recovery failed."""
        task = self.task(body.get("Id"))
        if not (task["ReachedRecovery"] and task["ActionState"] in (TASK_WAIT_RECOVERY, TASK_ERROR)):
            raise MigrationFailure(f"Task {task['Id']} is not waiting for recovery (ActionState "
                                   f"{task['ActionState']}).")
        given = dict(body)
        if "Bandwidth" in given and "BandWidth" not in given:
            given["BandWidth"] = given["Bandwidth"]
        changes = self._task_changes({k: v for k, v in given.items() if k != "Name"}, task["Config"])
        merged = {**task["Config"], **changes}
        self._check_target(merged)
        self._refuse_clashes(merged, exclude=task["Id"], check_volumes=False)
        task["Config"].update({k: v for k, v in changes.items() if k not in SCHEDULE_FIELDS})
        self._start_recovery(task, self.now())
        return task["Id"]

    def instance(self, task_id: Any) -> dict[str, Any]:
        """GetInstance: the cloud server a completed task created."""
        task = self.task(task_id)
        if task["Instance"] is None:
            raise MigrationFailure(f"Task {task['Id']} has no cloud instance yet.")
        return {"ID": task["Instance"]["ID"], "Name": task["Instance"]["Name"]}

    def check_target(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """CheckTargetHostInfoExisting: which names and IPs are taken already."""
        cloud_id = self.cloud(body.get("CloudId"))["ID"]
        task_name = body.get("TaskName") or ""
        server_name = body.get("TargetServerName") or ""
        volume_names = body.get("CloudVolumeNames") or []
        if not isinstance(volume_names, list) or not all(isinstance(v, str) for v in volume_names):
            raise MigrationFailure("CloudVolumeNames must be a list of strings.")
        used_volumes = self.volume_names(cloud_id, None)
        used_ips = self.used_ips(cloud_id, None)
        ip_existed = []
        for nic in _net_interfaces(body.get("NetInterfaces")):
            taken = [s["Ip"] for s in nic["SubNets"] if s["Ip"] and s["Ip"] in used_ips.get(nic["NetworkId"], ())]
            if taken:
                ip_existed.append({"NetworkId": nic["NetworkId"], "Ips": taken})
        return {"TaskNameExisted": task_name if any(t["Config"]["Name"] == task_name for t in self.tasks.values())
                else "",
                "ServerNameExisted": server_name if server_name in self.server_names(cloud_id, None) else "",
                "VolumeNameExisted": [v for v in volume_names if v in used_volumes], "IpExisted": ip_existed}

    # --- tasks: progress over time ---------------------------------------------------------------
    def tick(self) -> None:
        """Move every task forward to the current emulated time."""
        now = self.now()
        for task in self.tasks.values():
            self._advance(task, now)

    def _advance(self, task: dict[str, Any], now: float) -> None:
        step = self.settings.task_seconds
        while True:
            state = task["ActionState"]
            if state in (TASK_CREATED, TASK_SNAPSHOTTED) and task["NextCopyAt"] <= now:
                self._start_copy(task, task["NextCopyAt"])
            elif state == TASK_COPYING and task["CopyStarted"] + step <= now:
                self._finish_copy(task, task["CopyStarted"] + step)
            elif state == TASK_V2V and task["StepUntil"] <= now:
                task["ReachedRecovery"] = True
                self._step(task, task["StepUntil"], TASK_WAIT_RECOVERY, "V2V finished; waiting for recovery.")
            elif state == TASK_WAIT_RECOVERY and task["StepUntil"] <= now:
                self._start_recovery(task, task["StepUntil"])
            elif state == TASK_IN_RECOVERY and task["StepUntil"] <= now:
                self._finish_recovery(task, task["StepUntil"])
            else:
                return

    def _start_copy(self, task: dict[str, Any], at: float) -> None:
        host = self.host(task["Config"]["HostId"])
        if self.host_offline(host):
            task["FailedStep"] = "copy"
            self._event(task, at, TASK_ERROR, f"Data copy failed: host {host['Name']!r} is offline.")
            return
        task["SnapTimes"] += 1
        task["CopyStarted"] = at
        if task["Completing"]:
            task["LastSync"] = 2
            message = "Final data synchronisation started."
        else:
            message = "Full data copy started." if task["SnapTimes"] == 1 else f"Data copy {task['SnapTimes']} started."
        self._event(task, at, TASK_COPYING, message)

    def _finish_copy(self, task: dict[str, Any], at: float) -> None:
        task["Snapshots"] = (task["Snapshots"] + [at])[-task["Config"]["MaxSnapNum"]:]
        self._event(task, at, TASK_SNAPSHOTTED, f"Snapshot {task['SnapTimes']} created.")
        if task["LastSync"] == 2:
            self._step(task, at, TASK_V2V, "Final synchronisation done; converting the system (v2v).")
        elif task["Completing"]:
            self._start_copy(task, at)
        else:
            task["NextCopyAt"] = max(task["CopyStarted"] + task["Config"]["IntervalMinutes"] * 60, at)

    def _start_recovery(self, task: dict[str, Any], at: float) -> None:
        task["FailedStep"] = None
        self._step(task, at, TASK_IN_RECOVERY, "Creating the cloud instance.")

    def _finish_recovery(self, task: dict[str, Any], at: float) -> None:
        uses = self._instance_uses(task)
        left = self.quota(task["Config"]["CloudId"])
        short = [key for key, value in uses.items() if value > left.get(key, 0)]
        if short:
            task["FailedStep"] = "recovery"
            self._event(task, at, TASK_ERROR, f"Create instance failed: quota exceeded ({', '.join(short)}).")
            return
        server_id = uuid_module.uuid5(uuid_module.NAMESPACE_URL, f"server:{task['Id']}:{len(task['History'])}")
        task["Instance"] = {"ID": str(server_id), "Name": task["Config"]["TargetServerName"], "Uses": uses}
        self._event(task, at, TASK_SUCCESS, "Cloud instance created and available.")
        self._event(task, at, TASK_COMPLETED, "Migration completed.")

    def _instance_uses(self, task: Mapping[str, Any]) -> dict[str, int]:
        config = task["Config"]
        cpu, memory = config["CPU"], config["Memory"]
        if config["FlavorId"]:
            endpoint = self.cloud_endpoint(config["CloudId"])
            flavor = next((f for f in endpoint["flavors"] if f["ID"] == config["FlavorId"]), None)
            if flavor is not None:
                cpu, memory = flavor["vCPU"], max(flavor["Ram"] // 1024, 1)
        disk = sum(int(float(v["VolumeSize"])) for v in config["VolumeInfos"])
        return {"CPU": cpu, "Memory": memory, "Disk": disk}

    def _step(self, task: dict[str, Any], at: float, state: int, message: str) -> None:
        task["StepUntil"] = at + self.settings.task_seconds
        self._event(task, at, state, message)

    def _event(self, task: dict[str, Any], at: float, state: int, message: str) -> None:
        task["ActionState"] = state
        task["Status"] = message
        task["UpdatedTime"] = at
        task["History"].append({"Number": state, "Msg": message, "Timestamp": format_time(at)})
        # a task that copies every minute for months would otherwise grow without bound
        del task["History"][:-MAX_HISTORY]

    # --- tasks: views ----------------------------------------------------------------------------
    def progress(self, task: Mapping[str, Any]) -> float:
        """Percentage of the current copy (100 once a copy is done)."""
        if task["SnapTimes"] == 0:
            return 0.0
        if task["ActionState"] != TASK_COPYING:
            return 100.0
        step = self.settings.task_seconds
        return 100.0 if step <= 0 else min(100.0, 100.0 * (self.now() - task["CopyStarted"]) / step)

    def _sizes(self, task: Mapping[str, Any]) -> tuple[int, int, int]:
        """SnapshotSize, TransferedSize and PredictDoneTime of the current (or last) copy."""
        total = sum(int(float(v["VolumeSize"]) * GIB) for v in task["Config"]["VolumeInfos"])
        size = total if task["SnapTimes"] <= 1 else int(total * INCREMENTAL_SHARE)
        progress = self.progress(task)
        left = 0
        if task["ActionState"] == TASK_COPYING:
            left = max(0, math.ceil(task["CopyStarted"] + self.settings.task_seconds - self.now()))
        return size, int(size * progress / 100), left

    def task_summary(self, task: Mapping[str, Any]) -> dict[str, Any]:
        """One row of ListTasks."""
        host = self.hosts.get(task["Config"]["HostId"])
        size, transferred, left = self._sizes(task)
        return {"Name": task["Config"]["Name"], "Id": task["Id"], "HostName": host["Name"] if host else "",
                "HostAddr": host["MgntAddr"] if host else "", "ProgressPrecent": f"{int(self.progress(task))}%",
                "UpdatedTime": format_time(task["UpdatedTime"]), "CreateTime": format_time(task["CreateTime"]),
                "StartTime": task["Config"]["StartTime"], "Status": task["Status"],
                "ActionState": task["ActionState"], "LastSync": task["LastSync"], "SnapTimes": task["SnapTimes"],
                "Offline": self.host_offline(host) if host else True, "Agent": host["Agent"] if host else True,
                "PredictDoneTime": left, "SnapshotSize": size, "TransferedSize": transferred}

    def list_tasks(self, name: Any, src_host: Any, page_limit: int, page_num: int) -> dict[str, Any]:
        """ListTasks: one page (PageNum from 1) split into agent tasks and tasks per vSphere platform."""
        matching = []
        for task in sorted(self.tasks.values(), key=lambda t: (t["CreateTime"], t["Seq"])):
            host = self.hosts.get(task["Config"]["HostId"])
            if name not in (None, "", task["Config"]["Name"]):
                continue
            if src_host not in (None, "") and (host is None or host["Name"] != src_host):
                continue
            matching.append(task)
        start = (max(page_num, 1) - 1) * page_limit
        page = matching[start:start + page_limit]
        agent_tasks, vs_tasks = [], {}
        for task in page:
            host = self.hosts.get(task["Config"]["HostId"])
            if host is None or host["Agent"] or host["PlatformId"] not in self.platforms:
                agent_tasks.append(self.task_summary(task))
                continue
            platform = self.platforms[host["PlatformId"]]
            group = vs_tasks.setdefault(platform["ID"], {**self.platform_summary(platform), "Tasks": []})
            group["Tasks"].append(self.task_summary(task))
        done = sum(1 for t in matching if _finished(t))
        return {"AgentTasks": agent_tasks, "VSTasks": list(vs_tasks.values()), "TaskTotal": len(matching),
                "TaskInProcess": len(matching) - done, "TaskDone": done}

    def task_detail(self, task_id: Any) -> dict[str, Any]:
        """GetTaskDetail's Data."""
        task = self.task(task_id)
        config = task["Config"]
        host = self.hosts.get(config["HostId"])
        cloud = self.clouds.get(config["CloudId"]) or {}
        size, transferred, left = self._sizes(task)
        offline = self.host_offline(host) if host else True
        return {
            "Id": task["Id"], "Name": config["Name"], "Priority": config["Priority"],
            "Type": "offline" if offline else "online", "Offline": offline, "Agent": host["Agent"] if host else True,
            "CloudId": config["CloudId"], "CloudName": cloud.get("Name", ""), "CloudType": cloud.get("CloudType", ""),
            "IntervalMinutes": config["IntervalMinutes"], "StartTime": config["StartTime"],
            "SnapTimes": task["SnapTimes"], "MaxSnapNumber": config["MaxSnapNum"],
            "ProgressPrecent": f"{int(self.progress(task))}%", "PredictDoneTime": left, "SnapshotSize": size,
            "TransferedSize": transferred, "LastSync": task["LastSync"], "Status": task["Status"],
            "ActionState": task["ActionState"], "IsCompressed": config["IsCompressed"], "QosBW": config["QosLimit"],
            "SourceHost": self._source_view(task, host), "TargetHost": self._target_view(task),
            "SrcTransHost": self._trans_view(config["SrcTransId"], storage=False),
            "TransHost": self._trans_view(config["TargetTransId"], storage=True),
        }

    def _source_view(self, task: Mapping[str, Any], host: Mapping[str, Any] | None) -> dict[str, Any]:
        config = task["Config"]
        platform = self.platforms.get((host or {}).get("PlatformId") or "") or {}
        details = (host or {}).get("Details", {})
        return {"Name": host["Name"] if host else "", "MgntAddr": host["MgntAddr"] if host else "",
                "OsName": details.get("OsName", ""), "Offline": self.host_offline(host) if host else True,
                "Agent": host["Agent"] if host else True, "VmwareIp": platform.get("Ip", ""),
                "VmwareUser": platform.get("UserName", ""), "HostUuid": details.get("VMHostUuid", ""),
                "VolumeInfos": [{"Path": v["VolumeName"], "Size": f"{v['VolumeSize']}GB", "UseType": v["UseType"],
                                 "VolumeType": v["VolumeType"], "CloudVolumeName": v["CloudVolumeName"],
                                 "StorageId": config["StorageId"], "PreAlloc": str(v["PreAlloc"]).lower(),
                                 "PageSize": "", "Compression": str(config["IsCompressed"]).lower(),
                                 "ReadCache": "", "BandWidth": str(config["QosLimit"]), "Iops": ""}
                                for v in config["VolumeInfos"]],
                "NetInterfaces": copy.deepcopy(config["NetInterfaces"])}

    def _target_view(self, task: Mapping[str, Any]) -> dict[str, Any]:
        config = task["Config"]
        instance = task["Instance"] or {}
        transport = self.transports.get(config["TargetTransId"]) or {}
        return {"DataCenter": "", "ServerID": instance.get("ID", ""),
                "ServerName": instance.get("Name", config["TargetServerName"]), "Flavor": config["FlavorId"],
                "BandWidth": config["BandWidth"], "Network": config["NetworkId"], "Subnet": config["SubnetId"],
                "SecGroup": config["SecurityGroupId"], "CPU": config["CPU"], "Sockets": config["Sockets"],
                "Memory": config["Memory"], "StorageId": config["StorageId"] or transport.get("StorageId", ""),
                "AggregateId": config["AggregateId"]}

    def _trans_view(self, transport_id: str, storage: bool) -> dict[str, Any]:
        transport = self.transports.get(transport_id or "") or {}
        view = {"Name": transport.get("Name", ""), "MgntAddr": transport.get("MgntAddr", "")}
        if storage:
            view.update(StorageId=transport.get("StorageId", ""), StorageType=transport.get("StorageType", ""))
        return view

    def history(self, task_id: Any) -> list[dict[str, Any]]:
        """DisplayTaskHistory: every event, oldest first."""
        return copy.deepcopy(self.task(task_id)["History"])

    def snapshots(self, task_id: Any) -> list[dict[str, str]]:
        """ListSnapshots: the kept copies' time stamps, oldest first."""
        return [{"TimeStamp": format_time(at)} for at in self.task(task_id)["Snapshots"]]

    # --- test hooks ------------------------------------------------------------------------------
    def set_agent_offline(self, address: str, offline: bool) -> None:
        """Take a Packer or Transport agent off line (or back on)."""
        agents = [a for a in list(self.packer_agents.values()) + list(self.transport_agents.values())
                  if a["address"] == address]
        if not agents:
            raise KeyError(f"no agent at {address}")
        for agent in agents:
            agent["offline"] = bool(offline)


# --- helpers ------------------------------------------------------------------------------------
def _finished(task: Mapping[str, Any]) -> bool:
    return task["Instance"] is not None and task["ActionState"] == TASK_COMPLETED


def _required_str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MigrationFailure(f"{key} is required.")
    return value


def _opt_str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MigrationFailure(f"{key} must be a string.")
    return value


def _int(body: Mapping[str, Any], key: str, default: int, minimum: int | None = 0) -> int:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise MigrationFailure(f"{key} must be an integer.")
    if minimum is not None and value < minimum:
        raise MigrationFailure(f"{key} must be at least {minimum}.")
    return value


def _bool(body: Mapping[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise MigrationFailure(f"{key} must be true or false.")
    return value


def _cloud_name(name: Any) -> str:
    if not isinstance(name, str) or not _CLOUD_NAME.match(name):
        raise MigrationFailure("CloudName must be 2-20 characters: letters, digits, Chinese, '_' or '-'.")
    return name


def _cloud_type(value: Any) -> str:
    for cloud_type in CLOUD_TYPES:
        if isinstance(value, str) and value.lower() == cloud_type.lower():
            return cloud_type
    raise MigrationFailure(f"CloudType must be one of {', '.join(CLOUD_TYPES)}.")


_CLOUD_FIELDS = {"ProjectName": "", "CloudUser": None, "CloudPass": None, "IdentityPort": "5000", "CloudAddr": None,
                 "OwnerId": "", "EnvironmentId": "", "ZoneId": "", "ZoneName": "", "RegionId": "", "RegionName": ""}


def _cloud_fields(body: Mapping[str, Any], defaults: bool) -> dict[str, Any]:
    """The connection fields sent (AddCloudConnection requires user, password and address)."""
    fields: dict[str, Any] = {}
    for key, default in _CLOUD_FIELDS.items():
        value = body.get(key)
        if key == "IdentityPort" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is None:
            if not defaults:
                continue
            if default is None:
                raise MigrationFailure(f"{key} is required.")
            value = default
        if not isinstance(value, str) or (default is None and not value):
            raise MigrationFailure(f"{key} must be a non-empty string." if default is None else
                                   f"{key} must be a string.")
        fields[key] = value
    return fields


def _agent_details(agent: Mapping[str, Any]) -> dict[str, Any]:
    """What adding a Packer host records from its agent (GetPackerHost's host fields)."""
    return {"OsType": agent["os_type"], "OsName": agent["os_name"], "CPU": agent["cpu"], "Sockets": agent["sockets"],
            "Memory": agent["memory"], "Manufacturer": agent["manufacturer"], "HostType": agent["host_type"],
            "CanNotMigrate": agent["can_not_migrate"], "CNMReason": agent["cnm_reason"],
            "VolumeInfos": copy.deepcopy(agent["volumes"]), "VMHostUuid": "", "NetInterfaces": [],
            "Placement": None}


def _vm_details(vm: Mapping[str, Any]) -> dict[str, Any]:
    """An agentless host: a VM of a vSphere platform."""
    details = _agent_details(vm)
    details.update(VMHostUuid=vm["uuid"], HostType="vmware",
                   NetInterfaces=[{"Mac": nic["Mac"], "SubNets": [{"Ip": ip} for ip in nic["Ips"]]}
                                  for nic in vm["nics"]],
                   Placement={k: vm[k] for k in ("datacenter", "cluster", "esxi_host", "vm_group")})
    return details


def _volume_infos(items: Any, host: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The volumes to migrate (all of the host's when none are named), each a host volume."""
    volumes = {v["Path"]: v for v in host["Details"]["VolumeInfos"]}
    if items in (None, []):
        items = [{"VolumeName": path} for path in volumes]
    if not isinstance(items, list):
        raise MigrationFailure("VolumeInfos must be a list.")
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or item.get("VolumeName") not in volumes:
            raise MigrationFailure(f"VolumeInfos[{index}].VolumeName must be a volume of the host: "
                                   + ", ".join(volumes))
        volume = volumes[item["VolumeName"]]
        size = item.get("VolumeSize") or str(max(1, -(-volume["Capacity"] // GIB)))
        try:
            float(size)
        except (TypeError, ValueError):
            raise MigrationFailure(f"VolumeInfos[{index}].VolumeSize must be a number of GB.")
        result.append({"VolumeName": item["VolumeName"], "VolumeType": _opt_str(item, "VolumeType"),
                       "VolumeSize": str(size), "CloudVolumeName": _opt_str(item, "CloudVolumeName"),
                       "PreAlloc": bool(item.get("PreAlloc", False)), "UseType": volume["UseType"]})
    return result


def _net_interfaces(items: Any) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise MigrationFailure("NetInterfaces must be a list.")
    result = []
    for index, nic in enumerate(items):
        if not isinstance(nic, Mapping) or not isinstance(nic.get("NetworkId"), str):
            raise MigrationFailure(f"NetInterfaces[{index}] needs a NetworkId.")
        subnets = nic.get("SubNets") or []
        if not isinstance(subnets, list) or not all(isinstance(s, Mapping) for s in subnets):
            raise MigrationFailure(f"NetInterfaces[{index}].SubNets must be a list of objects.")
        result.append({"NetworkId": nic["NetworkId"], "SecurityGroupId": str(nic.get("SecurityGroupId") or ""),
                       "Mac": str(nic.get("Mac") or ""),
                       "SubNets": [{"SubnetId": str(s.get("SubnetId") or ""), "Ip": str(s.get("Ip") or "")}
                                   for s in subnets]})
    return result


def _node_id(platform: Mapping[str, Any], name: str) -> str:
    return str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, f"vsphere:{platform['ID']}:{name}"))


def _child(nodes: list[dict[str, Any]], platform: Mapping[str, Any], name: str,
           extra: Mapping[str, Any]) -> dict[str, Any]:
    for node in nodes:
        if node["Name"] == name:
            return node
    node = {"ID": _node_id(platform, name), "Name": name, **copy.deepcopy(dict(extra))}
    nodes.append(node)
    return node


def decode_secret(value: Any, encrypted: Any) -> Any:
    """SecretKey as sent, or base64-decoded when IsEncrypted says it is encrypted."""
    if str(encrypted).lower() != "true" or not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise MigrationFailure("SecretKey is not valid base64 although IsEncrypted is True.")


def filtered(rows: Iterable[Mapping[str, Any]], **wanted: Any) -> list[dict[str, Any]]:
    """Rows whose fields equal every wanted value that was given (None or "" means any)."""
    return [dict(row) for row in rows if all(value in (None, "") or row.get(key) == value
                                             for key, value in wanted.items())]


# --- built-in objects and fixture records -----------------------------------------------------------
BUILTIN_ENDPOINT = "5d2f8c1e-7a3b-4c6d-9e0f-1a2b3c4d5e6f"
BUILTIN_NETWORK = "3a90ae79-9b69-4b79-b7b9-5ad5f105bfd5"
BUILTIN_SUBNET = "2d6e3002-410e-4dd2-98cd-04c7f310a4d0"
BUILTIN_SUBNET_2 = "fe7a1873-f41b-4125-9ccf-798dd8a678a3"
BUILTIN_SECURITY_GROUP = "6b1c2d3e-4f50-4a61-8b72-9c0d1e2f3a4b"
BUILTIN_FLAVOR = "7f3e2d1c-0b9a-4876-9543-210fedcba987"
BUILTIN_BIG_FLAVOR = "8a4f3e2d-1c0b-4a98-8765-43210fedcba9"
BUILTIN_LINUX_HOST = "fc76c6c0-2bc7-4b19-b1cc-20f628549197"
BUILTIN_WINDOWS_HOST = "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b"
BUILTIN_OFFLINE_HOST = "1f2a3b4c-5d6e-4f70-8b9c-0d1e2f3a4b5c"
BUILTIN_VCENTER = "2a3b4c5d-6e7f-4081-9c0d-1e2f3a4b5c6d"


def builtin_endpoints() -> list[dict[str, Any]]:
    """One OpenStack-like cloud at 127.0.0.1 that every cloud type reaches (user admin / password)."""
    return [{
        "uuid": BUILTIN_ENDPOINT, "address": "127.0.0.1", "credentials": {"admin": "password"},
        "projects": [{"Name": "cmigrate", "ID": "307f849c-e931-4e4a-a96f-076e05276b9c"},
                     {"Name": "lipf_test", "ID": "ae30f3a2-4f0e-4475-9d55-579c8eaf1249"}],
        "environments": [{"Name": "KVM", "ID": "1", "HypervisorType": "KVM"},
                         {"Name": "VMWARE", "ID": "2", "HypervisorType": "VMWARE"}],
        "zones": [{"Name": "zone-a", "ID": "4c5d6e7f-8091-4a2b-8c3d-4e5f6a7b8c9d", "EnvironmentId": "1"},
                  {"Name": "zone-b", "ID": "5d6e7f80-91a2-4b3c-9d4e-5f6a7b8c9d0e", "EnvironmentId": "2"}],
        "regions": [{"Name": "苏州", "ID": "cn-suzhou1"}, {"Name": "北京", "ID": "cn-beijing1"}],
        "flavors": [{"Name": "2核4G_SERIES_STANDARD", "ID": BUILTIN_FLAVOR, "vCPU": 2, "Ram": 4096, "Disk": 20},
                    {"Name": "64核512G_SERIES_SUPERCOMPUTER", "ID": BUILTIN_BIG_FLAVOR, "vCPU": 64, "Ram": 524288,
                     "Disk": 100}],
        "networks": [{"Name": "my_vpc", "Id": BUILTIN_NETWORK,
                      "Subnets": [{"Cidr": "127.0.10.0/24", "Id": BUILTIN_SUBNET},
                                  {"Cidr": "127.0.11.0/24", "Id": BUILTIN_SUBNET_2}]}],
        "security_groups": [{"Name": "default", "ID": BUILTIN_SECURITY_GROUP}],
        "volume_types": [{"Name": "Capacity", "ID": "1234"}, {"Name": "Performance", "ID": "5678"}],
        "storages": [{"Name": "arstor", "ID": "123423123", "Type": "ARSTOR"},
                     {"Name": "local", "ID": "223423123", "Type": "LOCAL"}],
        "quota": {"CPU": 32, "Memory": 64, "Disk": 2000},
        "servers": ["legacy-web"], "volumes": ["legacy-web-data"], "used_ips": {BUILTIN_NETWORK: ["127.0.10.5"]},
    }]


def builtin_transport_agents() -> list[dict[str, Any]]:
    """A cloud-side Transport agent (127.0.0.2) and two on-premises ones."""
    return [
        {"uuid": "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "address": "127.0.0.2", "storage_id": "123423123",
         "storage_type": "ARSTOR", "max_tasks": 10},
        {"uuid": "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d", "address": "127.0.0.3", "storage_id": "",
         "storage_type": "LOCAL", "max_tasks": 10},
        {"uuid": "7a6b5c4d-3e2f-4a1b-8c0d-9e8f7a6b5c4d", "address": "127.0.0.4", "storage_id": "",
         "storage_type": "LOCAL", "max_tasks": 5},
    ]


def builtin_packer_agents() -> list[dict[str, Any]]:
    """A Linux and a Windows source host with Packer agents, and one whose agent is off line."""
    return [
        {"uuid": BUILTIN_LINUX_HOST, "address": "127.0.0.11", "os_type": "linux",
         "os_name": "CentOS Linux release 7.2.1511 (Core)", "cpu": 4, "sockets": 1, "memory": 8,
         "manufacturer": "QEMU", "host_type": "physical",
         "volumes": [_volume("/dev/vda", "disk", "xfs", 40, "boot"), _volume("/dev/vdb", "lvm", "ext4", 100, "data")]},
        {"uuid": BUILTIN_WINDOWS_HOST, "address": "127.0.0.12", "os_type": "windows",
         "os_name": "Windows Server 2016 Standard", "cpu": 2, "sockets": 1, "memory": 4, "manufacturer": "Dell Inc.",
         "host_type": "physical", "volumes": [_volume("C:", "disk", "other", 60, "root")]},
        {"uuid": BUILTIN_OFFLINE_HOST, "address": "127.0.0.13", "os_type": "linux", "os_name": "Ubuntu 20.04 LTS",
         "offline": True, "volumes": [_volume("/dev/sda", "disk", "ext4", 20, "root")]},
    ]


def builtin_vsphere_endpoints() -> list[dict[str, Any]]:
    """A vCenter with two VMs, one of them in a cluster and a VM folder."""
    return [{
        "uuid": BUILTIN_VCENTER, "address": "127.0.0.21", "is_vcenter": True,
        "username": "administrator@vsphere.local", "password": "password",
        "vms": [
            {"uuid": "4211a3b2-c4d5-4e6f-8a7b-9c0d1e2f3a4b", "name": "vm-app01", "address": "127.0.0.31",
             "datacenter": "DC1", "cluster": "Cluster1", "esxi_host": "esxi-01.example.invalid", "vm_group": "apps",
             "os_type": "linux", "os_name": "CentOS Linux release 7.6", "cpu": 2, "memory": 4,
             "volumes": [_volume("/dev/sda", "disk", "xfs", 50, "root")],
             "nics": [{"Mac": "00:50:56:aa:bb:01", "Ips": ["127.0.0.31"]}]},
            {"uuid": "4211b4c3-d5e6-4f70-9b8c-0d1e2f3a4b5c", "name": "vm-db01", "address": "127.0.0.32",
             "datacenter": "DC1", "cluster": "", "esxi_host": "esxi-02.example.invalid", "vm_group": "",
             "os_type": "linux", "os_name": "Oracle Linux 8", "cpu": 8, "memory": 32,
             "volumes": [_volume("/dev/sda", "disk", "xfs", 80, "root"),
                         _volume("/dev/sdb", "disk", "xfs", 200, "data")],
             "nics": [{"Mac": "00:50:56:aa:bb:02", "Ips": ["127.0.0.32"]}]},
        ],
    }]


def _volume(path: str, kind: str, filesystem: str, gib: int, use: str) -> dict[str, Any]:
    capacity = gib * GIB
    return {"Path": path, "Type": kind, "Filesystem": filesystem, "Capacity": capacity, "UseType": use,
            "FreeSpace": capacity // 2, "FreeSpaceNotEnough": False, "CanNotBeMigrated": False,
            "CanNotBeMigratedReason": ""}


def _fixture_error(kind: str, item: Mapping[str, Any], text: str) -> ValueError:
    return ValueError(f"migration fixtures: {kind} {item['uuid']}: {text}")


def _list_of_dicts(kind: str, item: Mapping[str, Any], key: str, default: list[Any]) -> list[dict[str, Any]]:
    value = item.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _fixture_error(kind, item, f"{key!r} must be a list of mappings")
    return [dict(v) for v in value]


def _address(kind: str, item: Mapping[str, Any]) -> str:
    address = item.get("address")
    if not isinstance(address, str) or not address:
        raise _fixture_error(kind, item, "needs an 'address'")
    return address


def endpoint_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """A cloud the platform can reach, with what its catalogue calls list."""
    kind = "cloud_endpoint"
    credentials = item.get("credentials") or {}
    if not isinstance(credentials, Mapping):
        raise _fixture_error(kind, item, "'credentials' must map users (or access keys) to passwords")
    quota = item.get("quota") or {"CPU": 32, "Memory": 64, "Disk": 2000}
    used_ips = item.get("used_ips") or {}
    return {"uuid": item["uuid"], "address": _address(kind, item),
            "credentials": {str(k): str(v) for k, v in credentials.items()},
            **{key: _list_of_dicts(kind, item, key, []) for key in
               ("projects", "environments", "zones", "regions", "flavors", "networks", "security_groups",
                "volume_types", "storages")},
            "quota": {k: int(quota.get(k, 0)) for k in ("CPU", "Memory", "Disk")},
            "servers": [str(s) for s in item.get("servers") or []],
            "volumes": [str(v) for v in item.get("volumes") or []],
            "used_ips": {str(k): [str(ip) for ip in v] for k, v in used_ips.items()}}


def transport_agent_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """A Transport agent the platform can reach."""
    return {"uuid": item["uuid"], "address": _address("transport_agent", item),
            "storage_id": str(item.get("storage_id", "")), "storage_type": str(item.get("storage_type", "LOCAL")),
            "max_tasks": int(item.get("max_tasks", 10)), "offline": bool(item.get("offline", False))}


def packer_agent_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """A source host with a Packer agent, or (with `uuid` the VM's uuid) a vSphere VM."""
    return {"uuid": item["uuid"], "address": _address("packer_agent", item),
            "os_type": str(item.get("os_type", "linux")), "os_name": str(item.get("os_name", "Linux")),
            "cpu": int(item.get("cpu", 1)), "sockets": int(item.get("sockets", 1)),
            "memory": int(item.get("memory", 1)), "manufacturer": str(item.get("manufacturer", "")),
            "host_type": str(item.get("host_type", "physical")), "offline": bool(item.get("offline", False)),
            "can_not_migrate": bool(item.get("can_not_migrate", False)),
            "cnm_reason": str(item.get("cnm_reason", "")),
            "volumes": _list_of_dicts("packer_agent", item, "volumes", [])}


def vsphere_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """A vSphere platform (vCenter or ESXi) with its VMs."""
    kind = "vsphere_endpoint"
    vms = []
    for vm in _list_of_dicts(kind, item, "vms", []):
        if not isinstance(vm.get("uuid"), str):
            raise _fixture_error(kind, item, "every VM needs a string 'uuid'")
        record = packer_agent_record({**vm, "address": vm.get("address") or "127.0.0.1"})
        record.update(name=str(vm.get("name", vm["uuid"])), datacenter=str(vm.get("datacenter", "Datacenter")),
                      cluster=str(vm.get("cluster") or ""), esxi_host=str(vm.get("esxi_host", "esxi.example.invalid")),
                      vm_group=str(vm.get("vm_group") or ""), nics=_list_of_dicts(kind, vm | {"uuid": item["uuid"]},
                                                                                   "nics", []))
        vms.append(record)
    return {"uuid": item["uuid"], "address": _address(kind, item), "is_vcenter": bool(item.get("is_vcenter", True)),
            "username": str(item.get("username", "administrator@vsphere.local")),
            "password": str(item.get("password", "password")), "vms": vms}
