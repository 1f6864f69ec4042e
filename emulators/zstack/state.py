"""The ZStack 2.3.1 global-API model: one store per resource family, composed into `ZStackState`.

- `base`: the built-in uuids, `ZStackFailure`, dates, `Settings`, the store every family derives from
- `management`: management nodes, hosts and their capacity, the declared resources tags may name
- `sessions`: sessions and the results of async API calls (API jobs)
- `tags` (over the indexed `tag_store`), `notifications`, `gc_jobs`, `long_jobs` (and task progress), `license`

Operation failures raise `ZStackFailure`; the HTTP layer turns them into failed jobs (503). The saved
state is the stores' records side by side under the names each store persists, as one flat object.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..common.model import PersistentModel, Store
from .base import HOST_UUID, NODE_UUID, VERSION, VM_UUIDS, Context, Settings, ZStackFailure, error_body
from .gc_jobs import GcJobStore
from .license import LICENSE_CAPABILITIES, LicenseStore, decode_license
from .long_jobs import LongJobStore
from .management import ManagementStore
from .notifications import NotificationStore
from .sessions import ApiJobStore, SessionStore
from .tag_store import TagStore
from .tags import TagFamily

__all__ = ["HOST_UUID", "LICENSE_CAPABILITIES", "NODE_UUID", "QUERY_FIELDS", "QUERY_RESOURCE_TYPES", "VERSION",
           "VM_UUIDS", "Settings", "ZStackFailure", "ZStackState", "decode_license", "error_body"]

STATE_FORMAT = 1
FIXTURE_KEYS = ("management_nodes", "resources", "notifications", "gc_jobs", "hosts", "license")

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


class ZStackState(PersistentModel):
    """The whole model: a store per resource family, and what spans them (which resources exist, the fixtures).

    `management` (ManagementStore), `auth` (SessionStore), `api_jobs` (ApiJobStore), `tagging` (TagFamily, whose
    records are `tags`), `notices` (NotificationStore), `collector` (GcJobStore), `long_running` (LongJobStore)
    and `licensing` (LicenseStore); the API calls the store of the family an operation belongs to.
    """

    platform = "zstack"
    state_format = STATE_FORMAT

    def __init__(self, settings: Settings, now: Callable[[], float], new_uuid: Callable[[], str]):
        self.settings = settings
        self.now = now
        self.new_uuid = new_uuid
        context = Context(settings, now, new_uuid)
        self.management = ManagementStore(context)
        self.auth = SessionStore(context)
        self.api_jobs = ApiJobStore(context)
        self.tagging = TagFamily(context, self.resource_exists)
        self.notices = NotificationStore(context)
        self.collector = GcJobStore(context, self.tagging.drop_tags_of)
        self.long_running = LongJobStore(context, self.management, self.tagging.drop_tags_of)
        self.licensing = LicenseStore(context, self.management)

    def stores(self) -> tuple[Store, ...]:
        """Every family's store, each saving its records under its own names."""
        return (self.management, self.auth, self.api_jobs, self.tagging, self.notices, self.collector,
                self.long_running, self.licensing)

    @property
    def tags(self) -> TagStore:
        """The tag records by uuid, indexed (the tag family's store)."""
        return self.tagging.tags

    def load(self, fixtures: Mapping[str, Any]) -> None:
        """Replace everything with the built-in objects, overridden or extended by fixtures."""
        unknown = sorted(set(fixtures) - set(FIXTURE_KEYS))
        if unknown:
            raise ValueError(f"zstack fixtures: unknown keys {unknown}; known: {list(FIXTURE_KEYS)}")
        self.auth.sessions, self.api_jobs.jobs, self.tagging.tags = {}, {}, TagStore()
        self.long_running.clear()
        self.management.load(fixtures)
        self.tagging.write_inherent_tags(fixtures.get("hosts"))
        self.notices.load(fixtures)
        self.collector.load(fixtures)
        self.licensing.load(fixtures)

    def resource_exists(self, resource_type: str, resource_uuid: str) -> bool:
        """Whether a resource of that type exists: declared resources plus the model's own objects."""
        live: dict[str, Mapping[str, Any]] = {
            "ManagementNodeVO": self.management.nodes, "HostVO": self.management.hosts,
            "LongJobVO": self.long_running.long_jobs, "GarbageCollectorVO": self.collector.gc_jobs,
            "NotificationVO": self.notices.notifications}
        return (resource_uuid in self.management.resources.get(resource_type, ())
                or resource_uuid in live.get(resource_type, {}))
