"""The ZStack 2.3.1 global-API model and the rules its document states.

Everything here is plain data (dicts of JSON-able records keyed by uuid) plus the rules of
the 29 operations. Times are stored as emulated epoch seconds and formatted only when an
inventory is built, so a long job's state and a task's progress follow the clock lazily.
Operation failures raise `ZStackFailure`; the HTTP layer turns them into failed jobs (503).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from ..common.model import PersistentModel, merge_records
from .query import SYSTEM_TAG_FIELD, USER_TAG_FIELD
from .tag_store import TagStore

VERSION = "2.3.1"
ADMIN_ACCOUNT_UUID = "36c27e8ff05c4780bf6d2fa65700f22e"
NODE_UUID = "8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b"
VM_UUIDS = ("a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70", "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81")
HOST_UUID = "c3f8b2dde43b4d5eaa9c4dbe6f7a8b92"
ZONE_UUID = "d4a9c3eef54c4e6fbbad5ecf7a8b9ca3"
CLUSTER_UUID = "e5bad4ff065d4f7acc6e6fd08b9cadb4"

JOB_TTL_SECONDS = 2 * 24 * 3600
LONG_JOB_STEPS = 4
LONG_JOB_TASK_NAME = "org.zstack.header.longjob.APISubmitLongJobMsg"
TRIAL_DAYS = 30
STATE_FORMAT = 1
FIXTURE_KEYS = ("management_nodes", "resources", "notifications", "gc_jobs", "hosts", "license")

LICENSE_CAPABILITIES = {
    name: "true"
    for name in ("addHost", "clonevm", "imagestore", "ipsec", "log", "monitoring", "overProvisioning", "pciDevice",
                 "performanceMonitor", "qos", "setVmRootPassword", "usbDevice", "vipqos", "vmware", "vrouterRoute")
}
LICENSE_STRING_KEYS = ("licenseType", "user", "issuedDate", "expiredDate")
LICENSE_NUMBER_KEYS = ("hostNum", "cpuNum")

#: The fields each query API can filter, sort, select and group on, in inventory order.
QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "management_node": ("uuid", "hostName", "joinDate", "heartBeat"),
    "system_tag": ("inherent", "uuid", "resourceUuid", "resourceType", "tag", "type", "createDate", "lastOpDate"),
    "user_tag": ("uuid", "resourceUuid", "resourceType", "tag", "type", "createDate", "lastOpDate"),
    "notification": ("uuid", "name", "content", "arguments", "sender", "status", "resourceUuid", "resourceType",
                     "type", "time", "opaque", "createDate", "lastOpDate"),
    "gc_job": ("uuid", "name", "runnerClass", "context", "status", "managementNodeUuid", "type", "createDate",
               "lastOpDate"),
    "long_job": ("uuid", "name", "description", "apiId", "jobName", "jobData", "jobResult", "targetResourceUuid",
                 "managementNodeUuid", "state", "createDate", "lastOpDate"),
}

#: The resource type (the VO class name) each query API's rows have: tags name it in `resourceType`.
QUERY_RESOURCE_TYPES: dict[str, str] = {
    "management_node": "ManagementNodeVO",
    "system_tag": "SystemTagVO",
    "user_tag": "UserTagVO",
    "notification": "NotificationVO",
    "gc_job": "GarbageCollectorVO",
    "long_job": "LongJobVO",
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ZStackFailure(Exception):
    """An operation that ZStack refuses: a failed job (503 on poll) with an error body."""

    def __init__(self, code: str, description: str, details: str):
        super().__init__(details)
        self.code = code
        self.description = description
        self.details = details

    def body(self) -> dict[str, Any]:
        """The `{"error": {code, description, details}}` body ZStack answers with."""
        return error_body(self.code, self.description, self.details)


def error_body(code: str, description: str, details: str) -> dict[str, Any]:
    """ZStack's error envelope."""
    return {"error": {"code": code, "description": description, "details": details}}


def not_found(kind: str, uuid: str) -> ZStackFailure:
    """SYS.1003: the resource an operation names does not exist."""
    return ZStackFailure("SYS.1003", "resource not found", f"{kind}[uuid:{uuid}] is not found")


def operation_error(details: str) -> ZStackFailure:
    """SYS.1006: the operation is not allowed in the resource's current state."""
    return ZStackFailure("SYS.1006", "operation error", details)


def format_date(epoch: float) -> str:
    """ZStack's inventory timestamp, e.g. `Apr 24, 2017 7:10:55 PM` (UTC)."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    clock = f"{hour}:{moment.minute:02d}:{moment.second:02d} {half}"
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year} {clock}"


def format_license_date(epoch: float) -> str:
    """The license's date format, e.g. `2017-01-19 14:31:06` (UTC)."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse_license_date(text: Any) -> float | None:
    """Epoch seconds of a license date, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class Settings:
    """What the emulator's options decide about the model."""

    username: str
    password_sha512: str
    session_timeout: float = 7200.0
    job_delay: float = 0.05
    long_job_seconds: float = 5.0
    #: ReloadLicense answers 200 with the result at once (as ZStack's SDKs expect) instead of 202 + job
    reload_license_sync: bool = False
    #: IsReadyToGo refuses a call without a valid session (the document's header list) instead of ignoring it
    ready_to_go_needs_session: bool = False


class ZStackState(PersistentModel):
    """The whole model: sessions, API jobs, tags, notifications, GC jobs, long jobs, license, hosts."""

    platform = "zstack"
    persisted = ("nodes", "hosts", "resources", "sessions", "jobs", "tags", "notifications", "gc_jobs", "long_jobs",
              "task_progress", "license")
    state_format = STATE_FORMAT

    @property
    def tags(self) -> TagStore:
        """The tag records by uuid (restored from saved state as a plain dict, kept as a TagStore)."""
        return self._tags

    @tags.setter
    def tags(self, records: dict[str, dict[str, Any]]) -> None:
        self._tags = records if isinstance(records, TagStore) else TagStore(records)

    def __init__(self, settings: Settings, now: Callable[[], float], new_uuid: Callable[[], str]):
        self.settings = settings
        self.now = now
        self.new_uuid = new_uuid
        self.nodes: dict[str, dict[str, Any]] = {}
        self.hosts: dict[str, dict[str, Any]] = {}
        self.resources: dict[str, list[str]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.tags = TagStore()
        self.notifications: dict[str, dict[str, Any]] = {}
        self.gc_jobs: dict[str, dict[str, Any]] = {}
        self.long_jobs: dict[str, dict[str, Any]] = {}
        self.task_progress: dict[str, dict[str, Any]] = {}
        self.license: dict[str, Any] = {}

    # --- built-ins, fixtures, persistence -----------------------------------------------------
    def load(self, fixtures: Mapping[str, Any]) -> None:
        """Replace everything with the built-in objects, overridden or extended by fixtures."""
        unknown = sorted(set(fixtures) - set(FIXTURE_KEYS))
        if unknown:
            raise ValueError(f"zstack fixtures: unknown keys {unknown}; known: {list(FIXTURE_KEYS)}")
        now = self.now()
        self.sessions, self.jobs, self.tags, self.long_jobs, self.task_progress = {}, {}, TagStore(), {}, {}
        self.nodes = merge_records("zstack", builtin_nodes(), fixtures.get("management_nodes"), "management_nodes",
                                   lambda item: _node_record(item, now))
        self.hosts = merge_records("zstack", builtin_hosts(), fixtures.get("hosts"), "hosts", _host_record)
        self.notifications = merge_records("zstack", builtin_notifications(now), fixtures.get("notifications"),
                                           "notifications", lambda item: _notification_record(item, now))
        self.gc_jobs = merge_records("zstack", builtin_gc_jobs(now), fixtures.get("gc_jobs"), "gc_jobs",
                                     lambda item: _gc_job_record(item, now))
        self.resources = _resources(fixtures.get("resources"))
        self.license = {"info": _license_info(now, fixtures.get("license")), "raw": None, "reloads": 0}

    # --- sessions -------------------------------------------------------------------------
    def login(self, account_name: str, password_sha512: str) -> dict[str, Any] | None:
        """A new session's inventory, or None when the credentials are wrong."""
        if account_name != self.settings.username or password_sha512.lower() != self.settings.password_sha512:
            return None
        self._drop_expired_sessions()
        now = self.now()
        session = {"uuid": self.new_uuid(), "accountUuid": ADMIN_ACCOUNT_UUID, "userUuid": ADMIN_ACCOUNT_UUID,
                   "createdAt": now, "expiresAt": now + self.settings.session_timeout}
        self.sessions[session["uuid"]] = session
        return session_inventory(session)

    def session_valid(self, uuid: str) -> bool:
        """Whether a session exists and has not expired (an expired one is dropped)."""
        session = self.sessions.get(uuid)
        if session is None:
            return False
        if self.now() >= session["expiresAt"]:
            del self.sessions[uuid]
            return False
        return True

    def logout(self, uuid: str) -> None:
        """End a session; ending an unknown one is not an error."""
        self.sessions.pop(uuid, None)

    def expire_sessions(self) -> None:
        """Make every session expire now."""
        for session in self.sessions.values():
            session["expiresAt"] = min(session["expiresAt"], self.now())

    def _drop_expired_sessions(self) -> None:
        now = self.now()
        for uuid in [uuid for uuid, session in self.sessions.items() if now >= session["expiresAt"]]:
            del self.sessions[uuid]

    # --- API jobs ---------------------------------------------------------------------------
    def record_job(self, uuid: str, api: str, success: bool, body: dict[str, Any],
                   webhook: str | None = None) -> dict[str, Any]:
        """Store the result of an async API; it becomes visible `job_delay` seconds later."""
        self._drop_expired_jobs()
        now = self.now()
        ready_at = now + self.settings.job_delay
        job = {"uuid": uuid, "api": api, "createdAt": now, "readyAt": ready_at, "accessedAt": ready_at,
               "success": success, "body": body, "webhook": webhook}
        self.jobs[uuid] = job
        return job

    def find_job(self, uuid: str) -> dict[str, Any] | None:
        """A job that has not expired, without counting this as an access."""
        job = self.jobs.get(uuid)
        if job is None:
            return None
        if self.now() - max(job["readyAt"], job["accessedAt"]) > JOB_TTL_SECONDS:
            del self.jobs[uuid]
            return None
        return job

    def poll_job(self, uuid: str) -> dict[str, Any] | None:
        """A job for a poll: expiry counts from the last poll, as the document says (2 days)."""
        job = self.find_job(uuid)
        if job is not None:
            job["accessedAt"] = max(job["accessedAt"], self.now())
        return job

    def job_ready(self, job: Mapping[str, Any]) -> bool:
        """Whether a job's result may be revealed yet."""
        return self.now() >= job["readyAt"]

    def _drop_expired_jobs(self) -> None:
        for uuid in list(self.jobs):
            self.find_job(uuid)

    # --- management nodes -------------------------------------------------------------------
    def node_inventories(self) -> list[dict[str, Any]]:
        """QueryManagementNode rows; the heartbeat is always fresh."""
        heartbeat = format_date(self.now())
        return [{"uuid": node["uuid"], "hostName": node["hostName"], "joinDate": format_date(node["joinedAt"]),
                 "heartBeat": heartbeat} for node in self.nodes.values()]

    def ready_node(self, node_uuid: str | None) -> str:
        """IsReadyToGo: the node's id (the first node when none is named)."""
        if node_uuid is None:
            return next(iter(self.nodes))
        if node_uuid not in self.nodes:
            raise not_found("ManagementNode", node_uuid)
        return node_uuid

    def current_time(self) -> dict[str, float]:
        """GetCurrentTime's `currentTime` map."""
        now = self.now()
        return {"MillionSeconds": float(int(now * 1000)), "Seconds": float(int(now))}

    # --- tags -----------------------------------------------------------------------------
    def resource_exists(self, resource_type: str, resource_uuid: str) -> bool:
        """Whether a resource of that type exists: declared resources plus the model's own objects."""
        live = {"ManagementNodeVO": self.nodes, "HostVO": self.hosts, "LongJobVO": self.long_jobs,
                "GarbageCollectorVO": self.gc_jobs, "NotificationVO": self.notifications}
        return resource_uuid in self.resources.get(resource_type, ()) or resource_uuid in live.get(resource_type, {})

    def create_tag(self, kind: str, resource_type: str, resource_uuid: str, tag: str) -> dict[str, Any]:
        """CreateSystemTag / CreateUserTag: the resource must exist and the tag must be new."""
        if not self.resource_exists(resource_type, resource_uuid):
            raise ZStackFailure("SYS.1003", "resource not found",
                                f"no resource[uuid:{resource_uuid}, type:{resource_type}] found")
        self._refuse_duplicate_tag(kind, resource_type, resource_uuid, tag)
        now = self.now()
        record = {"uuid": self.new_uuid(), "kind": kind, "resourceType": resource_type,
                  "resourceUuid": resource_uuid, "tag": tag, "createdAt": now, "updatedAt": now}
        self.tags[record["uuid"]] = record
        return tag_inventory(record)

    def update_system_tag(self, uuid: str, tag: str) -> dict[str, Any]:
        """UpdateSystemTag: change a system tag's text."""
        record = self.tags.get(uuid)
        if record is None or record["kind"] != "System":
            raise not_found("SystemTag", uuid)
        if record["tag"] != tag:
            self._refuse_duplicate_tag("System", record["resourceType"], record["resourceUuid"], tag)
        record = self.tags[uuid] = dict(record, tag=tag, updatedAt=self.now())  # replaced: the indexes follow
        return tag_inventory(record)

    def delete_tag(self, uuid: str, enforcing: bool) -> None:
        """DeleteTag: a system or user tag; `Enforcing` succeeds even when there is nothing to delete."""
        if self.tags.pop(uuid, None) is None and not enforcing:
            raise not_found("Tag", uuid)

    def tag_inventories(self, kind: str, conditions: Iterable[str] = ()) -> list[dict[str, Any]]:
        """QuerySystemTag / QueryUserTag rows; with `conditions`, only those an index says may match."""
        return [tag_inventory(record) for record in self.tags.candidates(kind, conditions)]

    def tag_index(self, resource_type: str, conditions: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """For the `__systemTag__` / `__userTag__` conditions: the tag texts of each resource of a type (left empty
        when no condition names those fields, so other queries never read every tag)."""
        index: dict[str, dict[str, list[str]]] = {SYSTEM_TAG_FIELD: {}, USER_TAG_FIELD: {}}
        if not any(field in condition for condition in conditions for field in index):
            return index
        for record in self.tags.values():
            if record["resourceType"] == resource_type:
                field = SYSTEM_TAG_FIELD if record["kind"] == "System" else USER_TAG_FIELD
                index[field].setdefault(record["resourceUuid"], []).append(record["tag"])
        return index

    def _refuse_duplicate_tag(self, kind: str, resource_type: str, resource_uuid: str, tag: str) -> None:
        uuid = self.tags.by_identity.get((kind, resource_type, resource_uuid, tag))
        if uuid is not None:
            raise operation_error(f"duplicate {kind.lower()} tag[{tag}] on resource[uuid:{resource_uuid}, "
                                  f"type:{resource_type}]: tag[uuid:{uuid}] has it already")

    def _drop_tags_of(self, resource_uuid: str) -> None:
        for uuid in [uuid for uuid, record in self.tags.items() if record["resourceUuid"] == resource_uuid]:
            del self.tags[uuid]

    # --- notifications --------------------------------------------------------------------
    def notification_inventories(self) -> list[dict[str, Any]]:
        """QueryNotification rows."""
        return [_dated_inventory(record) for record in self.notifications.values()]

    def delete_notifications(self, uuids: Iterable[str]) -> None:
        """DeleteNotifications: uuids that do not exist are skipped."""
        for uuid in uuids:
            self.notifications.pop(uuid, None)

    def update_notifications_status(self, uuids: Iterable[str], status: str) -> None:
        """UpdateNotificationsStatus: mark notifications Read or Unread; unknown uuids are skipped."""
        now = self.now()
        for uuid in uuids:
            record = self.notifications.get(uuid)
            if record is not None:
                record["status"] = status
                record["updatedAt"] = now

    # --- capacity -------------------------------------------------------------------------
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
        return {name: sum(host[name] for host in hosts)
                for name in ("totalCpu", "availableCpu", "totalMemory", "availableMemory")}

    # --- GC jobs --------------------------------------------------------------------------
    def gc_job_inventories(self) -> list[dict[str, Any]]:
        """QueryGCJob rows."""
        return [_dated_inventory(record) for record in self.gc_jobs.values()]

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
        self._drop_tags_of(uuid)

    def _gc_job(self, uuid: str) -> dict[str, Any]:
        record = self.gc_jobs.get(uuid)
        if record is None:
            raise not_found("GarbageCollector", uuid)
        return record

    # --- license --------------------------------------------------------------------------
    def license_info(self) -> dict[str, Any]:
        """GetLicenseInfo's inventory; `expired` follows the clock. The license itself is never shown."""
        info = dict(self.license["info"])
        expires = parse_license_date(info.get("expiredDate"))
        info["expired"] = expires is not None and self.now() >= expires
        return info

    def reload_license(self, node_uuids: list[str]) -> dict[str, Any]:
        """ReloadLicense on the named management nodes (all of them must exist)."""
        for uuid in node_uuids:
            if uuid not in self.nodes:
                raise not_found("ManagementNode", uuid)
        self.license["reloads"] += 1
        return self.license_info()

    def update_license(self, node_uuid: str, raw: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """UpdateLicense: a paid license unless its fields say otherwise."""
        if node_uuid not in self.nodes:
            raise not_found("ManagementNode", node_uuid)
        info = dict(self.license["info"], licenseType="Paid")
        info.update(fields)
        info["availableHostNum"] = info["hostNum"]
        info["availableCpuNum"] = info["cpuNum"]
        self.license["info"] = info
        self.license["raw"] = raw
        return self.license_info()

    # --- long jobs and task progress ------------------------------------------------------------
    def submit_long_job(self, api_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """SubmitLongJob: the job runs for `long_job_seconds` of emulated time, then succeeds."""
        uuid = params.get("resourceUuid") or self.new_uuid()
        if uuid in self.long_jobs:
            raise operation_error(f"a long job[uuid:{uuid}] exists already")
        now = self.now()
        record = {"uuid": uuid, "name": params.get("name"), "description": params.get("description"),
                  "apiId": api_id, "jobName": params["jobName"], "jobData": params["jobData"],
                  "targetResourceUuid": params.get("targetResourceUuid"), "managementNodeUuid": next(iter(self.nodes)),
                  "createdAt": now, "duration": self.settings.long_job_seconds, "canceledAt": None}
        self.long_jobs[uuid] = record
        self.task_progress[api_id] = {"apiId": api_id, "taskUuid": self.new_uuid(), "longJobUuid": uuid,
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
        self._drop_tags_of(uuid)

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




# --- inventories ------------------------------------------------------------------------------

def session_inventory(session: Mapping[str, Any]) -> dict[str, Any]:
    """The login answer's inventory."""
    return {"uuid": session["uuid"], "accountUuid": session["accountUuid"], "userUuid": session["userUuid"],
            "expiredDate": format_date(session["expiresAt"]), "createDate": format_date(session["createdAt"])}


def tag_inventory(record: Mapping[str, Any]) -> dict[str, Any]:
    """A system tag (with `inherent`) or a user tag."""
    inventory: dict[str, Any] = {"inherent": False} if record["kind"] == "System" else {}
    inventory.update({"uuid": record["uuid"], "resourceUuid": record["resourceUuid"],
                      "resourceType": record["resourceType"], "tag": record["tag"], "type": record["kind"],
                      "createDate": format_date(record["createdAt"]), "lastOpDate": format_date(record["updatedAt"])})
    return inventory


def _dated_inventory(record: Mapping[str, Any]) -> dict[str, Any]:
    inventory = {key: value for key, value in record.items() if key not in ("createdAt", "updatedAt")}
    inventory["createDate"] = format_date(record["createdAt"])
    inventory["lastOpDate"] = format_date(record["updatedAt"])
    return inventory


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


# --- built-in objects -------------------------------------------------------------------------

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


def builtin_notifications(now: float) -> list[dict[str, Any]]:
    """A few notifications, as the management node would have sent them."""
    return [
        {"uuid": "0f1e2d3c4b5a49688796a5b4c3d2e1f0", "name": "system", "sender": "system", "type": "Warning",
         "content": "the host[uuid:%s] becomes Disconnected, change the VM[uuid:%s]' state to Unknown",
         "arguments": json.dumps([HOST_UUID, VM_UUIDS[0]]), "resourceUuid": VM_UUIDS[0],
         "resourceType": "VmInstanceVO", "time": float(int((now - 3600) * 1000))},
        {"uuid": "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6", "name": "system", "sender": "system", "type": "Info",
         "content": "VM[uuid:%s] started on the host[uuid:%s]",
         "arguments": json.dumps([VM_UUIDS[1], HOST_UUID]), "resourceUuid": VM_UUIDS[1],
         "resourceType": "VmInstanceVO", "time": float(int((now - 1800) * 1000))},
        {"uuid": "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7", "name": "system", "sender": "system", "type": "Info",
         "content": "the host[uuid:%s] is Connected", "arguments": json.dumps([HOST_UUID]),
         "resourceUuid": HOST_UUID, "resourceType": "HostVO", "time": float(int((now - 600) * 1000))},
    ]


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


def decode_license(text: str) -> dict[str, Any]:
    """The license fields a base64 license sets (none unless it decodes to a JSON object).

    Raises ValueError, with the reason, when the text is not base64 or a field has the wrong type.
    """
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None
    if not raw:
        raise ValueError("is empty once decoded")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    fields: dict[str, Any] = {}
    for key in LICENSE_STRING_KEYS:
        if key in data:
            if not isinstance(data[key], str):
                raise ValueError(f"sets {key} to {data[key]!r}, which is not a string")
            fields[key] = data[key]
    for key in LICENSE_NUMBER_KEYS:
        if key in data:
            if isinstance(data[key], bool) or not isinstance(data[key], int) or data[key] < 0:
                raise ValueError(f"sets {key} to {data[key]!r}, which is not a non-negative integer")
            fields[key] = data[key]
    return fields


def default_license_request() -> str:
    """The base64 license request a user sends to obtain a license."""
    request = {"managementNodeUuid": NODE_UUID, "version": VERSION, "thumbprint": "emulated"}
    return base64.b64encode(json.dumps(request, sort_keys=True).encode("utf-8")).decode("ascii")


def _license_info(now: float, overrides: Any) -> dict[str, Any]:
    info = {"licenseType": "Trial", "user": "zstack", "hostNum": 10, "cpuNum": 20, "availableHostNum": 10,
            "availableCpuNum": 20, "issuedDate": format_license_date(now),
            "expiredDate": format_license_date(now + TRIAL_DAYS * 86400), "expired": False,
            "licenseRequest": default_license_request()}
    if overrides is not None:
        if not isinstance(overrides, Mapping):
            raise ValueError("zstack fixtures: 'license' must be a mapping")
        info.update(overrides)
    return info


# --- fixture records ---------------------------------------------------------------------------

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
    for name in ("totalCpu", "availableCpu", "totalMemory", "availableMemory"):
        value = item.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"zstack fixtures: host {item['uuid']}: {name} must be an integer")
        record[name] = value
    return record


def _notification_record(item: Mapping[str, Any], now: float) -> dict[str, Any]:
    created = float(item.get("createdAt", item.get("time", now * 1000) / 1000))
    return {"uuid": item["uuid"], "name": item.get("name", "system"), "content": item.get("content", ""),
            "arguments": item.get("arguments", "[]"), "sender": item.get("sender", "system"),
            "status": item.get("status", "Unread"), "resourceUuid": item.get("resourceUuid"),
            "resourceType": item.get("resourceType"), "type": item.get("type", "Info"),
            "time": float(item.get("time", created * 1000)), "opaque": item.get("opaque"),
            "createdAt": created, "updatedAt": float(item.get("updatedAt", created))}


def _gc_job_record(item: Mapping[str, Any], now: float) -> dict[str, Any]:
    created = float(item.get("createdAt", now))
    return {"uuid": item["uuid"], "name": item.get("name", item["uuid"]), "runnerClass": item.get("runnerClass"),
            "context": item.get("context"), "status": item.get("status", "Idle"),
            "managementNodeUuid": item.get("managementNodeUuid", NODE_UUID), "type": item.get("type", "TimeBased"),
            "createdAt": created, "updatedAt": float(item.get("updatedAt", created))}
