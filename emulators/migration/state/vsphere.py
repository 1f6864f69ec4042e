"""vSphere platforms: a vCenter or ESXi whose VMs become agentless source hosts (AddVSPlatform, ListVSHosts)."""

from __future__ import annotations

import copy
import uuid as uuid_module
from typing import Any, Mapping

from .base import MigrationFailure, StateBase, existing
from .hosts import agent_details
from .values import format_time, required_str


class VSphereMixin(StateBase):
    """vSphere platforms: add, refresh, update, verify, delete; their VMs and their inventory tree."""

    def vsphere_at(self, ip: Any) -> dict[str, Any] | None:
        """The reachable vSphere platform (vCenter or ESXi) at an address, or None."""
        return next((e for e in self.vsphere_endpoints.values() if e["address"] == ip), None)

    def _vsphere_login(self, ip: Any, username: Any, password: Any) -> dict[str, Any]:
        endpoint = self.vsphere_at(ip)
        if endpoint is None:
            raise MigrationFailure(f"Cannot connect to vSphere platform {ip!r}.")
        if username != endpoint["username"] or password != endpoint["password"]:
            raise MigrationFailure(f"Login to vSphere platform {ip} failed: wrong UserName or Passwd.")
        return endpoint

    def add_platform(self, body: Mapping[str, Any]) -> int:
        """AddVSPlatform: log in, add its VMs as agentless hosts and return how many (Code 1 on uuid clashes)."""
        name = required_str(body, "Name")
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
        return existing(self.platforms, platform_id, "vSphere platform")

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


def _vm_details(vm: Mapping[str, Any]) -> dict[str, Any]:
    """An agentless host: a VM of a vSphere platform."""
    details = agent_details(vm)
    details.update(VMHostUuid=vm["uuid"], HostType="vmware",
                   NetInterfaces=[{"Mac": nic["Mac"], "SubNets": [{"Ip": ip} for ip in nic["Ips"]]}
                                  for nic in vm["nics"]],
                   Placement={k: vm[k] for k in ("datacenter", "cluster", "esxi_host", "vm_group")})
    return details


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
