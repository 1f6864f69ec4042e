"""The ZStack emulator's model without HTTP: a store per resource family, one flat saved state, the rules that
span families."""

from __future__ import annotations

import hashlib
import json
from itertools import count

import pytest

from emulators.common.clock import Clock
from emulators.zstack.base import HOST_UUID, NODE_UUID, VM_UUIDS, ZStackFailure
from emulators.zstack.gc_jobs import builtin_gc_jobs
from emulators.zstack.state import Settings, ZStackState
from emulators.zstack.tag_store import TagStore

NOW = 1_700_000_000.0
GC_JOB = builtin_gc_jobs(NOW)[0]["uuid"]
#: the keys of the saved state, as every earlier version wrote them: one flat object
SAVED_KEYS = {"nodes", "hosts", "resources", "sessions", "jobs", "tags", "notifications", "gc_jobs", "long_jobs",
              "task_progress", "license", "format"}


@pytest.fixture
def clock():
    """The emulator's clock, frozen at NOW until a test steps it."""
    return Clock(wall=lambda: NOW, monotonic=lambda: 0.0)


def model(clock, long_job_seconds=5.0):
    numbers = count(1)
    settings = Settings(username="admin", password_sha512=hashlib.sha512(b"password").hexdigest(),
                        long_job_seconds=long_job_seconds)
    state = ZStackState(settings, clock.now, lambda: "%032x" % next(numbers))
    state.load({})
    return state


def saved_by_an_earlier_version():
    """A state file as the emulator wrote it before its model was split per resource family."""
    return {
        "format": 1,
        "nodes": {NODE_UUID: {"uuid": NODE_UUID, "hostName": "127.0.0.1", "joinedAt": NOW - 60}},
        "hosts": {HOST_UUID: {"uuid": HOST_UUID, "zoneUuid": "z", "clusterUuid": "c", "totalCpu": 8,
                              "availableCpu": 2, "totalMemory": 1024, "availableMemory": 512}},
        "resources": {"VmInstanceVO": [VM_UUIDS[0]]},
        "sessions": {"s" * 32: {"uuid": "s" * 32, "accountUuid": "a", "userUuid": "a", "createdAt": NOW - 10,
                                "expiresAt": NOW + 100}},
        "jobs": {},
        "tags": {"t" * 32: {"uuid": "t" * 32, "kind": "User", "resourceType": "VmInstanceVO",
                            "resourceUuid": VM_UUIDS[0], "tag": "tier::web", "createdAt": NOW, "updatedAt": NOW}},
        "notifications": {"n" * 32: {"uuid": "n" * 32, "name": "system", "content": "", "arguments": "[]",
                                     "sender": "system", "status": "Unread", "resourceUuid": None,
                                     "resourceType": None, "type": "Info", "time": 0.0, "opaque": None,
                                     "createdAt": NOW, "updatedAt": NOW}},
        "gc_jobs": {},
        "long_jobs": {"l" * 32: {"uuid": "l" * 32, "name": None, "description": None, "apiId": "api",
                                 "jobName": "backup", "jobData": "{}", "targetResourceUuid": None,
                                 "managementNodeUuid": NODE_UUID, "createdAt": NOW, "duration": 5.0,
                                 "canceledAt": None}},
        "task_progress": {"api": {"apiId": "api", "taskUuid": "p" * 32, "longJobUuid": "l" * 32,
                                  "jobName": "backup", "startedAt": NOW, "duration": 5.0, "canceledAt": None}},
        "license": {"info": {"licenseType": "Paid", "user": "saved", "hostNum": 3, "cpuNum": 6,
                             "availableHostNum": 3, "availableCpuNum": 6, "issuedDate": "2023-01-01 00:00:00",
                             "expiredDate": "2099-01-01 00:00:00", "expired": False, "licenseRequest": "x"},
                    "raw": "cmF3", "reloads": 2},
    }


def test_the_saved_state_is_one_flat_object_of_every_family_s_records(clock):
    state = model(clock)
    state.tagging.create_tag("User", "VmInstanceVO", VM_UUIDS[0], "tier::web")
    exported = state.export()
    assert set(exported) == SAVED_KEYS
    assert [tag["tag"] for tag in exported["tags"].values()] == ["tier::web"]
    assert type(exported["tags"]) is dict  # the indexed store saves as a plain dict
    json.dumps(exported)


def test_a_state_file_of_an_earlier_version_restores_into_every_store(clock):
    state = model(clock)
    saved = saved_by_an_earlier_version()
    state.restore(json.loads(json.dumps(saved)))

    assert state.export() == saved
    assert state.auth.session_valid("s" * 32)
    assert isinstance(state.tags, TagStore)
    assert [row["tag"] for row in state.tagging.tag_inventories("User", ["tag=tier::web"])] == ["tier::web"]
    assert state.management.cpu_memory_capacity([], [], [HOST_UUID])["availableCpu"] == 2
    assert state.licensing.license_info()["user"] == "saved"
    assert [row["state"] for row in state.long_running.long_job_inventories()] == ["Running"]
    clock.advance(5)
    assert [row["state"] for row in state.long_running.long_job_inventories()] == ["Succeeded"]
    assert state.long_running.task_progress_entries("api", everything=False)[0]["content"] == "backup succeeded"
    state.notices.update_notifications_status(["n" * 32], "Read")
    assert state.export()["notifications"]["n" * 32]["status"] == "Read"


def test_a_restored_tag_is_found_by_its_identity_so_a_duplicate_is_refused(clock):
    state = model(clock)
    state.restore(saved_by_an_earlier_version())
    with pytest.raises(ZStackFailure) as refused:
        state.tagging.create_tag("User", "VmInstanceVO", VM_UUIDS[0], "tier::web")
    assert refused.value.details == (f"duplicate user tag[tier::web] on resource[uuid:{VM_UUIDS[0]}, "
                                     f"type:VmInstanceVO]: tag[uuid:{'t' * 32}] has it already")


def test_a_family_missing_from_the_saved_state_keeps_what_load_gave_it(clock):
    state = model(clock)
    saved = saved_by_an_earlier_version()
    del saved["gc_jobs"], saved["license"]
    state.restore(saved)
    assert GC_JOB in state.collector.gc_jobs
    assert state.licensing.license_info()["licenseType"] == "Trial"


def test_deleting_a_gc_job_or_a_long_job_drops_its_tags_in_the_tag_store(clock):
    state = model(clock, long_job_seconds=1.0)
    state.tagging.create_tag("System", "GarbageCollectorVO", GC_JOB, "gc::keep")
    job = state.long_running.submit_long_job("api-1", {"jobName": "backup", "jobData": "{}"})
    state.tagging.create_tag("User", "LongJobVO", job["uuid"], "owner::me")
    state.tagging.create_tag("User", "VmInstanceVO", VM_UUIDS[0], "tier::web")

    state.collector.delete_gc_job(GC_JOB)
    clock.advance(1)
    state.long_running.delete_long_job(job["uuid"])

    assert [record["tag"] for record in state.tags.values()] == ["tier::web"]
    assert state.tags.by_text == {"tier::web": {next(iter(state.tags))}}


def test_a_tag_needs_its_resource_in_any_family_or_among_the_declared_ones(clock):
    state = model(clock)
    state.tagging.create_tag("User", "NotificationVO", "0f1e2d3c4b5a49688796a5b4c3d2e1f0", "seen::yes")
    state.tagging.create_tag("User", "HostVO", HOST_UUID, "rack::1")
    with pytest.raises(ZStackFailure) as refused:
        state.tagging.create_tag("User", "LongJobVO", "f" * 32, "owner::me")
    assert refused.value.details == f"no resource[uuid:{'f' * 32}, type:LongJobVO] found"


def test_load_refuses_an_unknown_fixture_key_and_forgets_sessions_jobs_and_tags(clock):
    state = model(clock)
    state.auth.login("admin", hashlib.sha512(b"password").hexdigest())
    state.tagging.create_tag("User", "HostVO", HOST_UUID, "rack::1")
    with pytest.raises(ValueError, match=r"zstack fixtures: unknown keys \['volumes'\]"):
        state.load({"volumes": []})
    state.load({})
    assert state.auth.sessions == {} and len(state.tags) == 0 and state.long_running.long_jobs == {}
