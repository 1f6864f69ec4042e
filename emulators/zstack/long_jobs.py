"""The ZStack model's long jobs (SubmitLongJob, CancelLongJob, DeleteLongJob, QueryLongJob) and their
task progress (GetTaskProgress), both computed from the clock when they are read."""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from .base import Context, ZStackStore, format_date, not_found, operation_error
from .management import ManagementStore

LONG_JOB_STEPS = 4
LONG_JOB_TASK_NAME = "org.zstack.header.longjob.APISubmitLongJobMsg"


class LongJobStore(ZStackStore):
    """Long jobs by uuid and their progress by the API id that submitted them; a job runs `long_job_seconds`."""

    persisted = ("long_jobs", "task_progress")

    def __init__(self, context: Context, management: ManagementStore, drop_tags: Callable[[str], None]):
        super().__init__(context)
        self.management = management
        self.drop_tags = drop_tags
        self.long_jobs: dict[str, dict[str, Any]] = {}
        self.task_progress: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        """No long jobs, no progress."""
        self.long_jobs, self.task_progress = {}, {}

    def submit_long_job(self, api_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """SubmitLongJob: the job runs for `long_job_seconds` of emulated time, then succeeds."""
        uuid = params.get("resourceUuid") or self.context.new_uuid()
        if uuid in self.long_jobs:
            raise operation_error(f"a long job[uuid:{uuid}] exists already")
        now = self.now()
        record = {"uuid": uuid, "name": params.get("name"), "description": params.get("description"),
                  "apiId": api_id, "jobName": params["jobName"], "jobData": params["jobData"],
                  "targetResourceUuid": params.get("targetResourceUuid"),
                  "managementNodeUuid": self.management.first_node(), "createdAt": now,
                  "duration": self.context.settings.long_job_seconds, "canceledAt": None}
        self.long_jobs[uuid] = record
        self.task_progress[api_id] = {"apiId": api_id, "taskUuid": self.context.new_uuid(), "longJobUuid": uuid,
                                      "jobName": record["jobName"], "startedAt": now,
                                      "duration": record["duration"], "canceledAt": None}
        return self.long_job_inventory(record)

    def cancel_long_job(self, uuid: str) -> None:
        """CancelLongJob: only a Running job can be canceled."""
        record = self._long_job(uuid)
        state = self._long_job_state(record)
        if state != "Running":
            raise operation_error(f"the long job[uuid:{uuid}] is {state}, only a Running job can be canceled")
        now = self.now()
        record["canceledAt"] = now
        progress = self.task_progress.get(record["apiId"])
        if progress is not None:
            progress["canceledAt"] = now

    def delete_long_job(self, uuid: str) -> None:
        """DeleteLongJob: refused while the job runs."""
        record = self._long_job(uuid)
        if self._long_job_state(record) == "Running":
            raise operation_error(f"the long job[uuid:{uuid}] is Running, cancel it first")
        del self.long_jobs[uuid]
        self.drop_tags(uuid)

    def long_job_inventories(self) -> list[dict[str, Any]]:
        """QueryLongJob rows, their state computed from the clock."""
        return [self.long_job_inventory(record) for record in self.long_jobs.values()]

    def long_job_inventory(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A long job as ZStack shows it."""
        state = self._long_job_state(record)
        finished_at = {"Running": record["createdAt"], "Canceled": record["canceledAt"],
                       "Succeeded": record["createdAt"] + record["duration"]}[state]
        result = json.dumps({"jobName": record["jobName"], "success": True}) if state == "Succeeded" else None
        return {"uuid": record["uuid"], "name": record["name"], "description": record["description"],
                "apiId": record["apiId"], "jobName": record["jobName"], "jobData": record["jobData"],
                "jobResult": result, "targetResourceUuid": record["targetResourceUuid"],
                "managementNodeUuid": record["managementNodeUuid"], "state": state,
                "createDate": format_date(record["createdAt"]), "lastOpDate": format_date(finished_at)}

    def task_progress_entries(self, api_id: str, everything: bool) -> list[dict[str, Any]]:
        """GetTaskProgress: one entry per step reached so far, plus one when the job ended."""
        progress = self.task_progress.get(api_id)
        if progress is None:
            return []
        entries = _progress_entries(progress, self.now())
        return entries if everything else entries[-1:]

    def _long_job(self, uuid: str) -> dict[str, Any]:
        record = self.long_jobs.get(uuid)
        if record is None:
            raise not_found("LongJob", uuid)
        return record

    def _long_job_state(self, record: Mapping[str, Any]) -> str:
        if record["canceledAt"] is not None:
            return "Canceled"
        if self.now() >= record["createdAt"] + record["duration"]:
            return "Succeeded"
        return "Running"


def _progress_entries(progress: Mapping[str, Any], now: float) -> list[dict[str, Any]]:
    """Step k of n starts at (k-1)/n of the job's duration; a step starting at or after the end never runs."""
    started, duration = progress["startedAt"], progress["duration"]
    end = progress["canceledAt"] if progress["canceledAt"] is not None else started + duration
    entries = []
    for step in range(1, LONG_JOB_STEPS + 1):
        reached = started + duration * (step - 1) / LONG_JOB_STEPS
        if reached > now or (step > 1 and reached >= end):
            break
        content = f"step {step}/{LONG_JOB_STEPS} of {progress['jobName']}"
        entries.append(_progress_entry(progress, reached, step, content))
    if now >= end:
        outcome = "canceled" if progress["canceledAt"] is not None else "succeeded"
        step = entries[-1]["currentStep"] if outcome == "canceled" else LONG_JOB_STEPS
        entries.append(_progress_entry(progress, end, step, f"{progress['jobName']} {outcome}"))
    return entries


def _progress_entry(progress: Mapping[str, Any], at: float, step: int, content: str) -> dict[str, Any]:
    return {"taskUuid": progress["taskUuid"], "taskName": LONG_JOB_TASK_NAME, "parentUuid": None, "type": "Task",
            "content": content, "time": float(int(at * 1000)), "totalSteps": LONG_JOB_STEPS, "currentStep": step}
