"""How tasks are shown: progress and sizes, ListTasks, GetTaskDetail, DisplayTaskHistory, ListSnapshots."""

from __future__ import annotations

import copy
import math
from typing import Any, Mapping

from .base import GIB, TASK_COPYING, StateBase, is_finished
from .values import format_time

INCREMENTAL_SHARE = 0.1


class TaskViewMixin(StateBase):
    """Tasks as the list and detail calls show them, computed at the current emulated time."""

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
        agent_tasks: list[dict[str, Any]] = []
        vs_tasks: dict[str, dict[str, Any]] = {}
        for task in page:
            host = self.hosts.get(task["Config"]["HostId"])
            if host is None or host["Agent"] or host["PlatformId"] not in self.platforms:
                agent_tasks.append(self.task_summary(task))
                continue
            platform = self.platforms[host["PlatformId"]]
            group = vs_tasks.setdefault(platform["ID"], {**self.platform_summary(platform), "Tasks": []})
            group["Tasks"].append(self.task_summary(task))
        done = sum(1 for t in matching if is_finished(t))
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
