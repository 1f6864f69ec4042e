"""What is done to a task once it exists: CompleteTask, ContinueTask, CreateInstance, and the checks before one."""

from __future__ import annotations

from typing import Any, Mapping

from .base import TASK_ERROR, TASK_SNAPSHOTTED, TASK_WAIT_RECOVERY, MigrationFailure, StateBase, is_finished
from .tasks import SCHEDULE_FIELDS, net_interfaces


class TaskActionMixin(StateBase):
    """Complete, continue and recover tasks; GetInstance and CheckTargetHostInfoExisting."""

    def complete_task(self, task_id: Any) -> None:
        """Start the final sync; needs the first full copy done (SnapTimes >= 2 or progress 100%)."""
        task = self.task(task_id)
        if is_finished(task):
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
        self.record_event(task, now, task["ActionState"], "Final data synchronisation requested.")
        if task["ActionState"] == TASK_SNAPSHOTTED:
            self.start_copy(task, now)

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
            self.start_recovery(task, now)
        else:
            self.start_copy(task, now)

    def create_instance(self, body: Mapping[str, Any]) -> str:
        """(Re)create the cloud instance of a task waiting for recovery, or whose recovery failed."""
        task = self.task(body.get("Id"))
        if not (task["ReachedRecovery"] and task["ActionState"] in (TASK_WAIT_RECOVERY, TASK_ERROR)):
            raise MigrationFailure(f"Task {task['Id']} is not waiting for recovery (ActionState "
                                   f"{task['ActionState']}).")
        given = dict(body)
        if "Bandwidth" in given and "BandWidth" not in given:
            given["BandWidth"] = given["Bandwidth"]
        changes = self.task_changes({k: v for k, v in given.items() if k != "Name"}, task["Config"])
        merged = {**task["Config"], **changes}
        self.check_task_target(merged)
        self.refuse_clashes(merged, exclude=task["Id"], check_volumes=False)
        task["Config"].update({k: v for k, v in changes.items() if k not in SCHEDULE_FIELDS})
        self.start_recovery(task, self.now())
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
        for nic in net_interfaces(body.get("NetInterfaces")):
            taken = [s["Ip"] for s in nic["SubNets"] if s["Ip"] and s["Ip"] in used_ips.get(nic["NetworkId"], ())]
            if taken:
                ip_existed.append({"NetworkId": nic["NetworkId"], "Ips": taken})
        return {"TaskNameExisted": task_name if any(t["Config"]["Name"] == task_name for t in self.tasks.values())
                else "",
                "ServerNameExisted": server_name if server_name in self.server_names(cloud_id, None) else "",
                "VolumeNameExisted": [v for v in volume_names if v in used_volumes], "IpExisted": ip_existed}
