"""The 29 operations of the ZStack 2.3.1 global API document, each with a valid request.

Bodies follow the document: creates under `params`, actions under their action name, and the
`systemTags` / `userTags` lists every API message may carry beside its own fields. GET operations
take their parameters in the query string and have no body to mutate.
"""

from __future__ import annotations

import hashlib
from typing import Any

import requests
from ansible_collections.converge.platforms.plugins.module_utils.client_base import decoded_json

from emulators.zstack.state import HOST_UUID, NODE_UUID
from tests.contract.bad_input import Operation

PLATFORM = "zstack"
DOCUMENTED_OPERATIONS = 29

API = "/zstack/v1"
GC_IDLE = "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8"
GC_OTHER = "4d5e6f7a8b9c4ad1e2f3a4b5c6d7e8f9"
NOTIFICATIONS = ["0f1e2d3c4b5a49688796a5b4c3d2e1f0", "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"]
LICENSE = "eyJ1c2VyIjogImFjbWUiLCAiaG9zdE51bSI6IDh9"  # base64 of {"user": "acme", "hostNum": 8}
#: the emulated seconds that make every API job of the preparation answer
JOB_WAIT_SECONDS = 1
#: SubmitLongJob's jobData, a JSON string; its braces are doubled as `Operation.filled` formats strings
JOB_DATA = '{{"volumeUuid": "45a53d3d93384433add8ead7616586cf"}}'
TIMEOUT = 10


def _tags(body: dict[str, Any]) -> dict[str, Any]:
    """A body with the two tag lists the document shows beside every API message's own fields."""
    return {**body, "systemTags": [], "userTags": []}


def _login_body(password: str = "password") -> dict[str, Any]:
    return {"logInByAccount": {"accountName": "admin", "password": hashlib.sha512(password.encode()).hexdigest()}}


OPERATIONS = [
    Operation("LogInByAccount", "PUT", f"{API}/accounts/login", _tags(_login_body())),
    Operation("LogOut", "DELETE", f"{API}/accounts/sessions/{{other_session}}"),
    Operation("async job polling", "GET", f"{API}/api-jobs/{{job}}"),
    Operation("QueryManagementNode", "GET", f"{API}/management-nodes", query={"q": f"uuid={NODE_UUID}"}),
    Operation("GetVersion", "PUT", f"{API}/management-nodes/actions", _tags({"getVersion": {}})),
    Operation("GetCurrentTime", "PUT", f"{API}/management-nodes/actions", _tags({"getCurrentTime": {}})),
    Operation("IsReadyToGo", "GET", f"{API}/management-nodes/ready", query={"managementNodeId": NODE_UUID}),
    Operation("CreateSystemTag", "POST", f"{API}/system-tags",
              _tags({"params": {"resourceType": "HostVO", "resourceUuid": HOST_UUID, "tag": "reservedMemory::2G"}})),
    Operation("QuerySystemTag", "GET", f"{API}/system-tags", query={"q": "resourceType=HostVO"}),
    Operation("UpdateSystemTag", "PUT", f"{API}/system-tags/{{system_tag}}/actions",
              _tags({"updateSystemTag": {"tag": "reservedMemory::4G"}})),
    Operation("CreateUserTag", "POST", f"{API}/user-tags",
              _tags({"params": {"resourceType": "HostVO", "resourceUuid": HOST_UUID, "tag": "rack::2"}})),
    Operation("QueryUserTag", "GET", f"{API}/user-tags", query={"q": "tag~=rack::%"}),
    Operation("DeleteTag", "DELETE", f"{API}/tags/{{user_tag}}", _tags({"deleteMode": "Permissive"})),
    Operation("GetTaskProgress", "GET", f"{API}/task-progresses/{{api_id}}", query={"all": "true"}),
    Operation("DeleteNotifications", "DELETE", f"{API}/notifications", _tags({"uuids": NOTIFICATIONS[:1]})),
    Operation("QueryNotification", "GET", f"{API}/notifications", query={"q": "status=Unread"}),
    Operation("UpdateNotificationsStatus", "PUT", f"{API}/notifications/actions",
              _tags({"updateNotificationsStatus": {"uuids": NOTIFICATIONS, "status": "Read"}})),
    Operation("GetCpuMemoryCapacity", "GET", f"{API}/hosts/capacities/cpu-memory", query={"hostUuids": HOST_UUID}),
    Operation("TriggerGCJob", "PUT", f"{API}/gc-jobs/{GC_IDLE}/actions", _tags({"triggerGCJob": {}})),
    Operation("DeleteGCJob", "DELETE", f"{API}/gc-jobs/{GC_OTHER}", _tags({})),
    Operation("QueryGCJob", "GET", f"{API}/gc-jobs", query={"q": "status=Idle"}),
    Operation("GetLicenseInfo", "GET", f"{API}/licenses"),
    Operation("GetLicenseCapabilities", "GET", f"{API}/licenses/capabilities"),
    Operation("ReloadLicense", "PUT", f"{API}/licenses/actions",
              _tags({"reloadLicense": {"managementNodeUuids": [NODE_UUID]}})),
    Operation("UpdateLicense", "PUT", f"{API}/licenses/mn/{NODE_UUID}/actions",
              _tags({"updateLicense": {"license": LICENSE}})),
    Operation("SubmitLongJob", "POST", f"{API}/longjobs",
              _tags({"params": {"name": "migrate-volume", "description": "to another primary storage",
                                "jobName": "APIPrimaryStorageMigrateVolumeMsg", "jobData": JOB_DATA,
                                "targetResourceUuid": HOST_UUID}})),
    Operation("DeleteLongJob", "DELETE", f"{API}/longjobs/{{finished_long_job}}", _tags({})),
    Operation("QueryLongJob", "GET", f"{API}/longjobs", query={"q": "state=Running"}),
    Operation("CancelLongJob", "PUT", f"{API}/longjobs/{{running_long_job}}/actions", _tags({"cancelLongJob": {}})),
]


def _login(url: str) -> str:
    response = requests.put(url + f"{API}/accounts/login", json=_login_body(), timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()["inventory"]["uuid"]


def connect(handle) -> requests.Session:
    """A session logged in to the emulator: every call carries `Authorization: OAuth <session uuid>`."""
    session = requests.Session()
    session.headers["Authorization"] = f"OAuth {_login(handle.url)}"
    return session


def _result(session: requests.Session, url: str, method: str, path: str, body: dict[str, Any]) -> tuple[str, Any]:
    """Run an async API to its end (stepping the emulator's clock); (job uuid, result body)."""
    accepted = session.request(method, url + path, json=body, timeout=TIMEOUT)
    assert accepted.status_code == 202, accepted.text
    location = accepted.json()["location"]
    requests.post(url + "/_emulator/clock", json={"advance": JOB_WAIT_SECONDS}, timeout=TIMEOUT).raise_for_status()
    done = session.get(location, timeout=TIMEOUT)
    assert done.status_code == 200, done.text
    return location.rsplit("/", 1)[-1], done.json()


def _long_job(session: requests.Session, url: str, name: str) -> dict[str, Any]:
    params = {"name": name, "jobName": "APIPrimaryStorageMigrateVolumeMsg", "jobData": "{}"}
    return _result(session, url, "POST", f"{API}/longjobs", {"params": params})[1]["inventory"]


def prepare(session: requests.Session, url: str) -> dict[str, str]:
    """Two tags, a running and a cancelled long job, a finished API job and a second session to log out."""
    tag_params = {"resourceType": "HostVO", "resourceUuid": HOST_UUID}
    job, system_tag = _result(session, url, "POST", f"{API}/system-tags",
                              {"params": {**tag_params, "tag": "reservedMemory::1G"}})
    _job, user_tag = _result(session, url, "POST", f"{API}/user-tags", {"params": {**tag_params, "tag": "rack::1"}})
    running = _long_job(session, url, "running")
    finished = _long_job(session, url, "finished")
    _result(session, url, "PUT", f"{API}/longjobs/{finished['uuid']}/actions", {"cancelLongJob": {}})
    return {"job": job, "system_tag": system_tag["inventory"]["uuid"], "user_tag": user_tag["inventory"]["uuid"],
            "running_long_job": running["uuid"], "api_id": running["apiId"], "finished_long_job": finished["uuid"],
            "other_session": _login(url)}


def refusal(response: requests.Response) -> str | None:
    """ZStack's `{"error": {code, description, details}}` on a 4xx: its description and details."""
    body = decoded_json(response) if response.status_code >= 400 else None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not error.get("code"):
        return None
    return " ".join(str(error.get(key) or "") for key in ("description", "details")).strip()
