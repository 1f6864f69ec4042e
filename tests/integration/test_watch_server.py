"""`reconciler watch --listen`: /metrics, /healthz, /readyz, /api/status and the page's route, served beside a
watcher that follows a bare git repository against the OpenDCP emulator (in-process, on a stepped clock)
(reconciler/watch/server.py, metrics.py)."""

from __future__ import annotations

import select
import signal
import subprocess
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import emulators
from reconciler.state import open_backend
from reconciler.watch.loop import Watcher
from reconciler.watch.policy import DRIFT, Policy
from reconciler.watch.server import ListenProblem, WatchServer, serving
from tests.integration.test_watch import by_hand
from tests.support import BIN, ansible_env, run_cli
from tests.watch_support import OWNER, Repository, clusters_file, watcher_of

pytestmark = pytest.mark.slow
SUSPENDED = "the cache is being migrated"


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


@dataclass
class Scene:
    """A watcher of three clusters, its server, and what the emulator answered each cycle."""

    watcher: Watcher
    server: WatchServer
    revision: str
    answered: Counter
    #: what /readyz answered before the first cycle
    readyz_before: requests.Response | None = None

    def get(self, path: str, method: str = "GET") -> requests.Response:
        return requests.request(method, self.server.url + path.lstrip("/"), timeout=30)


def suspend(state_dir: Path, target_kind: str, name: str) -> None:
    """A suspension of one entry, kept in the watch's state as `reconciler suspend` keeps it."""
    with open_backend(f"file://{state_dir}", state_dir) as backend:
        backend.suspend(OWNER, target_kind, name, SUSPENDED, user="ops")


def cycle(scene_watcher: Watcher, opendcp, answered: Counter) -> None:
    """One cycle, counting the statuses of the answers the emulator gave in it."""
    opendcp.clear_requests()
    scene_watcher.run(cycles=1)
    answered.update(str(request["status"]) for request in opendcp.requests)


@contextmanager
def three_clusters(opendcp, tmp_path) -> Iterator[Scene]:
    """web, db and cache applied by a first cycle; then db changed by hand and cache suspended, and a second
    cycle: web synced, db drifted (no --self-heal), cache suspended. The scene, serving for the block."""
    repository = Repository(tmp_path / "git")
    revision = repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}, "db": {"desc": "data"},
                                                                       "cache": {"desc": "fast"}})})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(apply=True), f"file://{tmp_path / 'state'}")
    with serving(watcher, "127.0.0.1:0", lambda line: None) as server:
        assert server is not None
        scene = Scene(watcher, server, revision, Counter())
        scene.readyz_before = scene.get("/readyz")
        cycle(watcher, opendcp, scene.answered)
        by_hand(opendcp, "db", "moved [converge:team-a]")
        suspend(tmp_path / "state", "opendcp_cluster", "cache")
        cycle(watcher, opendcp, scene.answered)
        yield scene


@pytest.fixture
def scene(opendcp, tmp_path):
    with three_clusters(opendcp, tmp_path) as serving_scene:
        yield serving_scene


def samples(scene: Scene) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value of every sample /metrics serves, parsed by prometheus_client."""
    answer = scene.get("/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def test_metrics_count_the_cycles_entries_applies_and_requests(scene):
    found = samples(scene)
    entries = {dict(labels)["status"]: value for (name, labels), value in found.items()
               if name == "converge_watch_entries"}
    assert entries == {"synced": 1, "drifted": 1, "failed": 0, "suspended": 1}
    assert found[("converge_watch_applies_total", (("outcome", "succeeded"),))] == 1
    assert found[("converge_watch_applies_total", (("outcome", "failed"),))] == 0
    assert found[("converge_watch_applied_changes_total", (("outcome", "done"),))] == 3
    cycles = {dict(labels)["outcome"]: value for (name, labels), value in found.items()
              if name == "converge_watch_cycles_total" and value}
    assert cycles == {"applied": 1, "drifted": 1}
    assert found[("converge_watch_cycle_duration_seconds_count", ())] == 2
    assert found[("converge_watch_revision_info", (("revision", scene.revision),))] == 1
    assert found[("converge_watch_last_sync_timestamp_seconds", ())] == scene.watcher.clock.now()
    sent = {dict(labels)["status"]: value for (name, labels), value in found.items()
            if name == "converge_watch_requests_total" and dict(labels)["platform"] == "opendcp"}
    assert sent == dict(scene.answered) and sent["200"] > 0


def test_health_and_readiness(scene):
    assert scene.readyz_before is not None
    assert (scene.readyz_before.status_code, scene.readyz_before.text) == (503, "not ready: no revision planned yet\n")
    assert (scene.get("/healthz").status_code, scene.get("/healthz").text) == (200, "ok\n")
    assert (scene.get("/readyz").status_code, scene.get("/readyz").text) == (200, "ready\n")
    scene.watcher.request_stop("the test is over")
    assert (scene.get("/healthz").status_code, scene.get("/healthz").text) == (503, "stopping\n")


def test_api_status_lists_each_entry_with_its_source_the_pending_plan_and_the_applies(scene):
    answer = scene.get("/api/status")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    status = answer.json()
    assert status["revision"] == scene.revision and status["cycles"] == 2
    last = status["last_cycle"]
    assert (last["number"], last["outcome"]) == (2, "drifted")
    assert [(e["title"], e["status"], e["source"]) for e in last["entries"]] == [
        ("opendcp_cluster[name=web]", "synced", "dcp.yml:7"),
        ("opendcp_cluster[name=db]", "drifted", "dcp.yml:8"),
        ("opendcp_cluster[name=cache]", "suspended", "dcp.yml:9")]
    assert [(p["identity"], p["action"], p["held"]) for p in last["pending"]] == [({"name": "db"}, "update", DRIFT)]
    assert [(a["cycle"], a["outcome"], [(c["identity"]["name"], c["status"]) for c in a["changes"]])
            for a in status["applies"]] == [(1, "applied", [("web", "done"), ("db", "done"), ("cache", "done")])]
    assert [row["reason"] for row in last["suspensions"]] == [SUSPENDED]
    assert last["requests"]["opendcp"]


def test_other_paths_are_404_and_other_methods_405(scene):
    missing = scene.get("/nowhere")
    assert missing.status_code == 404 and missing.text.startswith("not found: /nowhere")
    for method in ("POST", "PUT", "DELETE", "PATCH", "TRACE"):
        refused = scene.get("/api/status", method)
        assert (refused.status_code, refused.headers["Allow"]) == (405, "GET, HEAD"), method
    head = scene.get("/api/status", "HEAD")
    assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) > 0
    page = scene.get("/")
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Traceback" not in page.text and "opendcp_cluster[name=cache]" in page.text


def test_the_bound_port_is_printed_and_a_busy_one_refused(tmp_path):
    lines: list[str] = []
    repository = Repository(tmp_path / "git")
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(), f"file://{tmp_path / 'state'}")
    with serving(watcher, "127.0.0.1:0", lines.append) as server:
        assert server is not None and lines == [f"serving {server.url}"]
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0/")
        other, _ = watcher_of(repository, tmp_path / "cache2", Policy(), f"file://{tmp_path / 'state'}")
        busy = server.url.removeprefix("http://").rstrip("/")
        with pytest.raises(ListenProblem) as refused, serving(other, busy, lines.append):
            lines.append("served twice")
        assert str(refused.value).startswith(f"--listen {busy}: cannot serve there: ")
        assert len(lines) == 1


def lines_until(process: subprocess.Popen, wanted: str, seen: list[str], patience: float = 120) -> str:
    """Read the process's output, line by line, up to the first line that starts with `wanted`; that line."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = process.stdout.readline() if ready else ""
        if ready and not line:
            break  # the process ended
        seen.append(line.rstrip("\n"))
        if line.startswith(wanted):
            return line.rstrip("\n")
    raise AssertionError(f"no line starting {wanted!r} in {seen}")


def test_the_command_serves_while_it_watches_and_stops_serving_when_it_ends(opendcp, tmp_path):
    desired = tmp_path / "desired"
    desired.mkdir()
    (desired / "dcp.yml").write_text(clusters_file(opendcp.url, {"web": {"desc": "shop"}}), encoding="utf-8")
    command = [str(BIN / "reconciler"), "watch", str(desired), "--listen", "127.0.0.1:0", "--interval", "3600",
               "--state", f"file://{tmp_path / 'state'}"]
    seen: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=ansible_env()) as process:
        try:
            url = lines_until(process, "serving http://127.0.0.1:", seen).removeprefix("serving ")
            lines_until(process, "cycle 1 at ", seen)
            assert requests.get(url + "readyz", timeout=30).status_code == 200
            entries = requests.get(url + "api/status", timeout=30).json()["last_cycle"]["entries"]
            assert [(e["source"], e["status"]) for e in entries] == [("dcp.yml:7", "drifted")]  # reporting only
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    assert "stopped: the watch received SIGTERM" in out and "Traceback" not in err
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "healthz", timeout=30)


def test_a_listen_address_that_is_no_host_and_port_is_refused_by_name(tmp_path):
    done = run_cli(["reconciler", "watch", str(tmp_path), "--listen", "nowhere", "--cycles", "1"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "--listen 'nowhere': give HOST:PORT, as 127.0.0.1:9100 (port 0: any free port)" in done.stderr
