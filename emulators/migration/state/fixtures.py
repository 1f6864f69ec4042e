"""The objects the API reads but cannot create: built-ins, and the records fixtures are turned into.

The clouds the platform can reach (`cloud_endpoints`, with their projects, flavors, networks, ...),
the Transport agents (`transport_agents`), the Packer agents installed on source hosts
(`packer_agents`) and the vSphere platforms with their VMs (`vsphere_endpoints`). Fixtures are merged
over the built-ins by uuid (`common.model.merge_records`) and each item becomes a record here.
"""

from __future__ import annotations

from typing import Any, Mapping

from .base import GIB

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
