"""The VSD VM-snapshot model and the rules its document states.

Everything here is plain data (dicts of JSON-able records) plus the rules of the nine
operations. The snapshots of one VM form a tree whose root is the empty name ""; the VM's
current state is the pseudo node "head", a child of the snapshot the VM currently runs from
(`vsd-vm-snapshot-api.md`, the tree example: `"Parents": {"head": "origin", "origin": ""}`).
Operation failures raise `VsdFailure`; the HTTP layer turns them into an Output with a
non-zero `scode`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Mapping

from ..common.model import PlatformModel, merge_records

STATE_FORMAT = 1
ROOT = ""
HEAD = "head"
RUNNING = "running"
STOPPED = "stopped"
POWER_STATES = (RUNNING, STOPPED)
#: "创建虚拟机快照要求磁盘只有内置存储磁盘或共享存储磁盘": only these disks can be snapshotted.
SNAPSHOT_STORAGES = ("builtin", "shared")
STORAGES = SNAPSHOT_STORAGES + ("external",)

BUILTIN_CLUSTER = "650ea11b-b7fb-4269-8232-aa53865aab3b"
BUILTIN_TENANT = "a5badacf-a25c-4171-9aff-b619fc2d300a"
BUILTIN_RUNNING_VM = "b6b0e5b9-dacd-432b-9b83-c3e89799009d"
BUILTIN_STOPPED_VM = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


@dataclass(frozen=True)
class ErrorCode:
    """One failure the platform reports: its scode and its English and Chinese messages."""

    scode: int
    message: str
    message_cn: str


#: not in the document, which lists no code for a fault of the server itself
INTERNAL_ERROR = ErrorCode(10000, "internal error", "内部错误")
INVALID_PARAMETER = ErrorCode(10001, "invalid parameter", "参数错误")
API_NOT_FOUND = ErrorCode(10004, "no such API", "接口不存在")
METHOD_NOT_ALLOWED = ErrorCode(10005, "method not allowed", "请求方法不允许")
CLUSTER_NOT_FOUND = ErrorCode(20001, "cluster not found", "集群不存在")
TENANT_NOT_FOUND = ErrorCode(20002, "tenant not found", "租户不存在")
COMPUTE_NOT_FOUND = ErrorCode(20003, "virtual machine not found", "虚拟机不存在")
SNAPSHOT_NOT_FOUND = ErrorCode(20004, "virtual machine snapshot not found", "虚拟机快照不存在")
SNAPSHOT_EXISTS = ErrorCode(20005, "virtual machine snapshot already exists", "虚拟机快照已存在")
SNAPSHOT_HAS_CHILDREN = ErrorCode(20006, "cannot delete a snapshot that has more than one child",
                                  "快照存在多个子快照，不能删除")
COMPUTE_NOT_RUNNING = ErrorCode(20007, "the virtual machine is not running", "虚拟机未处于运行状态")
COMPUTE_NOT_STOPPED = ErrorCode(20008, "the virtual machine is not shut down", "虚拟机未处于关机状态")
SNAPSHOT_NOT_READY = ErrorCode(20009, "the snapshot is not usable until its memory data is saved",
                               "快照内存数据保存完成前不可用")
MEMORY_SPACE_DISABLED = ErrorCode(20010, "the tenant has no memory snapshot space", "租户未开启内存快照空间")
UNSUPPORTED_DISK = ErrorCode(20011, "only built-in or shared storage disks can be snapshotted",
                             "仅支持内置存储磁盘或共享存储磁盘创建快照")
VOLUME_NOT_FOUND = ErrorCode(20012, "the volume is not a disk of the virtual machine", "虚拟机磁盘不存在")
DISK_SNAPSHOT_NOT_FOUND = ErrorCode(20013, "volume snapshot not found", "磁盘快照不存在")


class VsdFailure(Exception):
    """An operation the platform refuses; `desc` says what exactly."""

    def __init__(self, code: ErrorCode, desc: str):
        super().__init__(f"{code.message}: {desc}")
        self.code = code
        self.desc = desc

    def output(self) -> dict[str, Any]:
        """The Output envelope of this failure."""
        return output(None, self.code, self.desc)


def output(data: Any, code: ErrorCode | None = None, desc: str = "") -> dict[str, Any]:
    """The Output envelope every VSD answer uses (scode 0 with "success" when `code` is None)."""
    if code is None:
        return {"scode": 0, "desc": "", "message": "success", "message_cn": "成功", "stack": None, "data": data}
    return {"scode": code.scode, "desc": desc, "message": code.message, "message_cn": code.message_cn,
            "stack": [f"vsd-emulator: {code.message}"], "data": data}


def invalid(desc: str) -> VsdFailure:
    """A request parameter that is missing or malformed."""
    return VsdFailure(INVALID_PARAMETER, desc)


@dataclass(frozen=True)
class Scope:
    """ComputeIdentifier: the VM an operation is about, within a cluster and optionally a tenant."""

    cluster_uuid: str = ""
    tenant: str = ""
    compute_uuid: str = ""
    compute_name: str = ""


@dataclass(frozen=True)
class Settings:
    """What the emulator's options decide about the model."""

    #: emulated seconds a memory snapshot takes to save and upload its memory data
    memory_save_seconds: float = 3.0


class VsdState(PlatformModel[Settings]):
    """The whole model: clusters, tenants, VMs with their disks, and each VM's snapshot tree."""

    platform = "vsd"
    persisted = ("clusters", "tenants", "vms", "snapshots", "sequence")
    state_format = STATE_FORMAT

    clusters: dict[str, dict[str, Any]]
    tenants: dict[str, dict[str, Any]]
    vms: dict[str, dict[str, Any]]
    #: the snapshots of each VM, by VM uuid then snapshot uuid
    snapshots: dict[str, dict[str, dict[str, Any]]]
    sequence: int

    # --- built-ins, fixtures, persistence -----------------------------------------------------
    def load(self, fixtures: Mapping[str, Any]) -> None:
        """Replace everything with the built-in objects, overridden or extended by fixtures."""
        self.clusters = merge_records("vsd", builtin_clusters(), fixtures.get("clusters"), "clusters",
                                      _cluster_record)
        self.tenants = merge_records("vsd", builtin_tenants(), fixtures.get("tenants"), "tenants", _tenant_record)
        self.vms = merge_records("vsd", builtin_vms(), fixtures.get("vms"), "vms", _vm_record)
        for vm in self.vms.values():
            self._check_vm_references(vm)
        self.snapshots = {uuid: {} for uuid in self.vms}
        self.sequence = 0

    def _check_vm_references(self, vm: Mapping[str, Any]) -> None:
        if vm["cluster_uuid"] not in self.clusters:
            raise ValueError(f"vsd fixtures: vm {vm['uuid']} names unknown cluster {vm['cluster_uuid']}")
        if vm["tenant"] and vm["tenant"] not in self.tenants:
            raise ValueError(f"vsd fixtures: vm {vm['uuid']} names unknown tenant {vm['tenant']}")

    # --- finding the VM -------------------------------------------------------------------
    def compute(self, scope: Scope) -> dict[str, Any]:
        """The VM a ComputeIdentifier names; raises VsdFailure when any part of it does not exist."""
        if not scope.cluster_uuid:
            raise invalid("cluster_uuid is required")
        if scope.cluster_uuid not in self.clusters:
            raise VsdFailure(CLUSTER_NOT_FOUND, f"cluster {scope.cluster_uuid} does not exist")
        # "tenant ... 为空时，不做检查": an empty tenant is not checked.
        if scope.tenant and scope.tenant not in self.tenants:
            raise VsdFailure(TENANT_NOT_FOUND, f"tenant {scope.tenant} does not exist")
        if scope.compute_uuid:
            return self._compute_by_uuid(scope)
        if scope.compute_name:
            return self._compute_by_name(scope)
        raise invalid("compute_uuid is required")

    def _in_scope(self, vm: Mapping[str, Any], scope: Scope) -> bool:
        return vm["cluster_uuid"] == scope.cluster_uuid and (not scope.tenant or vm["tenant"] == scope.tenant)

    def _compute_by_uuid(self, scope: Scope) -> dict[str, Any]:
        vm = self.vms.get(scope.compute_uuid)
        if vm is None or not self._in_scope(vm, scope):
            raise VsdFailure(COMPUTE_NOT_FOUND, f"virtual machine {scope.compute_uuid} does not exist in cluster "
                                                f"{scope.cluster_uuid}" + _tenant_text(scope))
        return vm

    def _compute_by_name(self, scope: Scope) -> dict[str, Any]:
        found = [vm for vm in self.vms.values() if vm["name"] == scope.compute_name and self._in_scope(vm, scope)]
        if not found:
            raise VsdFailure(COMPUTE_NOT_FOUND, f"no virtual machine named {scope.compute_name!r} in cluster "
                                                f"{scope.cluster_uuid}" + _tenant_text(scope))
        if len(found) > 1:
            raise invalid(f"{len(found)} virtual machines are named {scope.compute_name!r}; give compute_uuid")
        return found[0]

    def _snapshot(self, vm: Mapping[str, Any], name: str) -> dict[str, Any]:
        record = self.snapshots[vm["uuid"]].get(name)
        if record is None:
            raise VsdFailure(SNAPSHOT_NOT_FOUND, f"virtual machine {vm['uuid']} has no snapshot named {name!r}")
        return record

    # --- reads ----------------------------------------------------------------------------
    def list_snapshots(self, scope: Scope, filter_name: str, page_number: int, page_size: int) -> dict[str, Any]:
        """One page of the VM's snapshots whose name contains `filter_name`, oldest first.

        The document does not say how pages count; like most such services, page numbers start
        at 1 (0 counts as 1) and a page size of 0 means everything (the document's own example
        sends `page_num=0&page_size=0`).
        """
        vm = self.compute(scope)
        matching = [r for r in self._ordered(vm) if filter_name in r["name"]]
        page = matching
        if page_size > 0:
            start = (max(page_number, 1) - 1) * page_size
            page = matching[start:start + page_size]
        return {"list": [self.snapshot_response(vm, r) for r in page], "total_count": len(matching)}

    def get_snapshot(self, scope: Scope, name: str) -> dict[str, Any]:
        """GetVsdSnapshotResponse of the VM's snapshot `name`."""
        vm = self.compute(scope)
        return self.snapshot_response(vm, self._snapshot(vm, _required_name(name)))

    def head_snapshot(self, scope: Scope) -> dict[str, Any]:
        """GetVsdSnapshotResponse of the snapshot the VM currently runs from."""
        vm = self.compute(scope)
        if not vm["head"]:
            raise VsdFailure(SNAPSHOT_NOT_FOUND, f"virtual machine {vm['uuid']} has no snapshot yet")
        return self.snapshot_response(vm, self._snapshot(vm, vm["head"]))

    def tree(self, scope: Scope) -> dict[str, Any]:
        """VirtualMachineSnapshotTree: parents by name, children of every node that has some."""
        vm = self.compute(scope)
        parents = {record["name"]: record["parent"] for record in self._ordered(vm)}
        parents[HEAD] = vm["head"] or ROOT
        children: dict[str, dict[str, list[str]]] = {}
        for name, parent in parents.items():
            children.setdefault(parent, {"Children": []})["Children"].append(name)
        return {"UUID": vm["uuid"], "Parents": parents, "Children": children}

    def _ordered(self, vm: Mapping[str, Any]) -> list[dict[str, Any]]:
        return sorted(self.snapshots[vm["uuid"]].values(), key=lambda record: record["seq"])

    def _children(self, vm: Mapping[str, Any], name: str) -> list[str]:
        # The VM's current state ("head") is a child like any snapshot: the tree shows it as one, and
        # deleting a snapshot merges its data into each child, which is why more than one is refused.
        names = [r["name"] for r in self._ordered(vm) if r["parent"] == name]
        return names + ([HEAD] if vm["head"] == name else [])

    # --- writes ---------------------------------------------------------------------------
    def create_snapshot(self, scope: Scope, name: str, description: str, domain_memory: bool) -> None:
        """A new snapshot: a child of the head, and then the head itself."""
        vm = self.compute(scope)
        name = _required_name(name)
        if name == HEAD:
            raise invalid(f"{HEAD!r} is reserved: the snapshot tree uses it for the VM's current state")
        if name in self.snapshots[vm["uuid"]]:
            raise VsdFailure(SNAPSHOT_EXISTS, f"virtual machine {vm['uuid']} already has a snapshot named {name!r}")
        self._check_disks(vm)
        if domain_memory:
            self._check_memory_snapshot(vm)
        now = self.now()
        self.sequence = self.ids.next_number(self.sequence, self._sequences_in_use())
        self.snapshots[vm["uuid"]][name] = {
            "uuid": self.new_uuid(), "name": name, "description": description, "ctime": int(now),
            "seq": self.sequence, "parent": vm["head"] or ROOT, "memory": bool(domain_memory),
            "memory_ready_at": now + self.settings.memory_save_seconds if domain_memory else None,
            "config": _config(vm),
            "disks": [{"VolumeUuid": d["volume_uuid"], "SnapshotUuid": self.new_uuid(), "DiskDrive": d["drive"],
                       "content": d["content"]} for d in vm["disks"]],
        }
        vm["head"] = name

    def new_uuid(self) -> str:
        """A uuid4 with dashes, as VSD writes snapshot uuids (from the emulator's `ids`)."""
        return str(self.ids.uuid4())

    def _sequences_in_use(self) -> set[int]:
        """The creation numbers of the snapshots there are."""
        return {record["seq"] for snapshots in self.snapshots.values() for record in snapshots.values()}

    def _check_disks(self, vm: Mapping[str, Any]) -> None:
        other = [d["drive"] for d in vm["disks"] if d["storage"] not in SNAPSHOT_STORAGES]
        if other:
            raise VsdFailure(UNSUPPORTED_DISK, f"virtual machine {vm['uuid']} has disks on other storage: "
                                               + ", ".join(other))

    def _check_memory_snapshot(self, vm: Mapping[str, Any]) -> None:
        if vm["power_state"] != RUNNING:
            raise VsdFailure(COMPUTE_NOT_RUNNING, f"a memory snapshot needs a running virtual machine; "
                                                  f"{vm['uuid']} is {vm['power_state']}")
        tenant = self.tenants.get(vm["tenant"])
        if tenant is not None and not tenant["memory_snapshot"]:
            raise VsdFailure(MEMORY_SPACE_DISABLED, f"tenant {tenant['uuid']} has not enabled memory snapshot space")

    def modify_snapshot(self, scope: Scope, name: str, description: str) -> None:
        """Set a snapshot's description."""
        vm = self.compute(scope)
        self._snapshot(vm, _required_name(name))["description"] = description

    def rollback(self, scope: Scope, name: str, domain_memory: bool) -> dict[str, Any]:
        """Bring the VM back to a snapshot: its disks, its configuration and its head.

        With `domain_memory` and a snapshot that has memory, the VM comes back running in its saved
        state; otherwise it is left shut down, as the disks hold no running state. Asking for memory
        on a snapshot without any is not an error: the document says only that snapshots *with*
        memory bring the VM up.
        """
        vm = self.compute(scope)
        record = self._snapshot(vm, _required_name(name))
        self._check_ready(vm, record)
        for disk in record["disks"]:
            self._write_volume(vm, disk["VolumeUuid"], disk["content"])
        vm.update(copy.deepcopy(record["config"]))
        vm["power_state"] = RUNNING if domain_memory and record["memory"] else STOPPED
        vm["head"] = record["name"]
        return self.snapshot_response(vm, record)

    def rollback_volumes(self, scope: Scope,
                         items: list[dict[str, Any]]) -> list[tuple[dict[str, Any], VsdFailure | None]]:
        """Roll single disks back to volume snapshots; the VM must be shut down.

        Returns each item with its failure (None when it succeeded). Only disk data changes:
        neither the configuration nor the head moves.
        """
        vm = self.compute(scope)
        if vm["power_state"] != STOPPED:
            raise VsdFailure(COMPUTE_NOT_STOPPED, f"shut virtual machine {vm['uuid']} down before rolling its "
                                                  f"volumes back")
        return [(item, self._rollback_volume(vm, item)) for item in items]

    def _rollback_volume(self, vm: dict[str, Any], item: Mapping[str, Any]) -> VsdFailure | None:
        try:
            volume: str = item["VolumeUuid"]  # both checked by the API: present, non-empty strings
            snapshot: str = item["SnapshotUuid"]
            if not any(d["volume_uuid"] == volume for d in vm["disks"]):
                raise VsdFailure(VOLUME_NOT_FOUND, f"volume {volume} is not a disk of virtual machine {vm['uuid']}")
            record, disk = self._disk_snapshot(vm, volume, snapshot)
            self._check_ready(vm, record)
            self._write_volume(vm, volume, disk["content"])
        except VsdFailure as failure:
            return failure
        return None

    def _disk_snapshot(self, vm: Mapping[str, Any], volume: str,
                       snapshot: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for record in self.snapshots[vm["uuid"]].values():
            for disk in record["disks"]:
                if disk["VolumeUuid"] == volume and disk["SnapshotUuid"] == snapshot:
                    return record, disk
        raise VsdFailure(DISK_SNAPSHOT_NOT_FOUND, f"volume {volume} has no snapshot {snapshot}")

    def delete_snapshot(self, scope: Scope, name: str) -> None:
        """Delete a snapshot with at most one child; that child takes its place under the parent."""
        vm = self.compute(scope)
        record = self._snapshot(vm, _required_name(name))
        self._check_ready(vm, record)
        children = self._children(vm, record["name"])
        if len(children) > 1:
            raise VsdFailure(SNAPSHOT_HAS_CHILDREN, f"snapshot {record['name']!r} has {len(children)} children: "
                                                    + ", ".join(children))
        for child in children:
            self._reparent(vm, child, record["parent"])
        del self.snapshots[vm["uuid"]][record["name"]]

    def _reparent(self, vm: dict[str, Any], child: str, parent: str) -> None:
        if child == HEAD:
            vm["head"] = parent or None
        else:
            self.snapshots[vm["uuid"]][child]["parent"] = parent

    def _check_ready(self, vm: Mapping[str, Any], record: Mapping[str, Any]) -> None:
        if self.memory_status(record) == "saving":
            raise VsdFailure(SNAPSHOT_NOT_READY, f"snapshot {record['name']!r} of virtual machine {vm['uuid']} is "
                                                 f"still saving its memory data ({self.memory_progress(record)}%)")

    def _write_volume(self, vm: dict[str, Any], volume: str, content: str) -> None:
        for disk in vm["disks"]:
            if disk["volume_uuid"] == volume:
                disk["content"] = content

    # --- what tests and fixtures do to VMs outside this API -----------------------------------
    def write_disk(self, vm_uuid: str, volume_uuid: str, content: str) -> None:
        """What a guest writing to one of its disks does: the disk's content changes."""
        self._write_volume(self.vms[vm_uuid], volume_uuid, content)

    def set_power_state(self, vm_uuid: str, power_state: str) -> None:
        """Start or shut down a VM (the compute API does this on a real platform)."""
        if power_state not in POWER_STATES:
            raise ValueError(f"power_state must be one of {', '.join(POWER_STATES)}")
        self.vms[vm_uuid]["power_state"] = power_state

    # --- shapes ---------------------------------------------------------------------------
    def memory_status(self, record: Mapping[str, Any]) -> str:
        """"" for a disk-only snapshot, else "saving" until the memory data is saved, then "ready"."""
        if not record["memory"]:
            return ""
        return "ready" if self.now() >= record["memory_ready_at"] else "saving"

    def memory_progress(self, record: Mapping[str, Any]) -> int:
        """Percentage of the memory data saved so far."""
        if not record["memory"] or self.settings.memory_save_seconds <= 0:
            return 100
        left = max(record["memory_ready_at"] - self.now(), 0.0)
        return int(100 * (1 - left / self.settings.memory_save_seconds))

    def snapshot_response(self, vm: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
        """GetVsdSnapshotResponse of one snapshot."""
        tenant = self.tenants.get(vm["tenant"]) or {}
        return {
            "tenant": vm["tenant"], "tenant_name": tenant.get("name", ""), "namespace": tenant.get("namespace", ""),
            "uuid": record["uuid"], "compute_uuid": vm["uuid"], "name": record["name"],
            "description": record["description"], "ctime": record["ctime"],
            "vm_detail": copy.deepcopy(record["config"]), "screenshot_url": "", "screenshot_url_ssl": "",
            "domain_remote_url": "",
            "disk_snapshot_list": [{k: d[k] for k in ("VolumeUuid", "SnapshotUuid", "DiskDrive")}
                                   for d in record["disks"]],
            "attr": self._attr(record),
        }

    def _attr(self, record: Mapping[str, Any]) -> dict[str, str] | None:
        # The document gives no field for a memory snapshot's save progress; "attr" (其他属性, other
        # attributes) carries it. Disk-only snapshots keep attr null, as in the document's examples.
        if not record["memory"]:
            return None
        return {"domain_memory": "true", "memory_status": self.memory_status(record),
                "memory_progress": str(self.memory_progress(record))}




def _required_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise invalid("name is required")
    return name


def _tenant_text(scope: Scope) -> str:
    return f" and tenant {scope.tenant}" if scope.tenant else ""


def _config(vm: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a VM a snapshot records as its configuration (vm_detail)."""
    return {"name": vm["name"], "vcpu": vm["vcpu"], "memory_mb": vm["memory_mb"]}


def builtin_clusters() -> list[dict[str, Any]]:
    return [{"uuid": BUILTIN_CLUSTER, "name": "cluster-1"}]


def builtin_tenants() -> list[dict[str, Any]]:
    return [{"uuid": BUILTIN_TENANT, "name": "default", "memory_snapshot": True}]


def builtin_vms() -> list[dict[str, Any]]:
    """A running VM on built-in storage and a stopped VM on shared storage."""
    return [
        {"uuid": BUILTIN_RUNNING_VM, "name": "test-templ", "cluster_uuid": BUILTIN_CLUSTER, "tenant": BUILTIN_TENANT,
         "power_state": RUNNING, "vcpu": 2, "memory_mb": 4096,
         "disks": [{"volume_uuid": "3e8b046d-99a2-4a28-ba73-01c8af4d85e0", "drive": "sda", "storage": "builtin"},
                   {"volume_uuid": "7c1d9e2f-4b3a-4e5d-8f6a-9b0c1d2e3f4a", "drive": "sdb", "storage": "builtin"}]},
        {"uuid": BUILTIN_STOPPED_VM, "name": "db-01", "cluster_uuid": BUILTIN_CLUSTER, "tenant": BUILTIN_TENANT,
         "power_state": STOPPED, "vcpu": 4, "memory_mb": 8192,
         "disks": [{"volume_uuid": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "drive": "vda", "storage": "shared"}]},
    ]


def _cluster_record(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"uuid": item["uuid"], "name": str(item.get("name", item["uuid"]))}


def _tenant_record(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"uuid": item["uuid"], "name": str(item.get("name", "")), "namespace": str(item.get("namespace", "")),
            "memory_snapshot": bool(item.get("memory_snapshot", True))}


def _vm_record(item: Mapping[str, Any]) -> dict[str, Any]:
    power_state = item.get("power_state", STOPPED)
    if power_state not in POWER_STATES:
        raise ValueError(f"vsd fixtures: vm {item['uuid']}: power_state must be one of {', '.join(POWER_STATES)}")
    if not isinstance(item.get("cluster_uuid"), str):
        raise ValueError(f"vsd fixtures: vm {item['uuid']} needs a 'cluster_uuid'")
    disks = item.get("disks") or []
    if not isinstance(disks, list):
        raise ValueError(f"vsd fixtures: vm {item['uuid']}: 'disks' must be a list")
    return {"uuid": item["uuid"], "name": str(item.get("name", item["uuid"])), "cluster_uuid": item["cluster_uuid"],
            "tenant": str(item.get("tenant") or ""), "power_state": power_state, "vcpu": int(item.get("vcpu", 1)),
            "memory_mb": int(item.get("memory_mb", 1024)), "head": None,
            "disks": [_disk_record(item["uuid"], disk) for disk in disks]}


def _disk_record(vm_uuid: str, disk: Any) -> dict[str, Any]:
    if not isinstance(disk, Mapping) or not isinstance(disk.get("volume_uuid"), str):
        raise ValueError(f"vsd fixtures: every disk of vm {vm_uuid} needs a string 'volume_uuid'")
    storage = disk.get("storage", "builtin")
    if storage not in STORAGES:
        raise ValueError(f"vsd fixtures: disk {disk['volume_uuid']}: storage must be one of {', '.join(STORAGES)}")
    return {"volume_uuid": disk["volume_uuid"], "drive": str(disk.get("drive", "sda")), "storage": storage,
            "content": str(disk.get("content", "initial"))}
