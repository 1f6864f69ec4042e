"""The emulator framework: control API, persistence, latency and fault injection (on the ZStack emulator)."""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import emulators

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


def login(url: str) -> dict:
    import hashlib

    body = {"logInByAccount": {"accountName": "admin", "password": hashlib.sha512(b"password").hexdigest()}}
    session = requests.put(f"{url}/zstack/v1/accounts/login", json=body, timeout=5).json()["inventory"]["uuid"]
    return {"Authorization": f"OAuth {session}"}


def create_tag(url: str, headers: dict, tag: str) -> requests.Response:
    body = {"params": {"resourceType": "VmInstanceVO", "resourceUuid": VM, "tag": tag}}
    return requests.post(f"{url}/zstack/v1/user-tags", json=body, headers=headers, timeout=5)


def test_control_api_state_requests_reset_and_faults(zstack):
    headers = login(zstack.url)
    assert create_tag(zstack.url, headers, "x").status_code == 202
    control = f"{zstack.url}/_emulator"
    assert len(requests.get(f"{control}/state", timeout=5).json()["tags"]) == 1
    log = requests.get(f"{control}/requests", timeout=5).json()
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("PUT", "/zstack/v1/accounts/login", 200), ("POST", "/zstack/v1/user-tags", 202)]
    assert requests.post(f"{control}/faults", json={"latency_ms": 5, "fault_rate": 0.5}, timeout=5).json() == {
        "latency_ms": 5.0, "fault_rate": 0.5}
    assert requests.post(f"{control}/faults", json={"fault_rate": 2}, timeout=5).status_code == 400
    assert requests.post(f"{control}/reset", timeout=5).status_code == 200
    assert requests.get(f"{control}/state", timeout=5).json()["tags"] == {}
    assert requests.get(f"{control}/requests", timeout=5).json() == []


def test_state_file_keeps_objects_across_restarts(tmp_path):
    state = tmp_path / "zstack.json"
    with emulators.start("zstack", port=0, state_file=str(state)) as first:
        create_tag(first.url, login(first.url), "kept")
        time.sleep(0.1)
    with emulators.start("zstack", port=0, state_file=str(state)) as second:
        assert [t["tag"] for t in second.state()["tags"].values()] == ["kept"]


def test_latency_delays_every_response():
    with emulators.start("zstack", port=0, latency_ms=150) as handle:
        started = time.perf_counter()
        requests.get(f"{handle.url}/zstack/v1/licenses", timeout=5)
        assert time.perf_counter() - started >= 0.15


def test_faults_are_repeatable_with_a_seed_and_some_come_after_the_change():
    def run() -> list:
        with emulators.start("zstack", port=0, fault_rate=0.5, seed=11) as handle:
            headers = None
            while headers is None:
                try:
                    headers = login(handle.url)
                except (requests.ConnectionError, ValueError, KeyError):
                    headers = None
            for index in range(20):
                with contextlib.suppress(requests.ConnectionError):  # a dropped connection is one of the faults
                    create_tag(handle.url, headers, f"t{index}")
            committed = {t["tag"] for t in handle.state()["tags"].values()}
            return [(r["path"], r.get("fault")) for r in handle.requests], committed

    first, second = run(), run()
    assert first == second
    creates = [fault for path, fault in first[0] if path.endswith("/user-tags")]
    assert any(f and f.startswith("after") for f in creates)
    assert any(f and f.startswith("before") for f in creates)
    # a write that failed after its change is committed all the same; one failed before is not
    reached = [f for f in creates if f is None or f.startswith("after")]
    assert len(first[1]) == len(reached)


def test_serves_requests_concurrently(zstack):
    zstack.set_faults(latency_ms=500)  # eight in a row would take 4 s
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: requests.get(f"{zstack.url}/zstack/v1/licenses", timeout=5).status_code,
                              range(8)))
    assert codes == [200] * 8
    assert time.perf_counter() - started < 2.5


@pytest.mark.parametrize("platform", sorted(emulators.PLATFORMS))
def test_every_registered_platform_starts_and_serves_its_control_api(platform):
    with emulators.start(platform, port=0) as handle:
        assert requests.get(f"{handle.url}/_emulator/state", timeout=5).status_code == 200
