"""The ZStack client against the emulator over HTTP: each of the 29 operations as the client uses it."""

from __future__ import annotations

import base64
import json

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.zstack import (
    ZStackClient,
    ZStackError,
    condition,
)

import emulators
from tests.support import client_fixture

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
HOST = "c3f8b2dde43b4d5eaa9c4dbe6f7a8b92"
NODE = "8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b"
GC_JOB = "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8"


client = client_fixture(lambda zstack: ZStackClient(zstack.url, "admin", "password"))


def paths(handle, method=None):
    return [r["path"] for r in handle.requests if method is None or r["method"] == method]


def test_login_and_logout(zstack, client):
    inventory = client.login()
    assert set(inventory) >= {"uuid", "accountUuid", "userUuid", "expiredDate", "createDate"}
    assert inventory["uuid"] in zstack.state()["sessions"]
    client.end_session()
    assert zstack.state()["sessions"] == {}
    assert paths(zstack)[-1] == f"/zstack/v1/accounts/sessions/{inventory['uuid']}"


def test_wrong_password_is_a_clear_error(zstack):
    bad = ZStackClient(zstack.url, "admin", "not-it")
    with pytest.raises(ZStackError) as err:
        bad.login()
    assert str(err.value).startswith("PUT /zstack/v1/accounts/login: HTTP 503: code ")
    assert "not-it" not in str(err.value)


def test_expired_session_is_renewed_transparently(zstack, client):
    client.login()
    first = client.session_uuid
    zstack.app.expire_credentials()
    assert client.query_management_nodes()[0]["uuid"] == NODE
    assert client.session_uuid != first
    statuses = [r["status"] for r in zstack.requests if r["path"] == "/zstack/v1/management-nodes"]
    assert statuses == [401, 200]


def test_async_job_polling_with_wait_false_then_wait_job(zstack, client):
    accepted = client.call("POST", "/system-tags", {"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM,
                                                               "tag": "ha::NeverStop"}}, wait=False)
    assert len(accepted["job_uuid"]) == 32 and accepted["location"].endswith("/api-jobs/" + accepted["job_uuid"])
    result = client.wait_job(accepted["location"])
    assert result["inventory"]["tag"] == "ha::NeverStop"
    polls = [r for r in zstack.requests if "/api-jobs/" in r["path"]]
    assert polls and polls[-1]["status"] == 200


def test_management_node_operations(client):
    assert client.query_management_nodes([condition("uuid", "=", NODE)])[0]["hostName"] == "127.0.0.1"
    assert client.get_version() == "2.3.1"
    now = client.get_current_time()
    assert set(now) == {"MillionSeconds", "Seconds"} and now["MillionSeconds"] > 1.5e12
    assert client.is_ready_to_go() == {"managementNodeId": NODE}


def test_version_and_time_need_no_session(zstack, client):
    client.get_version()
    client.get_current_time()
    assert zstack.state()["sessions"] == {}


def test_system_tag_create_query_update_delete(zstack, client):
    tag = client.create_tag("system", "HostVO", HOST, "reservedMemory::1G")
    assert tag["type"] == "System" and tag["inherent"] is False and len(tag["uuid"]) == 32
    rows = client.query_tags("system", [condition("resourceUuid", "=", HOST)])
    assert [r["uuid"] for r in rows] == [tag["uuid"]]
    updated = client.update_system_tag(tag["uuid"], "reservedMemory::2G")
    assert updated["uuid"] == tag["uuid"] and updated["tag"] == "reservedMemory::2G"
    client.delete_tag(tag["uuid"])
    assert client.query_tags("system") == []


def test_user_tag_create_query_delete(client):
    tag = client.create_tag("user", "VmInstanceVO", VM, "tier::web")
    assert tag["type"] == "User"
    assert client.query_tags("user", [condition("tag", "~=", "tier::%")])[0]["uuid"] == tag["uuid"]
    client.delete_tag(tag["uuid"])
    assert client.query_tags("user") == []


def test_failed_job_raises_with_zstack_code(client):
    with pytest.raises(ZStackError) as err:
        client.update_system_tag("f" * 32, "x")
    assert err.value.status == 503 and err.value.code
    assert str(err.value).startswith(f"PUT /zstack/v1/system-tags/{'f' * 32}/actions: HTTP 503: code ")


def test_query_reads_every_page(zstack, client):
    for index in range(25):
        client.create_tag("user", "VmInstanceVO", VM, f"label::{index:02d}")
    zstack.clear_requests()
    rows = client.query("/user-tags", [condition("resourceUuid", "=", VM)], page_size=10)
    assert sorted(r["tag"] for r in rows) == [f"label::{i:02d}" for i in range(25)]
    pages = [r for r in zstack.requests if r["path"] == "/zstack/v1/user-tags"]
    assert [(p["query"]["start"], p["query"]["limit"]) for p in pages] == [(["0"], ["10"]), (["10"], ["10"]),
                                                                           (["20"], ["10"])]
    assert len(client.query("/user-tags")) == 25


def test_task_progress_of_a_long_job(client):
    job = client.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", json.dumps({"volumeUuid": VM}), name="mig")
    entries = client.get_task_progress(job["apiId"], all_entries=True)
    assert entries and set(entries[0]) >= {"taskUuid", "taskName", "type", "content", "time"}
    assert client.get_task_progress("0" * 32) == []


def test_notifications_query_update_delete(zstack, client):
    uuids = sorted(zstack.state()["notifications"])
    assert len(uuids) >= 2 and sorted(n["uuid"] for n in client.query_notifications()) == uuids
    client.update_notifications_status(uuids, "Read")
    assert {n["status"] for n in client.query_notifications()} == {"Read"}
    client.delete_notifications(uuids[:1])
    assert sorted(n["uuid"] for n in client.query_notifications()) == uuids[1:]


def test_cpu_memory_capacity(client):
    everything = client.get_cpu_memory_capacity()
    assert set(everything) == {"totalCpu", "availableCpu", "totalMemory", "availableMemory"}
    assert client.get_cpu_memory_capacity(host_uuids=[HOST])["totalCpu"] == everything["totalCpu"]


def test_gc_jobs_query_trigger_delete(client):
    assert client.query_gc_jobs([condition("uuid", "=", GC_JOB)])[0]["status"] == "Idle"
    client.trigger_gc_job(GC_JOB)
    assert client.query_gc_jobs([condition("uuid", "=", GC_JOB)])[0]["status"] == "Done"
    client.delete_gc_job(GC_JOB)
    assert client.query_gc_jobs([condition("uuid", "=", GC_JOB)]) == []


def test_license_info_capabilities_update_reload(zstack, client):
    info = client.get_license_info()
    assert set(info) >= {"licenseType", "user", "hostNum", "expired", "issuedDate"}
    assert client.get_license_capabilities()["clonevm"] == "true"
    text = base64.b64encode(json.dumps({"user": "acme", "hostNum": 40}).encode()).decode()
    updated = client.update_license(NODE, text)
    assert updated["user"] == "acme" and updated["hostNum"] == 40
    assert client.reload_license([NODE])["user"] == "acme"
    assert text not in json.dumps(zstack.requests)


def test_long_jobs_submit_query_cancel_delete(client):
    job = client.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", "{}", name="mig", description="d",
                                 target_resource_uuid=VM)
    assert job["name"] == "mig" and job["targetResourceUuid"] == VM
    rows = client.query_long_jobs([condition("name", "=", "mig")])
    assert [r["uuid"] for r in rows] == [job["uuid"]]
    client.cancel_long_job(job["uuid"])
    state = client.query_long_jobs([condition("uuid", "=", job["uuid"])])[0]["state"]
    assert (state.get("name") if isinstance(state, dict) else state) == "Canceled"
    client.delete_long_job(job["uuid"])
    assert client.query_long_jobs() == []


def test_every_write_carries_a_fresh_job_uuid(zstack, client, monkeypatch):
    sent = []
    original = client.http.request

    def spy(method, path, **kwargs):
        sent.append((method, (kwargs.get("headers") or {}).get("X-Job-UUID")))
        return original(method, path, **kwargs)

    monkeypatch.setattr(client.http, "request", spy)
    client.create_tag("user", "VmInstanceVO", VM, "a")
    client.create_tag("user", "VmInstanceVO", VM, "b")
    job_uuids = [uuid for method, uuid in sent if method == "POST"]
    assert len(job_uuids) == 2 and len(set(job_uuids)) == 2
    assert all(len(u) == 32 and u[12] == "4" for u in job_uuids)


def test_concurrent_calls_share_one_login(zstack, client):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: client.query_management_nodes(), range(16)))
    assert all(r[0]["uuid"] == NODE for r in results)
    assert paths(zstack).count("/zstack/v1/accounts/login") == 1
    zstack.app.expire_credentials()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.query_management_nodes(), range(16)))
    assert paths(zstack).count("/zstack/v1/accounts/login") == 2


# --- IsReadyToGo and ReloadLicense: the document's answers and the ones ZStack's SDKs expect ------------------

@pytest.mark.parametrize("ready_to_go_session", ["optional", "required"])
def test_is_ready_to_go_works_whether_or_not_the_server_wants_a_session(ready_to_go_session):
    with emulators.start("zstack", port=0, ready_to_go_session=ready_to_go_session) as handle:
        client = ZStackClient(handle.url, "admin", "password")
        assert client.is_ready_to_go() == {"managementNodeId": NODE}
        ready = [(r["status"], r["path"]) for r in handle.requests]
        if ready_to_go_session == "optional":
            # as ZStack's SDKs call it: no session, so no login
            assert ready == [(200, "/zstack/v1/management-nodes/ready")]
        else:
            assert ready == [(401, "/zstack/v1/management-nodes/ready"), (200, "/zstack/v1/accounts/login"),
                             (200, "/zstack/v1/management-nodes/ready")]
        client.close()


def test_is_ready_to_go_sends_the_open_session(zstack, client):
    client.login()
    assert client.is_ready_to_go(NODE) == {"managementNodeId": NODE}
    ready = [r for r in zstack.requests if r["path"] == "/zstack/v1/management-nodes/ready"]
    assert len(ready) == 1 and ready[0]["status"] == 200 and ready[0]["query"] == {"managementNodeId": [NODE]}


@pytest.mark.parametrize("reload_license, polls", [("async", True), ("sync", False)])
def test_reload_license_takes_a_job_or_an_answer_at_once(reload_license, polls):
    with emulators.start("zstack", port=0, reload_license=reload_license) as handle:
        client = ZStackClient(handle.url, "admin", "password")
        info = client.reload_license([NODE])
        assert info["licenseType"] == "Trial" and handle.state()["license"]["reloads"] == 1
        reloads = [r["status"] for r in handle.requests if r["path"] == "/zstack/v1/licenses/actions"]
        assert reloads == [202 if polls else 200]
        assert any("/api-jobs/" in r["path"] for r in handle.requests) is polls
        with pytest.raises(ZStackError) as err:
            client.reload_license(["f" * 32])
        assert err.value.status == 503 and err.value.code == "SYS.1003"
        client.close()
