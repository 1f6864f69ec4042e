"""Transport servers: the agents that carry the data, on premises or in a cloud (/MgmtTransportConnection)."""

from __future__ import annotations

from typing import Any, Mapping

from .base import CLOUD, SERV_TYPES, MigrationFailure, StateBase, existing, is_finished
from .values import format_time, required_str


class TransportMixin(StateBase):
    """Transport servers: add, delete, refresh, update, list; the tasks that use each one."""

    def add_transport(self, body: Mapping[str, Any]) -> str:
        """AddTransportServer: contacts the agent at MgntAddr; a Cloud server needs its cloud."""
        serv_type = SERV_TYPES.get(str(body.get("ServType", "")).lower())
        if serv_type is None:
            raise MigrationFailure("ServType must be 'On-Premises' or 'Cloud'.")
        name = required_str(body, "Name")
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
        return existing(self.transports, transport_id, "Transport server")

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
        return [t for t in self.tasks.values() if not is_finished(t)
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
