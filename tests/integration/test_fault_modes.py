"""Each fault mode of the emulator framework does what FAULT_MODES says, and the clients live through it.

Raw HTTP against the emulators first (what the mode looks like on the wire), then the platform's client
(what a user's run sees). Seeded, so each run draws the same faults.
"""

from __future__ import annotations

import pytest
import requests
from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationClient
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient

import emulators
from emulators.common.server import FAULT_MODES
from tests.integration.test_emulator_framework import VM, create_tag, login

INJECTED = "internal error (injected fault)"
#: a read of each platform, and where its envelope says what went wrong
READS = {
    "zstack": ("GET", "/zstack/v1/licenses", None, lambda body: body["error"]["details"]),
    "migration": ("POST", "/MgmtCloudConnection", {"Action": "ListCloudConnection"}, lambda body: body["Msg"]),
    "opendcp": ("GET", "/cluster/list", None, lambda body: body["msg"]),
    "vsd": ("GET", "/v1/compute/vsd/snapshot/list", None, lambda body: body["desc"]),
    "osgview": ("GET", "/osgview/gconnent", None, lambda body: body["msg"]),
}


def test_every_mode_is_described_and_accepted_by_the_control_api(zstack):
    assert {"503", "drop", "504", "429", "html", "truncated", "timeout", "jitter", "envelope", "expire",
            "restart"} == set(FAULT_MODES)
    answer = requests.post(f"{zstack.url}/_emulator/faults", json={"modes": sorted(FAULT_MODES), "delay_s": 0.5,
                                                                    "jitter_ms": 20}, timeout=5).json()
    assert (sorted(answer["modes"]), answer["delay_s"], answer["jitter_ms"]) == (sorted(FAULT_MODES), 0.5, 20.0)
    refused = requests.post(f"{zstack.url}/_emulator/faults", json={"delay_s": -1}, timeout=5)
    assert (refused.status_code, refused.json()) == (400, {"error": "fault_delay_s must be a number >= 0"})


@pytest.mark.parametrize("platform", sorted(READS))
def test_envelope_is_a_200_carrying_the_platforms_own_error(platform):
    method, path, body, message = READS[platform]
    with emulators.start(platform, port=0, fault_rate=1.0, fault_modes=["envelope"]) as handle:
        answer = requests.request(method, handle.url + path, json=body, timeout=5)
        assert answer.status_code == 200
        assert message(answer.json()) == INJECTED
        assert handle.requests[-1]["fault"] == "before-envelope"


def test_timeout_commits_the_change_and_answers_after_the_clients_read_timeout(zstack):
    headers = login(zstack.url)
    zstack.set_faults(fault_rate=1.0, modes=["timeout"], delay_s=3.0)
    body = {"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM, "tag": "held"}}
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{zstack.url}/zstack/v1/user-tags", json=body, headers=headers, timeout=(5, 0.5))
    zstack.set_faults(fault_rate=0)
    entry = [r for r in zstack.requests if r["path"] == "/zstack/v1/user-tags"][-1]
    assert (entry["fault"], entry["committed"]) == ("after-timeout", True)


def test_jitter_delays_the_answer_but_gives_it_whole(zstack):
    zstack.set_faults(fault_rate=1.0, modes=["jitter"], jitter_ms=30, seed=3)
    answer = requests.get(f"{zstack.url}/zstack/v1/licenses", timeout=5)
    assert answer.status_code == 200 and "inventory" in answer.json()
    assert zstack.requests[-1]["fault"] == "before-jitter"


def test_expire_ends_every_session_before_the_request_is_handled(zstack):
    headers = login(zstack.url)
    zstack.set_faults(fault_rate=1.0, modes=["expire"])
    refused = requests.get(f"{zstack.url}/zstack/v1/management-nodes", headers=headers, timeout=5)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "ID.1001")


def test_restart_keeps_the_saved_state_and_drops_the_connection(tmp_path):
    state = tmp_path / "zstack.json"
    with emulators.start("zstack", port=0, state_file=str(state)) as handle:
        headers = login(handle.url)
        assert create_tag(handle.url, headers, "kept").status_code == 202
        handle.set_faults(fault_rate=1.0, modes=["restart"])
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{handle.url}/zstack/v1/licenses", timeout=5)
        handle.set_faults(fault_rate=0)
        assert [t["tag"] for t in handle.state()["tags"].values()] == ["kept"]
        # the session was saved with the state, as ZStack keeps it in its database
        assert requests.get(f"{handle.url}/zstack/v1/management-nodes", headers=headers, timeout=5).status_code == 200
        assert handle.requests[-2]["fault"] == "before-restart"


def test_the_zstack_client_renews_a_session_that_keeps_expiring(zstack):
    client = ZStackClient(zstack.url, "admin", "password")
    client.login()
    zstack.set_faults(fault_rate=0.5, modes=["expire"], seed=7)
    for index in range(10):
        client.create_tag("user", "VmInstanceVO", VM, f"renewed::{index}")
    zstack.set_faults(fault_rate=0)
    assert sorted(t["tag"] for t in zstack.state()["tags"].values()) == sorted(f"renewed::{n}" for n in range(10))
    assert sum(1 for r in zstack.requests if r.get("fault") == "before-expire") >= 5


def test_the_migration_client_renews_a_token_that_keeps_expiring():
    with emulators.start("migration", port=0, fault_rate=0.5, fault_modes=["expire"], seed=7) as handle:
        client = MigrationClient(handle.url, "admin", "password")
        for _ in range(10):
            assert isinstance(client.list_cloud_connections(), list)
        logins = [r for r in handle.requests if r["path"] == "/Login"]
        assert len(logins) >= 3  # a new token each time the last one expired
