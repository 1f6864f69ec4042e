"""The ZStack model's garbage-collector jobs (QueryGCJob, TriggerGCJob, DeleteGCJob)."""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from ..common.model import merge_records
from .base import HOST_UUID, NODE_UUID, VM_UUIDS, Context, ZStackStore, dated_inventory, not_found, operation_error


class GcJobStore(ZStackStore):
    """The GC jobs by uuid; deleting one forgets its tags (`drop_tags`)."""

    persisted = ("gc_jobs",)

    def __init__(self, context: Context, drop_tags: Callable[[str], None]):
        super().__init__(context)
        self.drop_tags = drop_tags
        self.gc_jobs: dict[str, dict[str, Any]] = {}

    def load(self, fixtures: Mapping[str, Any]) -> None:
        """The built-in GC jobs, overridden or extended by the fixtures."""
        now = self.now()
        self.gc_jobs = merge_records("zstack", builtin_gc_jobs(now), fixtures.get("gc_jobs"), "gc_jobs",
                                     lambda item: _gc_job_record(item, now))

    def gc_job_inventories(self) -> list[dict[str, Any]]:
        """QueryGCJob rows."""
        return [dated_inventory(record) for record in self.gc_jobs.values()]

    def trigger_gc_job(self, uuid: str) -> None:
        """TriggerGCJob: run the job now; a job that is Done cannot run again."""
        record = self._gc_job(uuid)
        if record["status"] == "Done":
            raise operation_error(f"the GC job[uuid:{uuid}, name:{record['name']}] is already Done")
        record["status"] = "Done"
        record["updatedAt"] = self.now()

    def delete_gc_job(self, uuid: str) -> None:
        """DeleteGCJob."""
        self._gc_job(uuid)
        del self.gc_jobs[uuid]
        self.drop_tags(uuid)

    def _gc_job(self, uuid: str) -> dict[str, Any]:
        record = self.gc_jobs.get(uuid)
        if record is None:
            raise not_found("GarbageCollector", uuid)
        return record


def builtin_gc_jobs(now: float) -> list[dict[str, Any]]:
    """Two garbage-collector jobs waiting to run."""
    return [
        {"uuid": "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8", "name": "gc-delete-volume-bits-on-local-storage",
         "runnerClass": "org.zstack.storage.primary.local.LocalStorageDeleteBitsGC",
         "context": json.dumps({"hostUuid": HOST_UUID,
                                 "installPath": "/zstack_ps/rootVolumes/acct-36c27e8f/vol.qcow2"}),
         "type": "TimeBased", "createdAt": now - 7200},
        {"uuid": "4d5e6f7a8b9c4ad1e2f3a4b5c6d7e8f9", "name": "gc-detach-data-volume",
         "runnerClass": "org.zstack.storage.volume.VolumeDetachGC",
         "context": json.dumps({"vmInstanceUuid": VM_UUIDS[0]}), "type": "EventBased", "createdAt": now - 5400},
    ]


def _gc_job_record(item: Mapping[str, Any], now: float) -> dict[str, Any]:
    created = float(item.get("createdAt", now))
    return {"uuid": item["uuid"], "name": item.get("name", item["uuid"]), "runnerClass": item.get("runnerClass"),
            "context": item.get("context"), "status": item.get("status", "Idle"),
            "managementNodeUuid": item.get("managementNodeUuid", NODE_UUID), "type": item.get("type", "TimeBased"),
            "createdAt": created, "updatedAt": float(item.get("updatedAt", created))}
