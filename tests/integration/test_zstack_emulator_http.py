"""The ZStack 2.3.1 emulator over raw HTTP: every operation of the document and the rules of its REST API."""

from __future__ import annotations

import base64
import hashlib
import json
import queue
import re
import threading
import uuid as uuid_module
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

import emulators
from emulators.zstack.state import HOST_UUID, NODE_UUID, VM_UUIDS

API = "/zstack/v1"
FIXTURES = Path(__file__).resolve().parents[2] / "emulators" / "zstack" / "fixtures.yml"
GC_IDLE = "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8"
GC_OTHER = "4d5e6f7a8b9c4ad1e2f3a4b5c6d7e8f9"
NOTIFICATION_WARNING = "0f1e2d3c4b5a49688796a5b4c3d2e1f0"
NOTIFICATION_INFO = "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"
NOTIFICATION_HOST = "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7"
DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
#: emulated seconds a poll steps the clock: the longest `job_delay` these tests poll for
POLL_STEP = 0.05


def sha512(text: str) -> str:
    return hashlib.sha512(text.encode("utf-8")).hexdigest()


def parse_date(text: str) -> datetime:
    return datetime.strptime(text, "%b %d, %Y %I:%M:%S %p")


def new_job_uuid() -> str:
    return uuid_module.uuid4().hex


class ZStack:
    """A tiny raw-HTTP helper: login, calls under /zstack/v1, submit-and-poll."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session: str | None = None

    def login(self, username: str = "admin", password: str = "password") -> requests.Response:
        response = requests.put(f"{self.base_url}{API}/accounts/login", timeout=5,
                                json={"logInByAccount": {"accountName": username, "password": sha512(password)}})
        if response.status_code == 200:
            self.session = response.json()["inventory"]["uuid"]
        return response

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"OAuth {self.session}"} if self.session else {}
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.base_url}{API}{path}", headers=self.headers(headers), timeout=5,
                                **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def query(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def submit(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call an async API and poll its location until the job is done."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 202, response.text
        return self.wait(response.json()["location"])

    def wait(self, location: str, polls: int = 20) -> requests.Response:
        """Poll a job's location until it is done, stepping the emulator's clock between polls."""
        for _ in range(polls):
            response = requests.get(location, headers=self.headers(), timeout=5)
            if response.status_code != 202:
                return response
            assert response.json() == {"location": location}
            stepped = requests.post(f"{self.base_url}/_emulator/clock", json={"advance": POLL_STEP}, timeout=5)
            assert stepped.status_code == 200, stepped.text
        return response

    def create_tag(self, kind: str, resource_uuid: str, tag: str, resource_type: str = "VmInstanceVO",
                   **kwargs: Any) -> requests.Response:
        body = {"params": {"resourceType": resource_type, "resourceUuid": resource_uuid, "tag": tag}}
        return self.submit("POST", f"/{kind}-tags", json=body, **kwargs)

    def submit_long_job(self, **params: Any) -> requests.Response:
        body = {"params": {"jobName": "APIPrimaryStorageMigrateVolumeMsg",
                           "jobData": json.dumps({"volumeUuid": VM_UUIDS[0]}), **params}}
        return self.submit("POST", "/longjobs", json=body)


def assert_error(response: requests.Response, status: int, code: str, *mentions: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert set(error) >= {"code", "description", "details"}
    for text in mentions:
        assert text in error["details"], error
    return error


# --- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def emulator():
    handle = emulators.start("zstack", port=0, job_delay=0.01)
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def pristine(emulator):
    """Every test starts from the built-in objects."""
    assert requests.post(f"{emulator.url}/_emulator/reset", timeout=5).status_code == 200


@pytest.fixture
def anonymous(emulator) -> ZStack:
    return ZStack(emulator.url)


@pytest.fixture
def zs(emulator) -> ZStack:
    client = ZStack(emulator.url)
    assert client.login().status_code == 200
    return client


class _WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        self.server.received.put(({key.lower(): value for key, value in self.headers.items()}, self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Keep the test output quiet."""


@pytest.fixture
def webhook_receiver():
    server = HTTPServer(("127.0.0.1", 0), _WebhookHandler)
    server.received = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- login, logout, sessions ----------------------------------------------------------------------------

def test_login_answers_a_session_at_once(anonymous):
    response = anonymous.login()
    assert response.status_code == 200
    inventory = response.json()["inventory"]
    assert set(inventory) == {"uuid", "accountUuid", "userUuid", "expiredDate", "createDate"}
    assert HEX32.match(inventory["uuid"])
    assert DATE.match(inventory["createDate"]) and DATE.match(inventory["expiredDate"])
    lifetime = parse_date(inventory["expiredDate"]) - parse_date(inventory["createDate"])
    assert lifetime.total_seconds() == pytest.approx(7200, abs=1)


@pytest.mark.parametrize("password", ["wrong", None])
def test_login_with_wrong_credentials_answers_503(anonymous, password):
    body = {"logInByAccount": {"accountName": "admin", "password": sha512(password) if password else "password"}}
    response = requests.put(f"{anonymous.base_url}{API}/accounts/login", json=body, timeout=5)
    error = assert_error(response, 503, "ID.1000")
    assert error["description"] == "wrong account name or password"
    assert_error(anonymous.login(username="root"), 503, "ID.1000")


def test_login_without_a_parameter_answers_400(anonymous):
    response = requests.put(f"{anonymous.base_url}{API}/accounts/login",
                            json={"logInByAccount": {"password": sha512("password")}}, timeout=5)
    assert_error(response, 400, "SYS.1007", "accountName")


def test_logout_ends_the_session(zs):
    response = zs.call("DELETE", f"/accounts/sessions/{zs.session}")
    assert response.status_code == 200
    assert response.json() == {}
    assert_error(zs.get("/management-nodes"), 401, "ID.1001")


def test_logout_needs_no_authorization_header_as_the_basic_flow_sends_none(zs):
    session = zs.session
    response = requests.delete(f"{zs.base_url}{API}/accounts/sessions/{session}", timeout=5)
    assert response.status_code == 200 and response.json() == {}
    assert_error(zs.get("/management-nodes"), 401, "ID.1001")


@pytest.mark.parametrize("condition", ["uuid = a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70", "uuid =x", "uuid= x"])
def test_a_condition_with_spaces_around_its_operator_is_refused(zs, condition):
    response = zs.get("/management-nodes", params={"q": condition})
    assert response.status_code == 400, response.text
    assert "spaces around its operator" in response.text


def test_calls_without_a_valid_session_answer_401(anonymous, zs):
    assert_error(anonymous.get("/management-nodes"), 401, "ID.1001", "Authorization")
    assert_error(anonymous.call("POST", "/system-tags", json={"params": {}}), 401, "ID.1001")
    assert_error(anonymous.get("/licenses/capabilities"), 401, "ID.1001")
    bogus = anonymous.get("/management-nodes", headers={"Authorization": f"OAuth {new_job_uuid()}"})
    assert_error(bogus, 401, "ID.1001")
    assert_error(anonymous.get("/management-nodes", headers={"Authorization": zs.session}), 401, "ID.1001")


def test_expired_sessions_answer_401(emulator, zs):
    emulator.app.expire_credentials()
    assert_error(zs.get("/management-nodes"), 401, "ID.1001", zs.session)
    assert zs.login().status_code == 200
    emulator.app.advance_clock(7201)
    assert_error(zs.get("/gc-jobs"), 401, "ID.1001")


# --- async jobs ---------------------------------------------------------------------------------------

def test_async_call_answers_202_then_the_result():
    handle = emulators.start("zstack", port=0, job_delay=60)
    try:
        client = ZStack(handle.url)
        client.login()
        body = {"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM_UUIDS[0], "tag": "ha::NeverStop"}}
        response = client.call("POST", "/system-tags", json=body)
        assert response.status_code == 202
        location = response.json()["location"]
        assert re.fullmatch(rf"{re.escape(handle.url)}{API}/api-jobs/[0-9a-f]{{32}}", location)
        still_running = requests.get(location, headers=client.headers(), timeout=5)
        assert still_running.status_code == 202
        assert still_running.json() == {"location": location}
        # the operation ran when it was submitted; only its result waits
        assert [tag["tag"] for tag in client.query("/system-tags")["inventories"]] == ["ha::NeverStop"]
        handle.app.advance_clock(61)
        done = requests.get(location, headers=client.headers(), timeout=5)
        assert done.status_code == 200
        assert done.json()["inventory"]["tag"] == "ha::NeverStop"
        legacy = requests.get(location.replace("/zstack/v1/", "/v1/"), headers=client.headers(), timeout=5)
        assert legacy.status_code == 200 and legacy.json() == done.json()
    finally:
        handle.stop()


def test_unknown_and_expired_jobs_answer_404(emulator, zs):
    assert_error(zs.get(f"/api-jobs/{new_job_uuid()}"), 404, "SYS.1003")
    response = zs.call("PUT", f"/gc-jobs/{GC_IDLE}/actions", json={"triggerGCJob": {}})
    location = response.json()["location"]
    assert zs.wait(location).status_code == 200
    emulator.app.advance_clock(2 * 24 * 3600 + 60)
    zs.login()
    assert_error(requests.get(location, headers=zs.headers(), timeout=5), 404, "SYS.1003")


def test_polling_needs_a_session(zs, anonymous):
    location = zs.call("PUT", f"/gc-jobs/{GC_IDLE}/actions", json={"triggerGCJob": {}}).json()["location"]
    assert_error(requests.get(location, timeout=5), 401, "ID.1001")


def test_failed_operation_answers_503_on_poll(zs):
    response = zs.create_tag("system", new_job_uuid(), "ha::NeverStop")
    assert_error(response, 503, "SYS.1003")


def test_x_job_uuid_names_the_job_and_makes_retries_safe(emulator, zs):
    job_uuid = new_job_uuid()
    first = zs.call("POST", "/user-tags", headers={"X-Job-UUID": job_uuid},
                    json={"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM_UUIDS[0], "tag": "web"}})
    assert first.status_code == 202
    assert first.json()["location"].endswith(f"/api-jobs/{job_uuid}")
    retry = zs.call("POST", "/user-tags", headers={"X-Job-UUID": job_uuid},
                    json={"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM_UUIDS[1], "tag": "db"}})
    assert retry.status_code == 202
    assert retry.json() == first.json()
    result = zs.wait(first.json()["location"])
    assert result.status_code == 200
    assert result.json()["inventory"]["tag"] == "web"
    assert [tag["tag"] for tag in zs.query("/user-tags")["inventories"]] == ["web"]
    assert list(emulator.state()["jobs"]) == [job_uuid]


@pytest.mark.parametrize("job_uuid", [
    "a1d6f0bb-d21f-4b3c-8e7a-2b9c4d5e6f70",  # dashes
    "A1D6F0BBD21F4B3C8E7A2B9C4D5E6F70",      # upper case
    "a1d6f0bbd21f1b3c8e7a2b9c4d5e6f70",      # version 1, not 4
    "a1d6f0bbd21f4b3cce7a2b9c4d5e6f70",      # variant c, not 8, 9, a or b
    "abc",
])
def test_invalid_x_job_uuid_answers_400(emulator, zs, job_uuid):
    response = zs.call("POST", "/user-tags", headers={"X-Job-UUID": job_uuid},
                       json={"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM_UUIDS[0], "tag": "x"}})
    assert_error(response, 400, "SYS.1007", "X-Job-UUID")
    assert emulator.state()["tags"] == {} and emulator.state()["jobs"] == {}


def test_webhook_receives_the_result(zs, webhook_receiver):
    hook = f"http://127.0.0.1:{webhook_receiver.server_address[1]}/api-callback"
    job_uuid = new_job_uuid()
    response = zs.create_tag("system", HOST_UUID, "reservedMemory::1G", resource_type="HostVO",
                             headers={"X-Job-UUID": job_uuid, "X-Web-Hook": hook})
    headers, path, body = webhook_receiver.received.get(timeout=5)
    assert path == "/api-callback"
    assert headers["x-job-uuid"] == job_uuid
    assert headers["x-job-success"] == "true"
    assert body == response.json()
    assert body["inventory"]["tag"] == "reservedMemory::1G"


def test_webhook_reports_a_failure(zs, webhook_receiver):
    hook = f"http://127.0.0.1:{webhook_receiver.server_address[1]}/hook"
    job_uuid = new_job_uuid()
    response = zs.submit("DELETE", f"/gc-jobs/{new_job_uuid()}", headers={"X-Job-UUID": job_uuid, "X-Web-Hook": hook})
    assert response.status_code == 503
    headers, _path, body = webhook_receiver.received.get(timeout=5)
    assert headers["x-job-uuid"] == job_uuid
    assert headers["x-job-success"] == "false"
    assert body == response.json()


@pytest.mark.parametrize("hook", ["ftp://127.0.0.1/hook", "http://[::1", "127.0.0.1:5000/hook"])
def test_invalid_webhook_answers_400(emulator, zs, hook):
    response = zs.call("PUT", f"/gc-jobs/{GC_IDLE}/actions", json={"triggerGCJob": {}}, headers={"X-Web-Hook": hook})
    assert_error(response, 400, "SYS.1007", "X-Web-Hook")
    assert emulator.state()["gc_jobs"][GC_IDLE]["status"] == "Idle"


# --- routing and argument errors ------------------------------------------------------------------------

def test_unknown_path_answers_404(zs):
    assert_error(zs.get("/vm-instances"), 404, "SYS.1008", "/zstack/v1/vm-instances")
    assert_error(requests.get(f"{zs.base_url}/v2/zones", headers=zs.headers(), timeout=5), 404, "SYS.1008")


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/licenses"), ("DELETE", "/system-tags"), ("GET", "/accounts/login"), ("PUT", "/management-nodes/ready"),
    ("POST", "/api-jobs/" + "a" * 32), ("GET", "/tags/" + "a" * 32),
])
def test_wrong_method_answers_405(zs, method, path):
    assert_error(zs.call(method, path), 405, "SYS.1008")


def test_missing_parameter_answers_400_before_any_job(emulator, zs):
    response = zs.call("POST", "/system-tags", json={"params": {"resourceType": "VmInstanceVO",
                                                                "resourceUuid": VM_UUIDS[0]}})
    assert_error(response, 400, "SYS.1007", "tag")
    assert_error(zs.call("POST", "/longjobs", data="{not json"), 400, "SYS.1007", "body")
    assert emulator.state()["jobs"] == {}


@pytest.mark.parametrize("value", ["text", {"wrong": 1}, [1], ["ok", 2]])
@pytest.mark.parametrize("name", ["systemTags", "userTags"])
def test_tag_lists_of_the_wrong_type_answer_400_on_every_kind_of_call(zs, name, value):
    calls = [("POST", "/system-tags", {"params": {"resourceType": "HostVO", "resourceUuid": HOST_UUID, "tag": "t"}}),
             ("DELETE", f"/gc-jobs/{GC_OTHER}", {}), ("PUT", "/management-nodes/actions", {"getVersion": {}}),
             ("PUT", "/accounts/login", {"logInByAccount": {"accountName": "admin", "password": sha512("password")}})]
    for method, path, body in calls:
        assert_error(zs.call(method, path, json={**body, name: value}), 400, "SYS.1007", name)
    assert GC_OTHER in zs.query("/gc-jobs", q=f"uuid={GC_OTHER}")["inventories"][0]["uuid"]
    assert zs.query("/system-tags")["inventories"] == []


def test_undocumented_parameters_are_ignored(zs):
    body = {"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM_UUIDS[0], "tag": "web", "colour": "red"},
            "systemTags": ["a::b"], "userTags": ["c"]}
    assert zs.submit("POST", "/user-tags", json=body, params={"sessionId": zs.session}).status_code == 200
    answer = zs.query("/user-tags", sessionId=zs.session, systemTags="x", q="tag=web")
    assert len(answer["inventories"]) == 1


# --- management nodes -----------------------------------------------------------------------------------

def test_query_management_node(zs):
    nodes = zs.query("/management-nodes")["inventories"]
    assert len(nodes) == 1
    assert nodes[0]["uuid"] == NODE_UUID and nodes[0]["hostName"] == "127.0.0.1"
    assert DATE.match(nodes[0]["joinDate"]) and DATE.match(nodes[0]["heartBeat"])
    assert zs.query(f"/management-nodes/{NODE_UUID}")["inventories"][0]["uuid"] == NODE_UUID
    assert zs.query(f"/management-nodes/{new_job_uuid()}") == {"inventories": []}


def test_get_version_needs_no_session_and_answers_at_once(anonymous):
    response = anonymous.call("PUT", "/management-nodes/actions", json={"getVersion": {}, "systemTags": []})
    assert response.status_code == 200
    assert response.json() == {"version": "2.3.1"}


def test_get_current_time_needs_no_session(emulator, anonymous):
    before = emulator.app.now()  # emulated time: other tests move it forward
    response = anonymous.call("PUT", "/management-nodes/actions", json={"getCurrentTime": {}})
    assert response.status_code == 200
    current = response.json()["currentTime"]
    assert current["Seconds"] == pytest.approx(before, abs=5)
    assert current["MillionSeconds"] == pytest.approx(current["Seconds"] * 1000, abs=1000)


def test_management_node_action_without_an_action_answers_400(anonymous):
    assert_error(anonymous.call("PUT", "/management-nodes/actions", json={}), 400, "SYS.1007", "getVersion")


def test_is_ready_to_go(zs):
    response = zs.get("/management-nodes/ready")
    assert response.status_code == 200 and response.json() == {"managementNodeId": NODE_UUID}
    assert zs.query("/management-nodes/ready", managementNodeId=NODE_UUID) == {"managementNodeId": NODE_UUID}
    missing = new_job_uuid()
    assert_error(zs.get("/management-nodes/ready", params={"managementNodeId": missing}), 503, "SYS.1003", missing)
    for malformed in ("../x", "\xff", NODE_UUID + "0"):
        assert_error(zs.get("/management-nodes/ready", params={"managementNodeId": malformed}), 400, "SYS.1007",
                     "managementNodeId")


def test_is_ready_to_go_needs_no_session_as_zstacks_sdks_send_none(anonymous, zs):
    assert anonymous.query("/management-nodes/ready") == {"managementNodeId": NODE_UUID}
    stale = anonymous.get("/management-nodes/ready", headers={"Authorization": f"OAuth {new_job_uuid()}"})
    assert stale.status_code == 200 and stale.json() == {"managementNodeId": NODE_UUID}
    assert zs.query("/management-nodes/ready") == {"managementNodeId": NODE_UUID}


def test_is_ready_to_go_can_require_a_session_as_the_document_lists_one():
    with emulators.start("zstack", port=0, ready_to_go_session="required") as handle:
        anonymous, client = ZStack(handle.url), ZStack(handle.url)
        assert_error(anonymous.get("/management-nodes/ready"), 401, "ID.1001", "Authorization")
        client.login()
        assert client.query("/management-nodes/ready") == {"managementNodeId": NODE_UUID}


@pytest.mark.parametrize(("name", "value"), [("reload_license", "later"), ("ready_to_go_session", "maybe")])
def test_unknown_settings_of_the_two_sdk_readings_are_refused(name, value):
    with pytest.raises(ValueError, match=f"zstack option {name} must be one of"):
        emulators.start("zstack", port=0, **{name: value})


# --- tags ------------------------------------------------------------------------------------------------

def test_create_system_tag(zs):
    response = zs.create_tag("system", HOST_UUID, "reservedMemory::1G", resource_type="HostVO")
    assert response.status_code == 200
    inventory = response.json()["inventory"]
    assert set(inventory) == {"inherent", "uuid", "resourceUuid", "resourceType", "tag", "type", "createDate",
                              "lastOpDate"}
    assert inventory["inherent"] is False and inventory["type"] == "System"
    assert (inventory["resourceType"], inventory["resourceUuid"]) == ("HostVO", HOST_UUID)
    assert HEX32.match(inventory["uuid"]) and DATE.match(inventory["createDate"])


def test_create_tag_on_a_missing_resource_fails(zs):
    missing = new_job_uuid()
    assert_error(zs.create_tag("system", missing, "ha::NeverStop"), 503, "SYS.1003", missing, "VmInstanceVO")
    assert_error(zs.create_tag("user", VM_UUIDS[0], "web", resource_type="HostVO"), 503, "SYS.1003", "HostVO")


def test_duplicate_tag_fails(zs):
    assert zs.create_tag("system", VM_UUIDS[0], "ha::NeverStop").status_code == 200
    assert_error(zs.create_tag("system", VM_UUIDS[0], "ha::NeverStop"), 503, "SYS.1006", "duplicate")
    # the same text as a user tag, or on another resource, is a different tag
    assert zs.create_tag("user", VM_UUIDS[0], "ha::NeverStop").status_code == 200
    assert zs.create_tag("system", VM_UUIDS[1], "ha::NeverStop").status_code == 200
    assert zs.query("/system-tags", count="true") == {"total": 2}


def test_query_system_tag(zs):
    created = zs.create_tag("system", HOST_UUID, "reservedMemory::1G", resource_type="HostVO").json()["inventory"]
    zs.create_tag("system", VM_UUIDS[0], "ha::NeverStop")
    zs.create_tag("user", VM_UUIDS[0], "web")
    answer = zs.query("/system-tags", q=["inherent=false", "resourceType=HostVO"])
    assert answer["inventories"] == [created]
    assert zs.query(f"/system-tags/{created['uuid']}") == {"inventories": [created]}
    assert len(zs.query("/system-tags")["inventories"]) == 2


def test_update_system_tag(emulator, zs):
    created = zs.create_tag("system", VM_UUIDS[0], "ha::NeverStop").json()["inventory"]
    emulator.app.advance_clock(5)
    response = zs.submit("PUT", f"/system-tags/{created['uuid']}/actions", json={"updateSystemTag": {"tag": "big"}})
    assert response.status_code == 200
    updated = response.json()["inventory"]
    assert updated["tag"] == "big" and updated["uuid"] == created["uuid"]
    assert updated["createDate"] == created["createDate"] and updated["lastOpDate"] != created["lastOpDate"]
    assert zs.query(f"/system-tags/{created['uuid']}")["inventories"][0]["tag"] == "big"


def test_update_system_tag_errors(zs):
    user_tag = zs.create_tag("user", VM_UUIDS[0], "web").json()["inventory"]
    missing = new_job_uuid()
    body = {"updateSystemTag": {"tag": "x"}}
    assert_error(zs.submit("PUT", f"/system-tags/{missing}/actions", json=body), 503, "SYS.1003", missing)
    assert_error(zs.submit("PUT", f"/system-tags/{user_tag['uuid']}/actions", json=body), 503, "SYS.1003")
    assert_error(zs.call("PUT", f"/system-tags/{missing}/actions", json={"updateSystemTag": {}}), 400, "SYS.1007",
                 "tag")
    assert_error(zs.call("PUT", f"/system-tags/{missing}/actions", json={"tag": "x"}), 400, "SYS.1007",
                 "updateSystemTag")


def test_create_user_tag(zs):
    response = zs.create_tag("user", VM_UUIDS[1], "for-large-DB")
    assert response.status_code == 200
    inventory = response.json()["inventory"]
    assert set(inventory) == {"uuid", "resourceUuid", "resourceType", "tag", "type", "createDate", "lastOpDate"}
    assert inventory["type"] == "User" and inventory["tag"] == "for-large-DB"


def test_query_user_tag(zs):
    zs.create_tag("user", VM_UUIDS[0], "web")
    db = zs.create_tag("user", VM_UUIDS[1], "for-large-DB").json()["inventory"]
    zs.create_tag("system", VM_UUIDS[1], "for-large-DB")
    answer = zs.query("/user-tags", q=["resourceType=VmInstanceVO", "tag=for-large-DB"])
    assert answer == {"inventories": [db]}
    assert zs.query(f"/user-tags/{db['uuid']}") == {"inventories": [db]}


def test_delete_tag(zs):
    system = zs.create_tag("system", VM_UUIDS[0], "ha::NeverStop").json()["inventory"]
    user = zs.create_tag("user", VM_UUIDS[0], "web").json()["inventory"]
    response = zs.submit("DELETE", f"/tags/{system['uuid']}")
    assert response.status_code == 200 and response.json() == {}
    assert zs.submit("DELETE", f"/tags/{user['uuid']}", params={"deleteMode": "Permissive"}).json() == {}
    assert zs.query("/system-tags")["inventories"] == [] and zs.query("/user-tags")["inventories"] == []


def test_delete_tag_errors_and_enforcing_mode(zs):
    missing = new_job_uuid()
    assert_error(zs.submit("DELETE", f"/tags/{missing}"), 503, "SYS.1003", missing)
    enforced = zs.submit("DELETE", f"/tags/{missing}", json={"deleteMode": "Enforcing"})
    assert enforced.status_code == 200 and enforced.json() == {}
    assert_error(zs.call("DELETE", f"/tags/{missing}", params={"deleteMode": "Always"}), 400, "SYS.1007",
                 "deleteMode")


# --- long jobs and task progress -------------------------------------------------------------------------

LONG_JOB_FIELDS = {"uuid", "name", "description", "apiId", "jobName", "jobData", "jobResult", "targetResourceUuid",
                   "managementNodeUuid", "state", "createDate", "lastOpDate"}


def test_submit_long_job(zs):
    job_uuid = new_job_uuid()
    response = zs.submit("POST", "/longjobs", headers={"X-Job-UUID": job_uuid}, json={"params": {
        "name": "migrate-volume", "description": "to Ceph", "jobName": "APIPrimaryStorageMigrateVolumeMsg",
        "jobData": "{\"volumeUuid\": \"x\"}", "targetResourceUuid": VM_UUIDS[0]}})
    assert response.status_code == 200
    inventory = response.json()["inventory"]
    assert set(inventory) == LONG_JOB_FIELDS
    assert inventory["state"] == "Running" and inventory["jobResult"] is None
    assert inventory["apiId"] == job_uuid
    assert inventory["managementNodeUuid"] == NODE_UUID
    assert (inventory["name"], inventory["targetResourceUuid"]) == ("migrate-volume", VM_UUIDS[0])


@pytest.mark.parametrize(("params", "missing"), [
    ({"jobData": "{}"}, "jobName"),
    ({"jobName": "APIPrimaryStorageMigrateVolumeMsg"}, "jobData"),
    ({"jobName": "X", "jobData": "{}", "resourceUuid": "not-a-uuid"}, "resourceUuid"),
])
def test_submit_long_job_needs_its_parameters(zs, params, missing):
    assert_error(zs.call("POST", "/longjobs", json={"params": params}), 400, "SYS.1007", missing)


def test_query_long_job_follows_the_clock(emulator, zs):
    created = zs.submit_long_job(resourceUuid=VM_UUIDS[0][::-1]).json()["inventory"]
    assert created["uuid"] == VM_UUIDS[0][::-1]
    assert zs.query(f"/longjobs/{created['uuid']}")["inventories"][0]["state"] == "Running"
    emulator.app.advance_clock(6)
    job = zs.query("/longjobs", q="state=Succeeded")["inventories"][0]
    assert job["uuid"] == created["uuid"]
    assert json.loads(job["jobResult"])["success"] is True


def test_cancel_long_job(emulator, zs):
    created = zs.submit_long_job().json()["inventory"]
    response = zs.submit("PUT", f"/longjobs/{created['uuid']}/actions", json={"cancelLongJob": {}})
    assert response.status_code == 200 and response.json() == {}
    assert zs.query(f"/longjobs/{created['uuid']}")["inventories"][0]["state"] == "Canceled"
    again = zs.submit("PUT", f"/longjobs/{created['uuid']}/actions", json={"cancelLongJob": {}})
    assert_error(again, 503, "SYS.1006", "Canceled")
    finished = zs.submit_long_job().json()["inventory"]
    emulator.app.advance_clock(6)
    assert_error(zs.submit("PUT", f"/longjobs/{finished['uuid']}/actions", json={"cancelLongJob": {}}), 503,
                 "SYS.1006", "Succeeded")
    assert_error(zs.submit("PUT", f"/longjobs/{new_job_uuid()}/actions", json={"cancelLongJob": {}}), 503,
                 "SYS.1003")


def test_delete_long_job(zs):
    created = zs.submit_long_job().json()["inventory"]
    zs.create_tag("user", created["uuid"], "mine", resource_type="LongJobVO")
    assert_error(zs.submit("DELETE", f"/longjobs/{created['uuid']}"), 503, "SYS.1006", "cancel it first")
    zs.submit("PUT", f"/longjobs/{created['uuid']}/actions", json={"cancelLongJob": {}})
    response = zs.submit("DELETE", f"/longjobs/{created['uuid']}")
    assert response.status_code == 200 and response.json() == {}
    assert zs.query("/longjobs") == {"inventories": []}
    assert zs.query("/user-tags") == {"inventories": []}
    assert_error(zs.submit("DELETE", f"/longjobs/{created['uuid']}"), 503, "SYS.1003")


def test_get_task_progress(emulator, zs):
    job_uuid = new_job_uuid()
    zs.submit("POST", "/longjobs", headers={"X-Job-UUID": job_uuid},
              json={"params": {"jobName": "APIPrimaryStorageMigrateVolumeMsg", "jobData": "{}"}})
    latest = zs.query(f"/task-progresses/{job_uuid}")["inventories"]
    assert len(latest) == 1
    entry = latest[0]
    assert entry["taskName"] == "org.zstack.header.longjob.APISubmitLongJobMsg" and entry["type"] == "Task"
    assert (entry["currentStep"], entry["totalSteps"]) == (1, 4)
    assert isinstance(entry["time"], float) and HEX32.match(entry["taskUuid"])
    emulator.app.advance_clock(3)
    midway = zs.query(f"/task-progresses/{job_uuid}", all="true")["inventories"]
    assert [item["currentStep"] for item in midway] == [1, 2, 3]
    emulator.app.advance_clock(3)
    finished = zs.query(f"/task-progresses/{job_uuid}", all="true")["inventories"]
    assert len(finished) == 5 and "succeeded" in finished[-1]["content"]
    assert zs.query(f"/task-progresses/{job_uuid}", all="false")["inventories"] == finished[-1:]
    assert zs.query(f"/task-progresses/{new_job_uuid()}") == {"inventories": []}
    assert_error(zs.get(f"/task-progresses/{job_uuid}", params={"all": "maybe"}), 400, "SYS.1007", "all")


# --- notifications -----------------------------------------------------------------------------------------

NOTIFICATION_FIELDS = {"uuid", "name", "content", "arguments", "sender", "status", "resourceUuid", "resourceType",
                       "type", "time", "opaque", "createDate", "lastOpDate"}


def test_query_notification(zs):
    notifications = zs.query("/notifications")["inventories"]
    assert {item["uuid"] for item in notifications} == {NOTIFICATION_WARNING, NOTIFICATION_INFO, NOTIFICATION_HOST}
    for item in notifications:
        assert set(item) == NOTIFICATION_FIELDS
        assert item["status"] == "Unread" and isinstance(item["time"], float)
        assert isinstance(json.loads(item["arguments"]), list)
    warning = zs.query("/notifications", q="type=Warning")["inventories"]
    assert [item["uuid"] for item in warning] == [NOTIFICATION_WARNING]
    assert zs.query(f"/notifications/{NOTIFICATION_HOST}")["inventories"][0]["resourceType"] == "HostVO"


def test_update_notifications_status(zs):
    body = {"updateNotificationsStatus": {"uuids": [NOTIFICATION_WARNING, NOTIFICATION_INFO], "status": "Read"}}
    response = zs.submit("PUT", "/notifications/actions", json=body)
    assert response.status_code == 200 and response.json() == {}
    read = zs.query("/notifications", q="status=Read", fields="uuid")["inventories"]
    assert sorted(item["uuid"] for item in read) == sorted([NOTIFICATION_WARNING, NOTIFICATION_INFO])
    body["updateNotificationsStatus"]["status"] = "Unread"
    zs.submit("PUT", "/notifications/actions", json=body)
    assert zs.query("/notifications", q="status=Read", count="true") == {"total": 0}


def test_update_notifications_status_checks_its_parameters(zs):
    bad_status = {"updateNotificationsStatus": {"uuids": [NOTIFICATION_INFO], "status": "Seen"}}
    assert_error(zs.call("PUT", "/notifications/actions", json=bad_status), 400, "SYS.1007", "status")
    no_uuids = {"updateNotificationsStatus": {"status": "Read"}}
    assert_error(zs.call("PUT", "/notifications/actions", json=no_uuids), 400, "SYS.1007", "uuids")


def test_delete_notifications_with_body_or_query(zs):
    response = zs.submit("DELETE", "/notifications", json={"uuids": [NOTIFICATION_WARNING]})
    assert response.status_code == 200 and response.json() == {}
    zs.submit("DELETE", "/notifications", params={"uuids": f"{NOTIFICATION_INFO},{new_job_uuid()}"})
    assert [item["uuid"] for item in zs.query("/notifications")["inventories"]] == [NOTIFICATION_HOST]
    zs.submit("DELETE", "/notifications", params=[("uuids", NOTIFICATION_HOST), ("uuids", new_job_uuid())])
    assert zs.query("/notifications") == {"inventories": []}


def test_delete_notifications_needs_uuids(zs):
    assert_error(zs.call("DELETE", "/notifications"), 400, "SYS.1007", "uuids")
    assert_error(zs.call("DELETE", "/notifications", json={"uuids": []}), 400, "SYS.1007", "uuids")


# --- capacity ------------------------------------------------------------------------------------------------

def test_get_cpu_memory_capacity(zs):
    everything = zs.query("/hosts/capacities/cpu-memory", all="true")
    assert everything == {"totalCpu": 32, "availableCpu": 24, "totalMemory": 68719476736,
                          "availableMemory": 34359738368}
    assert zs.query("/hosts/capacities/cpu-memory", hostUuids=HOST_UUID) == everything
    nothing = zs.query("/hosts/capacities/cpu-memory", hostUuids=new_job_uuid())
    assert nothing == {"totalCpu": 0, "availableCpu": 0, "totalMemory": 0, "availableMemory": 0}
    assert_error(zs.get("/hosts/capacities/cpu-memory"), 400, "SYS.1007", "hostUuids")
    assert_error(zs.get("/hosts/capacities/cpu-memory", params={"all": "false"}), 400, "SYS.1007")


# --- GC jobs ---------------------------------------------------------------------------------------------------

def test_query_gc_job(zs):
    jobs = zs.query("/gc-jobs")["inventories"]
    assert [job["uuid"] for job in jobs] == [GC_IDLE, GC_OTHER]
    for job in jobs:
        assert set(job) == {"uuid", "name", "runnerClass", "context", "status", "managementNodeUuid", "type",
                            "createDate", "lastOpDate"}
        assert job["status"] == "Idle" and job["managementNodeUuid"] == NODE_UUID
    assert {job["type"] for job in jobs} == {"TimeBased", "EventBased"}
    assert zs.query(f"/gc-jobs/{GC_OTHER}")["inventories"][0]["type"] == "EventBased"


def test_trigger_gc_job(zs):
    response = zs.submit("PUT", f"/gc-jobs/{GC_IDLE}/actions", json={"triggerGCJob": {}})
    assert response.status_code == 200 and response.json() == {}
    assert zs.query(f"/gc-jobs/{GC_IDLE}")["inventories"][0]["status"] == "Done"
    assert_error(zs.submit("PUT", f"/gc-jobs/{GC_IDLE}/actions", json={"triggerGCJob": {}}), 503, "SYS.1006", "Done")
    assert_error(zs.submit("PUT", f"/gc-jobs/{new_job_uuid()}/actions", json={"triggerGCJob": {}}), 503, "SYS.1003")
    assert_error(zs.call("PUT", f"/gc-jobs/{GC_OTHER}/actions", json={}), 400, "SYS.1007", "triggerGCJob")


def test_delete_gc_job(zs):
    response = zs.submit("DELETE", f"/gc-jobs/{GC_OTHER}")
    assert response.status_code == 200 and response.json() == {}
    assert [job["uuid"] for job in zs.query("/gc-jobs")["inventories"]] == [GC_IDLE]
    assert_error(zs.submit("DELETE", f"/gc-jobs/{GC_OTHER}"), 503, "SYS.1003", GC_OTHER)


# --- license ----------------------------------------------------------------------------------------------------

LICENSE_FIELDS = {"licenseType", "user", "hostNum", "cpuNum", "availableHostNum", "availableCpuNum", "issuedDate",
                  "expiredDate", "expired", "licenseRequest"}


def test_get_license_info_with_or_without_a_session(anonymous, zs):
    response = anonymous.get("/licenses")
    assert response.status_code == 200
    info = response.json()["inventory"]
    assert set(info) == LICENSE_FIELDS
    assert (info["licenseType"], info["user"], info["hostNum"], info["cpuNum"]) == ("Trial", "zstack", 10, 20)
    assert info["expired"] is False
    assert base64.b64decode(info["licenseRequest"], validate=True)
    assert zs.query("/licenses") == response.json()


def test_get_license_capabilities(zs, anonymous):
    answer = zs.query("/licenses/capabilities")
    assert answer["success"] is True
    assert answer["capabilities"]["vmware"] == "true" and len(answer["capabilities"]) == 15
    assert set(answer["capabilities"].values()) == {"true"}
    assert_error(anonymous.get("/licenses/capabilities"), 401, "ID.1001")


def test_reload_license(emulator, zs):
    response = zs.submit("PUT", "/licenses/actions", json={"reloadLicense": {"managementNodeUuids": [NODE_UUID]}})
    assert response.status_code == 200
    assert set(response.json()["inventory"]) == LICENSE_FIELDS
    zs.submit("PUT", "/licenses/actions", json={"reloadLicense": {}})
    assert emulator.state()["license"]["reloads"] == 2
    missing = new_job_uuid()
    failed = zs.submit("PUT", "/licenses/actions", json={"reloadLicense": {"managementNodeUuids": [missing]}})
    assert_error(failed, 503, "SYS.1003", missing)


def test_reload_license_answers_at_once_when_set_to_sync():
    with emulators.start("zstack", port=0, reload_license="sync") as handle:
        client = ZStack(handle.url)
        client.login()
        response = client.call("PUT", "/licenses/actions", json={"reloadLicense": {"managementNodeUuids": [NODE_UUID]}})
        assert response.status_code == 200 and set(response.json()["inventory"]) == LICENSE_FIELDS
        missing = new_job_uuid()
        failed = client.call("PUT", "/licenses/actions", json={"reloadLicense": {"managementNodeUuids": [missing]}})
        assert_error(failed, 503, "SYS.1003", missing)
        bad = client.call("PUT", "/licenses/actions", json={"reloadLicense": {"managementNodeUuids": "x"}})
        assert_error(bad, 400, "SYS.1007", "managementNodeUuids")
        assert handle.state()["license"]["reloads"] == 1
        assert handle.state()["jobs"] == {}


def test_update_license(emulator, zs):
    fields = {"user": "acme", "hostNum": 50, "cpuNum": 100, "expiredDate": "2999-01-01 00:00:00", "secret": "x"}
    license_text = base64.b64encode(json.dumps(fields).encode()).decode()
    response = zs.submit("PUT", f"/licenses/mn/{NODE_UUID}/actions", json={"updateLicense": {"license": license_text}})
    assert response.status_code == 200
    info = response.json()["inventory"]
    assert (info["licenseType"], info["user"], info["hostNum"], info["cpuNum"]) == ("Paid", "acme", 50, 100)
    assert (info["availableHostNum"], info["availableCpuNum"]) == (50, 100)
    assert info["expiredDate"] == "2999-01-01 00:00:00" and info["expired"] is False
    assert "secret" not in info and license_text not in json.dumps(info)
    assert zs.query("/licenses")["inventory"] == info
    assert emulator.state()["license"]["raw"] == license_text


def test_update_license_in_the_past_is_expired_and_plain_text_is_paid(zs):
    past = base64.b64encode(json.dumps({"expiredDate": "2001-01-01 00:00:00"}).encode()).decode()
    info = zs.submit("PUT", f"/licenses/mn/{NODE_UUID}/actions", json={"updateLicense": {"license": past}}).json()
    assert info["inventory"]["expired"] is True
    plain = base64.b64encode(b"opaque license blob").decode()
    info = zs.submit("PUT", f"/licenses/mn/{NODE_UUID}/actions", json={"updateLicense": {"license": plain}}).json()
    assert info["inventory"]["licenseType"] == "Paid"


def test_update_license_errors(zs):
    missing = new_job_uuid()
    valid = base64.b64encode(b"{}").decode()
    assert_error(zs.submit("PUT", f"/licenses/mn/{missing}/actions", json={"updateLicense": {"license": valid}}),
                 503, "SYS.1003", missing)
    not_base64 = {"updateLicense": {"license": "this is license string"}}
    assert_error(zs.call("PUT", f"/licenses/mn/{NODE_UUID}/actions", json=not_base64), 400, "SYS.1007", "license")
    assert_error(zs.call("PUT", f"/licenses/mn/{NODE_UUID}/actions", json={"updateLicense": {}}), 400, "SYS.1007",
                 "license")
    wrong_type = base64.b64encode(json.dumps({"hostNum": "many"}).encode()).decode()
    assert_error(zs.call("PUT", f"/licenses/mn/{NODE_UUID}/actions", json={"updateLicense": {"license": wrong_type}}),
                 400, "SYS.1007", "hostNum")


# --- the query language over HTTP ------------------------------------------------------------------------------

@pytest.fixture
def tagged(zs) -> dict[str, dict[str, Any]]:
    """Four user tags to query: web, db, web-2 (on VM 2) and a tag on the host."""
    made = {}
    for resource_type, resource_uuid, tag in (("VmInstanceVO", VM_UUIDS[0], "web"), ("VmInstanceVO", VM_UUIDS[0], "db"),
                                              ("VmInstanceVO", VM_UUIDS[1], "web-2"), ("HostVO", HOST_UUID, "rack_1")):
        made[tag] = zs.create_tag("user", resource_uuid, tag, resource_type=resource_type).json()["inventory"]
    return made


def tags_of(answer: dict[str, Any]) -> list[str]:
    return [row["tag"] for row in answer["inventories"]]


@pytest.mark.parametrize(("condition", "expected"), [
    ("tag=web", ["web"]),
    ("tag!=web", ["db", "web-2", "rack_1"]),
    ("tag>db", ["web", "web-2", "rack_1"]),
    ("tag<rack_1", ["db"]),
    ("tag>=web", ["web", "web-2"]),
    ("tag<=db", ["db"]),
    ("tag?=web,db", ["web", "db"]),
    ("tag!?=web,db", ["web-2", "rack_1"]),
    ("tag~=web%", ["web", "web-2"]),
    ("tag~=rack\\_1", ["rack_1"]),
    ("tag!~=web%", ["db", "rack_1"]),
    ("tag is null", []),
    ("tag not null", ["web", "db", "web-2", "rack_1"]),
])
def test_every_query_operator(zs, tagged, condition, expected):
    assert tags_of(zs.query("/user-tags", q=condition)) == expected


def test_legacy_condition_parameter(zs, tagged):
    assert tags_of(zs.query("/user-tags", condition="resourceType=HostVO")) == ["rack_1"]


def test_numeric_comparison_over_http(zs):
    latest = zs.query("/notifications", sort="-time", limit="1")["inventories"][0]
    older = zs.query("/notifications", q=f"time<{int(latest['time'])}")["inventories"]
    assert len(older) == 2 and all(item["time"] < latest["time"] for item in older)


def test_limit_start_count_and_reply_with_count(zs, tagged):
    assert tags_of(zs.query("/user-tags", limit="2")) == ["web", "db"]
    assert tags_of(zs.query("/user-tags", limit="2", start="2")) == ["web-2", "rack_1"]
    assert zs.query("/user-tags", q="resourceType=VmInstanceVO", count="true") == {"total": 3}
    page = zs.query("/user-tags", limit="1", start="1", replyWithCount="true")
    assert page["total"] == 4 and tags_of(page) == ["db"]


def test_sort_fields_and_group_by(zs, tagged):
    assert tags_of(zs.query("/user-tags", sort="+tag")) == ["db", "rack_1", "web", "web-2"]
    assert tags_of(zs.query("/user-tags", sort="-tag")) == ["web-2", "web", "rack_1", "db"]
    assert tags_of(zs.query("/user-tags", sortBy="tag", sortDirection="desc")) == ["web-2", "web", "rack_1", "db"]
    rows = zs.query("/user-tags", q="tag=web", fields="uuid,tag")["inventories"]
    assert rows == [{"uuid": tagged["web"]["uuid"], "tag": "web"}]
    rows = zs.get("/user-tags", params=[("q", "tag=db"), ("fields", "tag"), ("fields", "type")]).json()["inventories"]
    assert rows == [{"tag": "db", "type": "User"}]
    grouped = zs.query("/user-tags", groupBy="resourceUuid")
    assert tags_of(grouped) == ["web", "web-2", "rack_1"]


def test_query_by_system_and_user_tags(emulator, zs):
    tagged, other = (zs.submit_long_job(name=name).json()["inventory"]["uuid"] for name in ("tagged", "other"))
    assert zs.create_tag("user", tagged, "owner::ops", resource_type="LongJobVO").status_code == 200
    assert zs.create_tag("system", tagged, "priority::high", resource_type="LongJobVO").status_code == 200
    # a tag of the same text on a resource of another type does not make a long job match
    assert zs.create_tag("user", VM_UUIDS[0], "owner::ops").status_code == 200

    def names(**params: str) -> list[str]:
        return sorted(row["name"] for row in zs.query("/longjobs", **params)["inventories"])

    assert names(q="__userTag__=owner::ops") == ["tagged"]
    assert names(q="__userTag__!=owner::ops") == ["other"]
    assert names(q="__systemTag__~=priority::%") == ["tagged"]
    assert names(q="__systemTag__ is null") == ["other"]
    assert names(q="__userTag__?=owner::dev,owner::ops") == ["tagged"]
    assert zs.query("/longjobs", q="__userTag__ not null", count="true") == {"total": 1}
    assert zs.query("/management-nodes", q="__userTag__=owner::ops")["inventories"] == []
    assert_error(zs.get("/longjobs", params={"fields": "__userTag__"}), 400, "SYS.1007", "fields")


@pytest.mark.parametrize(("params", "parameter"), [
    ({"q": "colour=red"}, "colour"), ({"q": "tag"}, "q"), ({"limit": "-1"}, "limit"), ({"start": "x"}, "start"),
    ({"sort": "+colour"}, "sort"), ({"fields": "colour"}, "fields"), ({"groupBy": "colour"}, "groupBy"),
    ({"count": "maybe"}, "count"),
])
def test_invalid_query_parameters_answer_400(zs, params, parameter):
    assert_error(zs.get("/user-tags", params=params), 400, "SYS.1007", parameter)


# --- state and fixtures ------------------------------------------------------------------------------------------

def test_export_and_import_state(emulator, zs):
    tag = zs.create_tag("system", VM_UUIDS[0], "ha::NeverStop").json()["inventory"]
    zs.submit("PUT", f"/gc-jobs/{GC_IDLE}/actions", json={"triggerGCJob": {}})
    exported = emulator.state()
    assert json.loads(json.dumps(exported)) == exported
    assert set(exported) >= {"sessions", "jobs", "tags", "notifications", "gc_jobs", "long_jobs", "license",
                             "resources", "nodes", "hosts"}
    with emulator.app.lock:
        emulator.app.reset()
    assert_error(zs.get("/system-tags"), 401, "ID.1001")
    with emulator.app.lock:
        emulator.app.import_state(exported)
    assert zs.query("/system-tags")["inventories"] == [tag]
    assert zs.query(f"/gc-jobs/{GC_IDLE}")["inventories"][0]["status"] == "Done"


def test_state_file_keeps_sessions_tags_and_jobs_across_restarts(tmp_path):
    state_file = tmp_path / "zstack.json"
    first = emulators.start("zstack", port=0, state_file=str(state_file), job_delay=0)
    try:
        client = ZStack(first.url)
        client.login()
        response = client.call("POST", "/user-tags", json={"params": {
            "resourceType": "VmInstanceVO", "resourceUuid": VM_UUIDS[0], "tag": "kept"}})
        location = response.json()["location"]
    finally:
        first.stop()
    assert "kept" in state_file.read_text()
    second = emulators.start("zstack", port=0, state_file=str(state_file))
    try:
        client.base_url = second.url
        assert tags_of(client.query("/user-tags")) == ["kept"]
        polled = requests.get(location.replace(first.url, second.url), headers=client.headers(), timeout=5)
        assert polled.status_code == 200 and polled.json()["inventory"]["tag"] == "kept"
    finally:
        second.stop()


def test_fixtures_extend_and_override_the_built_ins():
    handle = emulators.start("zstack", port=0, fixtures_file=str(FIXTURES))
    try:
        client = ZStack(handle.url)
        client.login()
        assert len(client.query("/management-nodes")["inventories"]) == 2
        assert client.query(f"/notifications/{NOTIFICATION_INFO}")["inventories"][0]["status"] == "Read"
        assert client.query("/notifications", count="true") == {"total": 4}
        assert client.query(f"/gc-jobs/{GC_OTHER}")["inventories"][0]["status"] == "Done"
        assert client.query("/licenses")["inventory"]["user"] == "example-lab"
        added_vm = "ffc5d719c9a247d98faf3b86734f08a5"
        assert client.create_tag("user", added_vm, "web").status_code == 200
        capacity = "/hosts/capacities/cpu-memory"
        assert client.query(capacity, all="true")["totalCpu"] == 32 + 16 + 8
        zone = "d4a9c3eef54c4e6fbbad5ecf7a8b9ca3"
        assert client.query(capacity, zoneUuids=zone)["totalCpu"] == 32 + 16
        cluster = "93be096efc154997884acc9ff10afdb6"
        # hostUuids win over clusterUuids, which win over zoneUuids, as in ZStack
        assert client.query(capacity, zoneUuids=zone, clusterUuids=cluster)["totalCpu"] == 8
        assert client.query(capacity, clusterUuids=cluster, hostUuids=HOST_UUID)["availableCpu"] == 24
        other_host = "fcf1965050b44058867a81dd96438975"
        both = client.get(capacity, params=[("hostUuids", HOST_UUID), ("hostUuids", other_host)])
        assert both.json()["availableMemory"] == 34359738368 + 17179869184
    finally:
        handle.stop()
