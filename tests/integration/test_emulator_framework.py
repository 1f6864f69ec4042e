"""The emulator framework: control API, persistence, latency and fault injection (on the ZStack emulator)."""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import emulators
from emulators.common.clock import Clock

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
        "latency_ms": 5.0, "fault_rate": 0.5, "modes": ["503", "drop", "504"], "delay_s": 2.0, "jitter_ms": 200.0}
    assert requests.post(f"{control}/faults", json={"fault_rate": 2}, timeout=5).status_code == 400
    assert requests.post(f"{control}/reset", timeout=5).status_code == 200
    assert requests.get(f"{control}/state", timeout=5).json()["tags"] == {}
    assert requests.get(f"{control}/requests", timeout=5).json() == []


def test_state_file_keeps_objects_across_restarts(tmp_path):
    state = tmp_path / "zstack.json"
    with emulators.start("zstack", port=0, state_file=str(state)) as first:
        create_tag(first.url, login(first.url), "kept")
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


# --- the one clock and its control endpoint --------------------------------------------------------------
def clock_of(handle, advance=None) -> requests.Response:
    """GET /_emulator/clock, or POST it with `{"advance": advance}`."""
    url = f"{handle.url}/_emulator/clock"
    if advance is None:
        return requests.get(url, timeout=5)
    return requests.post(url, json={"advance": advance}, timeout=5)


def test_clock_is_wall_start_plus_scaled_elapsed_plus_steps():
    real = [100.0]
    clock = Clock(time_scale=4, wall=lambda: 1_000_000.0, monotonic=lambda: real[0])
    assert clock.now() == 1_000_000.0
    real[0] += 2.5
    assert clock.now() == 1_000_010.0
    assert clock.advance(60) == 1_000_070.0
    assert clock.advance(0) == 1_000_070.0
    assert (clock.offset, clock.time_scale, clock.real_seconds(8)) == (60.0, 4.0, 2.0)
    for bad in (-1, "5", None, True, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            clock.advance(bad)
    assert clock.now() == 1_000_070.0
    with pytest.raises(ValueError, match="time_scale must be positive"):
        Clock(time_scale=0)


def test_clock_endpoint_steps_emulated_time_by_the_amount():
    with emulators.start("zstack", port=0, time_scale=1e-6) as handle:  # real time all but stands still
        before = clock_of(handle)
        assert before.status_code == 200
        assert set(before.json()) == {"now", "time_scale"} and before.json()["time_scale"] == 1e-6
        stepped = clock_of(handle, 3600)
        assert stepped.status_code == 200
        assert stepped.json()["now"] - before.json()["now"] == pytest.approx(3600, abs=0.01)
        assert clock_of(handle).json()["now"] == pytest.approx(stepped.json()["now"], abs=0.01)
        assert handle.advance_clock(0.5) == pytest.approx(stepped.json()["now"] + 0.5, abs=0.01)
        assert handle.now() == pytest.approx(clock_of(handle).json()["now"], abs=0.01)
        assert handle.requests == []  # control calls are not part of the request log


@pytest.mark.parametrize("body", [
    b"not json", b"", b"[]", b"{}", b'{"advance": -1}', b'{"advance": "10"}', b'{"advance": null}',
    b'{"advance": true}', b'{"advance": NaN}', b'{"advance": [1]}',
])
def test_clock_endpoint_answers_400_to_bad_input_and_keeps_the_time(body):
    with emulators.start("zstack", port=0, time_scale=1e-6) as handle:
        before = clock_of(handle).json()["now"]
        response = requests.post(f"{handle.url}/_emulator/clock", data=body,
                                 headers={"Content-Type": "application/json"}, timeout=5)
        assert response.status_code == 400
        assert isinstance(response.json()["error"], str) and response.json()["error"]
        assert clock_of(handle).json()["now"] == pytest.approx(before, abs=0.01)
        with pytest.raises(ValueError):
            handle.advance_clock(-5)


def test_a_zstack_job_is_done_once_the_clock_is_stepped_past_its_delay():
    with emulators.start("zstack", port=0, job_delay=60, time_scale=1e-6) as handle:
        headers = login(handle.url)
        location = create_tag(handle.url, headers, "stepped").json()["location"]
        assert requests.get(location, headers=headers, timeout=5).status_code == 202
        assert clock_of(handle, 30).status_code == 200
        assert requests.get(location, headers=headers, timeout=5).status_code == 202
        assert clock_of(handle, 31).status_code == 200
        done = requests.get(location, headers=headers, timeout=5)
        assert done.status_code == 200 and done.json()["inventory"]["tag"] == "stepped"


def test_a_vsd_memory_snapshot_is_ready_once_the_clock_is_stepped_past_its_save():
    from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM, BUILTIN_TENANT

    scope = {"cluster_uuid": BUILTIN_CLUSTER, "tenant": BUILTIN_TENANT, "compute_uuid": BUILTIN_RUNNING_VM}
    snap = "/v1/compute/vsd/snapshot"
    with emulators.start("vsd", port=0, memory_save_seconds=600, time_scale=1e-6) as handle:
        created = requests.post(f"{handle.url}{snap}/create", json=dict(scope, name="mem", domain_memory=True),
                                timeout=5)
        assert created.json()["scode"] == 0

        def status() -> str:
            answer = requests.get(f"{handle.url}{snap}/get", params=dict(scope, name="mem"), timeout=5).json()
            return answer["data"]["attr"]["memory_status"]

        assert status() == "saving"
        clock_of(handle, 599)
        assert status() == "saving"
        clock_of(handle, 1)
        assert status() == "ready"


@pytest.mark.parametrize("platform", sorted(emulators.PLATFORMS))
def test_every_platform_reads_time_from_the_one_clock(platform):
    with emulators.start(platform, port=0, time_scale=1e-6) as handle:
        before = handle.now()
        assert clock_of(handle, 86400).json()["now"] == pytest.approx(before + 86400, abs=0.01)
        assert handle.app.state.now() == pytest.approx(handle.now(), abs=0.01)


def test_set_values_are_typed_once_for_every_platform():
    from emulators.cli import setting_value

    assert [setting_value(v) for v in ("1", "2.5", "true", "abc", " 7 ")] == [1, 2.5, True, "abc", 7]
    for platform, name in (("osgview", "build_seconds"), ("opendcp", "flow_seconds"), ("vsd", "memory_save_seconds"),
                           ("migration", "task_seconds"), ("zstack", "long_job_seconds")):
        handle = emulators.start(platform, port=0, **{name: setting_value("1")})
        handle.stop()


def test_a_state_file_is_readable_by_its_owner_alone(tmp_path):
    import stat

    state_file = tmp_path / "migration.json"
    handle = emulators.start("migration", port=0, state_file=str(state_file))
    try:
        handle.app.save_state()
    finally:
        handle.stop()
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600


def test_the_embedded_state_directory_keeps_itself_out_of_git(tmp_path, monkeypatch):
    from reconciler.api import Options, reconcile

    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.yml").write_text("version: 1\nendpoints:\n  opendcp: {embedded: true}\nresources:\n"
                                       "  opendcp_cluster:\n    - {name: web}\n", encoding="utf-8")
    reconcile(Options(["site.yml"], apply=True))
    assert (tmp_path / ".converge" / "embedded" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert oct((tmp_path / ".converge" / "embedded" / "opendcp.json").stat().st_mode & 0o777) == "0o600"
