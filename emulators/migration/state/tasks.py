"""Migration tasks: PrepareTaskWorkload, UpdateTask and DeleteTask, with every check they make."""

from __future__ import annotations

import re
from typing import Any, Mapping

from .base import (
    CLOUD,
    GIB,
    ON_PREMISES,
    SERVER_NAME_CLASH,
    TASK_CREATED,
    TASK_SNAPSHOTTED,
    TASK_WAIT_RECOVERY,
    VOLUME_NAME_CLASH,
    MigrationFailure,
    StateBase,
    existing,
    is_finished,
)
from .values import bool_field, format_time, int_field, optional_str, parse_time, required_str

#: VolumeSize: "string // GB", a plain decimal number (so never NaN, infinite or in exponent form)
_VOLUME_SIZE = re.compile(r"^\d{1,9}(\.\d{1,6})?$")
MAX_VOLUME_GB = 1024 * 1024
#: UpdateTask fields locked within 60 s of the start time (the document's MaxSnapNum is stored as MaxSnapNum).
SCHEDULE_FIELDS = ("IntervalMinutes", "StartTime", "MaxSnapNum")
#: UpdateTask fields locked once recovery was reached ("(ActionState=1007)不允许修改FlavorId、NetworkId...").
TARGET_FIELDS = ("FlavorId", "NetworkId", "SubnetId", "SecurityGroupId", "CPU", "Sockets", "Memory", "NetInterfaces")


class TaskMixin(StateBase):
    """Tasks created, updated and deleted; the target, Transport and name-clash checks."""

    def prepare_task(self, body: Mapping[str, Any]) -> str:
        """PrepareTaskWorkload: check everything, take a credit, create the task."""
        config = self._task_config(body)
        if any(t["Config"]["Name"] == config["Name"] for t in self.tasks.values()):
            raise MigrationFailure(f"Task name {config['Name']!r} already exists.")
        host = self.host(config["HostId"])
        self._check_host_can_migrate(host)
        self._check_transports(config)
        self.check_task_target(config)
        config["VolumeInfos"] = _volume_infos(body.get("VolumeInfos"), host)
        self.take_credit()
        self.refuse_clashes(config, exclude=None, check_volumes=True)
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
        self.record_event(self.tasks[task_id], now, TASK_CREATED, "Task created.")
        return task_id

    def _task_config(self, body: Mapping[str, Any]) -> dict[str, Any]:
        max_snaps = body.get("MaxSnapsNum", body.get("MaxSnapNum", 3))
        config = {
            "Name": required_str(body, "Name"), "Priority": int_field(body, "Priority", 0),
            "HostId": required_str(body, "HostId"), "CloudId": required_str(body, "CloudId"),
            "SrcTransId": optional_str(body, "SrcTransId"), "TargetTransId": required_str(body, "TargetTransId"),
            "StorageId": optional_str(body, "StorageId"),
            "IntervalMinutes": int_field(body, "IntervalMinutes", 60, minimum=1),
            "MaxSnapNum": int_field({"MaxSnapNum": max_snaps}, "MaxSnapNum", 3, minimum=1),
            "StartTime": optional_str(body, "StartTime"), "IsCompressed": bool_field(body, "IsCompressed"),
            "QosLimit": int_field(body, "QosLimit", 0, minimum=0), "FlavorId": optional_str(body, "FlavorId"),
            "NetworkId": required_str(body, "NetworkId"), "SubnetId": required_str(body, "SubnetId"),
            "RouteId": optional_str(body, "RouteId"), "SecurityGroupId": optional_str(body, "SecurityGroupId"),
            "AggregateId": optional_str(body, "AggregateId"), "CPU": int_field(body, "CPU", 0, minimum=0),
            "Sockets": int_field(body, "Sockets", 0, minimum=0), "Memory": int_field(body, "Memory", 0, minimum=0),
            "BandWidth": int_field(body, "BandWidth", 0, minimum=0),
            "TargetServerName": optional_str(body, "TargetServerName"),
            "NetInterfaces": net_interfaces(body.get("NetInterfaces")),
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

    def check_task_target(self, config: Mapping[str, Any]) -> None:
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

    def refuse_clashes(self, config: Mapping[str, Any], exclude: str | None, check_volumes: bool) -> None:
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
        changes = self.task_changes(body, config)
        self._check_update_rules(task, changes)
        merged = {**config, **changes}
        if "Name" in changes and any(t["Config"]["Name"] == changes["Name"] for t in self.tasks.values()):
            raise MigrationFailure(f"Task name {changes['Name']!r} already exists.")
        if any(key in changes for key in ("FlavorId", "NetworkId", "SubnetId", "SecurityGroupId", "NetInterfaces",
                                          "CPU", "Memory")):
            self.check_task_target(merged)
        if "TargetServerName" in changes:
            self.refuse_clashes(merged, exclude=task["Id"], check_volumes=False)
        config.update(changes)
        self._reschedule(task, changes)
        task["UpdatedTime"] = self.now()
        return task["Id"]

    def task_changes(self, body: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
        """The task fields a body sets to a value other than their current one, checked and normalised."""
        given = dict(body)
        if "MaxSnapsNum" in given and "MaxSnapNum" not in given:
            given["MaxSnapNum"] = given["MaxSnapsNum"]
        parsed: dict[str, Any] = {}
        for key in ("Name", "FlavorId", "NetworkId", "SubnetId", "RouteId", "SecurityGroupId", "AggregateId",
                    "TargetServerName"):
            if given.get(key) is not None:
                parsed[key] = required_str(given, key) if key == "Name" else optional_str(given, key)
        for key, minimum in (("IntervalMinutes", 1), ("MaxSnapNum", 1), ("CPU", 0), ("Sockets", 0), ("Memory", 0),
                             ("BandWidth", 0), ("Priority", None)):
            if given.get(key) is not None:
                parsed[key] = int_field(given, key, 0, minimum=minimum)
        if given.get("StartTime") not in (None, ""):
            parsed["StartTime"] = format_time(parse_time(given["StartTime"], "StartTime"))
        if given.get("NetInterfaces") is not None:
            parsed["NetInterfaces"] = net_interfaces(given["NetInterfaces"])
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
        if is_finished(task):
            # "当任务已完成迁移(迁移成功,云端存在恢复虚拟机),删除任务可用迁移次数不变"
            self.spent_credits += 1
        del self.tasks[task["Id"]]

    def task(self, task_id: Any) -> dict[str, Any]:
        """A task by Id, else a failure."""
        return existing(self.tasks, task_id, "Task")


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
        if not _VOLUME_SIZE.match(str(size)) or not 0 < float(size) <= MAX_VOLUME_GB:
            raise MigrationFailure(f"VolumeInfos[{index}].VolumeSize must be a number of GB, more than 0 and at "
                                   f"most {MAX_VOLUME_GB}.")
        result.append({"VolumeName": item["VolumeName"], "VolumeType": optional_str(item, "VolumeType"),
                       "VolumeSize": str(size), "CloudVolumeName": optional_str(item, "CloudVolumeName"),
                       "PreAlloc": bool(item.get("PreAlloc", False)), "UseType": volume["UseType"]})
    return result


def net_interfaces(items: Any) -> list[dict[str, Any]]:
    """NetInterfaces as sent (a list of NetworkId, SecurityGroupId, Mac and SubNets), checked and normalised."""
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
