"""The Event-Driven Ansible source `converge.platforms.converge_status` (extensions/eda/plugins/event_source/):
its events from a watch's `/api/status`, served here from the status of a watcher run in-process against the
OpenDCP emulator; and, when ansible-rulebook is installed, the example rulebook putting a drifted entry back."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

import emulators
from reconciler.watch.policy import Policy
from tests.integration.test_watch import by_hand, clusters
from tests.support import BIN, ROOT, ansible_env
from tests.watch_support import Repository, clusters_file, watcher_of

pytestmark = pytest.mark.slow
PLUGIN = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "converge_status.py"
RULEBOOK = ROOT / "extensions" / "eda" / "rulebooks" / "converge_drift.yml"
#: the longest a test waits for the source to read the status again (never reached when all is well)
WAIT_SECONDS = 60.0
DRIFT = "changed on the platform since the last apply: --self-heal puts it back"
GHOST = ("actions: remote step 'greet' names a remote action OpenDCP does not have: 'ghost' (known names come from "
         "/action/list)")


def load_plugin() -> Any:
    spec = importlib.util.spec_from_file_location("converge_status", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StatusServer:
    """Serves `document` as /api/status on 127.0.0.1; the first `failures` reads get no answer (the connection is
    closed), the next `errors` an HTTP 500. Counts the reads."""

    def __init__(self, document: Optional[dict[str, Any]] = None) -> None:
        self.document = document or {}
        self.failures = 0
        self.errors = 0
        self.reads = 0
        self._changed = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_reads(self, count: int) -> None:
        """Wait until the status has been read `count` times."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.reads >= count, WAIT_SECONDS), f"{self.reads} reads"

    def _handler(self):
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                with served._changed:
                    failing, erring = served.failures > 0, served.failures == 0 and served.errors > 0
                    served.failures -= failing
                    served.errors -= erring
                    body = json.dumps(served.document).encode()
                if failing:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                else:
                    self.send_response(500 if erring else 200 if self.path == "/api/status" else 404)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                with served._changed:
                    served.reads += 1
                    served._changed.notify_all()

            def log_message(self, *args: Any) -> None:
                return None

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


@pytest.fixture
def status_server():
    server = StatusServer()
    yield server
    server.close()


def desired_text(url: str, extra: Optional[dict[str, dict]] = None) -> str:
    """Two clusters (and `extra`) and a remote step naming an action OpenDCP lacks (blocked: `failed`)."""
    text = clusters_file(url, {"web": {"desc": "shop"}, "db": {"desc": "data"}, **(extra or {})})
    return text + ("  opendcp_remote_step:\n    - {name: greet, desc: hello, actions: [ghost]}\n"
                   "existing: {opendcp_action: [ghost]}\n")


@pytest.fixture
def watched(opendcp, tmp_path):
    """A watcher (apply) whose last cycle found `web` changed by hand and `greet` blocked; (watcher, repository)."""
    repository = Repository(tmp_path / "git")
    repository.push({"dcp.yml": desired_text(opendcp.url)})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(apply=True), f"file://{tmp_path / 'state'}")
    watcher.run(cycles=1)
    by_hand(opendcp, "web", "hot fix")
    watcher.run(cycles=1)
    return watcher, repository


def expected(tmp_path: Path, revision: str, cycle: int, greet_line: int = 10) -> list[dict[str, Any]]:
    source = "dcp.yml"  # as the repository names it
    return [{"converge": {"kind": "opendcp_cluster", "title": "opendcp_cluster[name=web]",
                          "target": "opendcp_cluster/web", "status": "drifted", "reason": DRIFT,
                          "source": f"{source}:7", "revision": revision, "cycle": cycle}},
            {"converge": {"kind": "opendcp_remote_step", "title": "opendcp_remote_step[name=greet]",
                          "target": "opendcp_remote_step/greet", "status": "failed", "reason": GHOST,
                          "source": f"{source}:{greet_line}", "revision": revision, "cycle": cycle}}]


async def follow(url: str, steps, interval: float = 0.01) -> list[list[dict[str, Any]]]:
    """Run the source's `main` against `url`; after each step (run in a thread: it waits for the status server),
    the events queued so far, taken in the loop's own thread; then stop the source."""
    queue: asyncio.Queue = asyncio.Queue()
    task = asyncio.ensure_future(load_plugin().main(queue, {"url": url, "interval": interval}))
    batches = []
    try:
        for step in steps:
            await asyncio.to_thread(step)
            batches.append(drained(queue))
        assert not task.done(), task  # the source is still reading
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return batches


def drained(queue: asyncio.Queue) -> list[dict[str, Any]]:
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


def test_one_event_per_drifted_or_failed_entry_once_per_revision(watched, opendcp, status_server, tmp_path):
    watcher, repository = watched
    status_server.document = watcher.status.as_dict()
    first = watcher.status.as_dict()["revision"]
    pushed = []

    def new_revision():
        status_server.wait_reads(status_server.reads + 2)  # two more reads of the same status
        pushed.append(repository.push({"dcp.yml": desired_text(opendcp.url, {"api": {"desc": "gateway"}})}))
        watcher.run(cycles=1)
        status_server.document = watcher.status.as_dict()

    # a read's events are queued before the next read is sent; the read under way as the status changed may have
    # served the old one: the next served the new one, and its events are queued when a third one is counted
    steps = [lambda: status_server.wait_reads(2), new_revision,
             lambda: status_server.wait_reads(status_server.reads + 3)]
    first_read, same_status, new_status = asyncio.run(follow(status_server.url, steps))
    assert first_read == expected(tmp_path, first, 2)  # cycles are numbered across runs: the second found them
    assert same_status == []  # nothing changed: no event again
    assert "opendcp_cluster[name=api]" in json.dumps(status_server.document)
    assert new_status == expected(tmp_path, pushed[0], 3, greet_line=11)  # a line above it now


class Records(logging.Handler):
    """The source's log lines, and a way to wait for the next ones."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.changed:
            self.lines.append(record.getMessage())
            self.changed.notify_all()

    def wait_lines(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.lines) >= count, WAIT_SECONDS), self.lines


@pytest.fixture
def records():
    handler = Records()
    logger = logging.getLogger("converge.platforms.converge_status")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_status_server_that_cannot_be_reached_is_logged_and_read_again(watched, status_server, records):
    port = free_port()
    asyncio.run(follow(f"http://127.0.0.1:{port}", [lambda: records.wait_lines(3)]))
    assert len(records.lines) >= 3 and set(records.lines) == {
        f"converge_status: cannot read http://127.0.0.1:{port}/api/status: [Errno 111] Connection refused; reading it "
        f"again in 0.01 s"}
    records.lines.clear()
    watcher, _ = watched
    status_server.document = watcher.status.as_dict()
    status_server.failures, status_server.errors = 2, 1  # no answer twice, then an HTTP 500, then the status
    [events] = asyncio.run(follow(status_server.url, [lambda: status_server.wait_reads(5)]))
    assert [event["converge"]["title"] for event in events] == ["opendcp_cluster[name=web]",
                                                                "opendcp_remote_step[name=greet]"]
    assert len(records.lines) == 3, records.lines
    assert all("Remote end closed connection without response" in line for line in records.lines[:2])
    assert records.lines[2] == (f"converge_status: cannot read {status_server.url}/api/status: HTTP 500; reading it "
                                f"again in 0.01 s")


@pytest.mark.skipif(importlib.util.find_spec("ansible_rulebook") is None,
                    reason="ansible-rulebook is not installed (it is no dependency of converge: it needs Java)")
def test_the_example_rulebook_puts_a_drifted_entry_back(watched, opendcp, status_server, tmp_path):
    watcher, repository = watched
    status_server.document = watcher.status.as_dict()
    rulebook = yaml.safe_load(RULEBOOK.read_text(encoding="utf-8"))
    source = rulebook[0]["sources"][0]["converge.platforms.converge_status"]
    source.update(url=status_server.url, interval=0.2)
    rule = rulebook[0]["rules"][0]
    rule["actions"] = [{"run_playbook": rule.pop("action")["run_playbook"]}, {"shutdown": None}]
    (tmp_path / "rulebook.yml").write_text(yaml.safe_dump(rulebook), encoding="utf-8")
    inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (tmp_path / "vars.yml").write_text(yaml.safe_dump({"converge_files": [str(repository.work / "dcp.yml")]}))
    run = subprocess.run([str(BIN / "ansible-rulebook"), "--rulebook", str(tmp_path / "rulebook.yml"),
                          "-i", str(tmp_path / "inventory.yml"), "--vars", str(tmp_path / "vars.yml"),
                          "--print-events"],
                         cwd=ROOT, env=ansible_env({"HOME": str(tmp_path)}), capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "TASK [Reconcile opendcp_cluster/web]" in run.stdout, run.stdout[-6000:]
    assert '"update": 1' in run.stdout, run.stdout[-6000:]  # the plan's summary, shown by the playbook
    # the desc as the file has it (the hand change took the owner's marker off, so none is written back)
    assert clusters(opendcp) == {"web": "shop", "db": "data [converge:team-a]"}
