"""Source hosts: Packer hosts (a host with the Packer agent) and, read-only here, vSphere VMs (ListHosts)."""

from __future__ import annotations

import copy
from typing import Any, Mapping

from .base import MigrationFailure, StateBase, existing, is_finished
from .values import format_time, required_str


class SourceHostMixin(StateBase):
    """Source hosts: Packer hosts added, refreshed, verified, listed; whether a host answers."""

    def add_packer_host(self, body: Mapping[str, Any]) -> str:
        """AddPackerHost: record what the Packer agent at MgntAddr reports; the ID is the agent's."""
        name = required_str(body, "Name")
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
                               "Details": agent_details(agent)}
        return host_id

    def packer_agent(self, address: Any) -> dict[str, Any]:
        """The Packer agent at an address, else a failure."""
        for agent in self.packer_agents.values():
            if agent["address"] == address:
                return agent
        raise MigrationFailure(f"Cannot connect to the Packer agent at {address!r}.")

    def host(self, host_id: Any) -> dict[str, Any]:
        """A source host (Packer host or vSphere VM) by Id, else a failure."""
        return existing(self.hosts, host_id, "Host")

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
        record["Details"] = agent_details(self.packer_agent(record["MgntAddr"]))

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
        return platform is None or self.vsphere_at(platform["Ip"]) is None

    def host_task(self, host_id: str) -> dict[str, Any] | None:
        """The unfinished task of a host, if any."""
        return next((t for t in self.tasks.values() if t["Config"]["HostId"] == host_id and not is_finished(t)), None)

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


def agent_details(agent: Mapping[str, Any]) -> dict[str, Any]:
    """What adding a Packer host records from its agent (GetPackerHost's host fields)."""
    return {"OsType": agent["os_type"], "OsName": agent["os_name"], "CPU": agent["cpu"], "Sockets": agent["sockets"],
            "Memory": agent["memory"], "Manufacturer": agent["manufacturer"], "HostType": agent["host_type"],
            "CanNotMigrate": agent["can_not_migrate"], "CNMReason": agent["cnm_reason"],
            "VolumeInfos": copy.deepcopy(agent["volumes"]), "VMHostUuid": "", "NetInterfaces": [],
            "Placement": None}
