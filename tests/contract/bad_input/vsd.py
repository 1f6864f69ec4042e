"""The VSD VM-snapshot API's 9 documented operations, each with a valid request (vsd-vm-snapshot-api.md).

The four reads are GETs with query parameters (no body to mutate: their valid request must simply not be a
5xx); the five writes POST a JSON body: a ComputeIdentifier (`cluster_uuid`, `tenant`, `compute_uuid`,
`compute_name`) and the operation's own fields. A refusal is an Output `{scode, desc, message, message_cn,
stack, data}` whose scode is not 0; its `desc` names the field.
"""

from __future__ import annotations

from typing import Any

import requests

from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM, BUILTIN_STOPPED_VM, BUILTIN_TENANT
from tests.contract.bad_input import Operation

PLATFORM = "vsd"
DOCUMENTED_OPERATIONS = 9

SNAPSHOT = "/v1/compute/vsd/snapshot"
RUNNING = {"cluster_uuid": BUILTIN_CLUSTER, "tenant": BUILTIN_TENANT, "compute_uuid": BUILTIN_RUNNING_VM,
           "compute_name": "test-templ"}
STOPPED = {"cluster_uuid": BUILTIN_CLUSTER, "tenant": BUILTIN_TENANT, "compute_uuid": BUILTIN_STOPPED_VM,
           "compute_name": "db-01"}
QUERY = {key: RUNNING[key] for key in ("cluster_uuid", "tenant", "compute_uuid")}

OPERATIONS = [
    Operation("list", "GET", f"{SNAPSHOT}/list", query=dict(QUERY, filter_name="", page_number=1, page_size=10)),
    Operation("get", "GET", f"{SNAPSHOT}/get", query=dict(QUERY, name="origin")),
    Operation("tree", "GET", f"{SNAPSHOT}/tree", query=QUERY),
    Operation("head", "GET", f"{SNAPSHOT}/head", query=QUERY),
    Operation("create", "POST", f"{SNAPSHOT}/create",
              dict(RUNNING, name="temp", description="", domain_memory=False)),
    Operation("modify", "POST", f"{SNAPSHOT}/modify", dict(RUNNING, name="origin", description="desc")),
    Operation("rollback", "POST", f"{SNAPSHOT}/rollback", dict(RUNNING, name="origin", domain_memory=False)),
    Operation("volume rollback", "POST", "/v1/compute/volume/snapshot/rollback",
              dict(STOPPED, disk_snapshot_list=[{"VolumeUuid": "{volume_uuid}", "SnapshotUuid": "{volume_snapshot}",
                                                 "DiskDrive": "vda"}])),
    Operation("delete", "POST", f"{SNAPSHOT}/delete", dict(RUNNING, name="origin")),
]


def connect(handle) -> requests.Session:
    """The API documents no login: a plain session."""
    return requests.Session()


def _create(session: requests.Session, url: str, scope: dict[str, str], name: str) -> None:
    body = dict(scope, name=name, description="", domain_memory=False)
    answer = session.post(f"{url}{SNAPSHOT}/create", json=body, timeout=30).json()
    assert answer["scode"] == 0, answer


def prepare(session: requests.Session, url: str) -> dict[str, str]:
    """A snapshot "origin" of the running VM and of the stopped one; the latter's volume snapshot ids."""
    _create(session, url, RUNNING, "origin")
    _create(session, url, STOPPED, "origin")
    query = {key: STOPPED[key] for key in ("cluster_uuid", "compute_uuid")}
    snapshot = session.get(f"{url}{SNAPSHOT}/get", params=dict(query, name="origin"), timeout=30).json()["data"]
    disk = snapshot["disk_snapshot_list"][0]
    return {"volume_uuid": disk["VolumeUuid"], "volume_snapshot": disk["SnapshotUuid"]}


def refusal(response: requests.Response) -> str | None:
    """An Output whose scode is not 0: its message and desc."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or "scode" not in body or body.get("scode") == 0:
        return None
    return f"{body.get('message')}: {body.get('desc')}"
