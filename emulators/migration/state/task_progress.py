"""How tasks progress over emulated time.

ActionState 1000 until the start time, then one copy per interval (1001 while it runs, 1002 after
it; `SnapTimes` counts the copies started, 1 being the first full copy), and after `CompleteTask` a
final sync (`LastSync` 1, then 2), v2v (1006), waiting for recovery (1007), recovery (1008) and
completion (1009). Each step lasts `task_seconds`; `tick` catches every task up with the clock.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any, Mapping

from .base import (
    TASK_COMPLETED,
    TASK_COPYING,
    TASK_CREATED,
    TASK_ERROR,
    TASK_IN_RECOVERY,
    TASK_SNAPSHOTTED,
    TASK_SUCCESS,
    TASK_V2V,
    TASK_WAIT_RECOVERY,
    StateBase,
)
from .values import format_time

MAX_HISTORY = 1000


class TaskProgressMixin(StateBase):
    """Tasks moved forward step by step to the current emulated time, with their history."""

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
                self.start_copy(task, task["NextCopyAt"])
            elif state == TASK_COPYING and task["CopyStarted"] + step <= now:
                self._finish_copy(task, task["CopyStarted"] + step)
            elif state == TASK_V2V and task["StepUntil"] <= now:
                task["ReachedRecovery"] = True
                self._step(task, task["StepUntil"], TASK_WAIT_RECOVERY, "V2V finished; waiting for recovery.")
            elif state == TASK_WAIT_RECOVERY and task["StepUntil"] <= now:
                self.start_recovery(task, task["StepUntil"])
            elif state == TASK_IN_RECOVERY and task["StepUntil"] <= now:
                self._finish_recovery(task, task["StepUntil"])
            else:
                return

    def start_copy(self, task: dict[str, Any], at: float) -> None:
        """Start the next data copy (or the final sync), or fail the task when its host is offline."""
        host = self.host(task["Config"]["HostId"])
        if self.host_offline(host):
            task["FailedStep"] = "copy"
            self.record_event(task, at, TASK_ERROR, f"Data copy failed: host {host['Name']!r} is offline.")
            return
        task["SnapTimes"] += 1
        task["CopyStarted"] = at
        if task["Completing"]:
            task["LastSync"] = 2
            message = "Final data synchronisation started."
        else:
            message = "Full data copy started." if task["SnapTimes"] == 1 else f"Data copy {task['SnapTimes']} started."
        self.record_event(task, at, TASK_COPYING, message)

    def _finish_copy(self, task: dict[str, Any], at: float) -> None:
        task["Snapshots"] = (task["Snapshots"] + [at])[-task["Config"]["MaxSnapNum"]:]
        self.record_event(task, at, TASK_SNAPSHOTTED, f"Snapshot {task['SnapTimes']} created.")
        if task["LastSync"] == 2:
            self._step(task, at, TASK_V2V, "Final synchronisation done; converting the system (v2v).")
        elif task["Completing"]:
            self.start_copy(task, at)
        else:
            task["NextCopyAt"] = max(task["CopyStarted"] + task["Config"]["IntervalMinutes"] * 60, at)

    def start_recovery(self, task: dict[str, Any], at: float) -> None:
        """Start creating the cloud instance (ActionState 1008)."""
        task["FailedStep"] = None
        self._step(task, at, TASK_IN_RECOVERY, "Creating the cloud instance.")

    def _finish_recovery(self, task: dict[str, Any], at: float) -> None:
        uses = self._instance_uses(task)
        left = self.quota(task["Config"]["CloudId"])
        short = [key for key, value in uses.items() if value > left.get(key, 0)]
        if short:
            task["FailedStep"] = "recovery"
            self.record_event(task, at, TASK_ERROR, f"Create instance failed: quota exceeded ({', '.join(short)}).")
            return
        server_id = uuid_module.uuid5(uuid_module.NAMESPACE_URL, f"server:{task['Id']}:{len(task['History'])}")
        task["Instance"] = {"ID": str(server_id), "Name": task["Config"]["TargetServerName"], "Uses": uses}
        self.record_event(task, at, TASK_SUCCESS, "Cloud instance created and available.")
        self.record_event(task, at, TASK_COMPLETED, "Migration completed.")

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
        self.record_event(task, at, state, message)

    def record_event(self, task: dict[str, Any], at: float, state: int, message: str) -> None:
        """Move a task to an ActionState at a time, with its Status message and a history entry."""
        task["ActionState"] = state
        task["Status"] = message
        task["UpdatedTime"] = at
        task["History"].append({"Number": state, "Msg": message, "Timestamp": format_time(at)})
        # a task that copies every minute for months would otherwise grow without bound
        del task["History"][:-MAX_HISTORY]
