"""The ZStack model's management nodes, hosts (with their capacity) and the resources tags may name."""

from __future__ import annotations

from typing import Any, Mapping

from ..common.model import merge_records
from .base import CLUSTER_UUID, HOST_UUID, NODE_UUID, VM_UUIDS, ZONE_UUID, Context, ZStackStore, format_date, not_found

CAPACITY_FIELDS = ("totalCpu", "availableCpu", "totalMemory", "availableMemory")


class ManagementStore(ZStackStore):
    """Management nodes, hosts, and the uuids of declared resources by type (for tags to be attached to)."""

    persisted = ("nodes", "hosts", "resources")

    def __init__(self, context: Context):
        super().__init__(context)
        self.nodes: dict[str, dict[str, Any]] = {}
        self.hosts: dict[str, dict[str, Any]] = {}
        self.resources: dict[str, list[str]] = {}

    def load(self, fixtures: Mapping[str, Any]) -> None:
        """The built-in node, host and resources, overridden or extended by the fixtures."""
        now = self.now()
        self.nodes = merge_records("zstack", builtin_nodes(), fixtures.get("management_nodes"), "management_nodes",
                                   lambda item: _node_record(item, now))
        self.hosts = merge_records("zstack", builtin_hosts(), fixtures.get("hosts"), "hosts", _host_record)
        self.resources = _resources(fixtures.get("resources"))

    def node_inventories(self) -> list[dict[str, Any]]:
        """QueryManagementNode rows; the heartbeat is always fresh."""
        heartbeat = format_date(self.now())
        return [{"uuid": node["uuid"], "hostName": node["hostName"], "joinDate": format_date(node["joinedAt"]),
                 "heartBeat": heartbeat} for node in self.nodes.values()]

    def first_node(self) -> str:
        """The uuid of the node that answers when none is named."""
        return next(iter(self.nodes))

    def require_node(self, node_uuid: str) -> None:
        """A failed operation (SYS.1003) unless the management node exists."""
        if node_uuid not in self.nodes:
            raise not_found("ManagementNode", node_uuid)

    def ready_node(self, node_uuid: str | None) -> str:
        """IsReadyToGo: the node's id (the first node when none is named)."""
        if node_uuid is None:
            return self.first_node()
        self.require_node(node_uuid)
        return node_uuid

    def current_time(self) -> dict[str, float]:
        """GetCurrentTime's `currentTime` map."""
        now = self.now()
        return {"MillionSeconds": float(int(now * 1000)), "Seconds": float(int(now))}

    def cpu_memory_capacity(self, zone_uuids: list[str], cluster_uuids: list[str],
                            host_uuids: list[str]) -> dict[str, int]:
        """GetCpuMemoryCapacity: sums over the hosts named, else the clusters, else the zones (as ZStack)."""
        if host_uuids:
            hosts = [host for host in self.hosts.values() if host["uuid"] in host_uuids]
        elif cluster_uuids:
            hosts = [host for host in self.hosts.values() if host["clusterUuid"] in cluster_uuids]
        elif zone_uuids:
            hosts = [host for host in self.hosts.values() if host["zoneUuid"] in zone_uuids]
        else:
            hosts = list(self.hosts.values())
        return {name: sum(host[name] for host in hosts) for name in CAPACITY_FIELDS}


def builtin_nodes() -> list[dict[str, Any]]:
    """The one management node."""
    return [{"uuid": NODE_UUID, "hostName": "127.0.0.1"}]


def builtin_hosts() -> list[dict[str, Any]]:
    """The one host and its capacity (memory in bytes)."""
    return [{"uuid": HOST_UUID, "zoneUuid": ZONE_UUID, "clusterUuid": CLUSTER_UUID, "totalCpu": 32,
             "availableCpu": 24, "totalMemory": 68719476736, "availableMemory": 34359738368}]


def builtin_resources() -> dict[str, list[str]]:
    """Resources that exist for tags to be attached to."""
    return {"ManagementNodeVO": [NODE_UUID], "VmInstanceVO": list(VM_UUIDS), "HostVO": [HOST_UUID]}


def _resources(fixture_resources: Any) -> dict[str, list[str]]:
    resources = builtin_resources()
    if fixture_resources is None:
        return resources
    if not isinstance(fixture_resources, Mapping):
        raise ValueError("zstack fixtures: 'resources' must map a resource type to a list of uuids")
    for resource_type, uuids in fixture_resources.items():
        if not isinstance(uuids, list) or not all(isinstance(uuid, str) for uuid in uuids):
            raise ValueError(f"zstack fixtures: resources[{resource_type!r}] must be a list of uuids")
        known = resources.setdefault(str(resource_type), [])
        known.extend(uuid for uuid in uuids if uuid not in known)
    return resources


def _node_record(item: Mapping[str, Any], now: float) -> dict[str, Any]:
    return {"uuid": item["uuid"], "hostName": str(item.get("hostName", "127.0.0.1")),
            "joinedAt": float(item.get("joinedAt", now))}


def _host_record(item: Mapping[str, Any]) -> dict[str, Any]:
    record = {"uuid": item["uuid"], "zoneUuid": item.get("zoneUuid"), "clusterUuid": item.get("clusterUuid")}
    for name in CAPACITY_FIELDS:
        value = item.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"zstack fixtures: host {item['uuid']}: {name} must be an integer")
        record[name] = value
    return record
