"""`reconciler watch --notify URL`: the events a watch posts, to a receiver on 127.0.0.1, from a watcher run
in-process on a stepped clock against the emulators (reconciler/watch/notify.py)."""

from __future__ import annotations

import base64
import json
import socket
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.retry import RetryPolicy

import emulators
from reconciler.watch.events import LatestRedaction
from reconciler.watch.notify import Notifier
from reconciler.watch.policy import Policy
from tests.integration.test_watch import by_hand
from tests.support import SteppedClock, run_cli
from tests.watch_support import Repository, clusters_file, watcher_of

pytestmark = pytest.mark.slow
#: the longest a receiver holds a request back (a test that forgets to release it still ends)
GATE_SECONDS = 120.0
ZSTACK_SECRET = "Sentinel-Notify-ZStack-pw-6613"
URL_SECRET = "Sentinel-Notify-Hook-pw-2208"
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
#: a tag that holds the endpoint's password: the run's redaction masks it in every change
TAG = f'"notify::{ZSTACK_SECRET}"'


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST; answers the statuses queued in `answers` first, then
    200; holds every request back while `gate` is clear."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.server.server_address[1]}/hook?channel=ops"

    @property
    def events(self) -> list[dict[str, Any]]:
        """The documents accepted (answered 200), each once (a resent one has the same id)."""
        seen, found = set(), []
        for request in self.requests:
            if request["status"] == 200 and request["body"]["id"] not in seen:
                seen.add(request["body"]["id"])
                found.append(request["body"])
        return found

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.arrived.set()
                receiver.gate.wait(GATE_SECONDS)
                with receiver._lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "raw": raw.decode(),
                                              "body": json.loads(raw), "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        return Handler

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def repository(tmp_path) -> Repository:
    return Repository(tmp_path / "git")


def notified_watcher(repository, tmp_path, policy, urls, log=None, **options):
    """A watcher of the repository whose events go to a Notifier of `urls` (and `options`); (watcher, notifier)."""
    redaction = LatestRedaction()
    notifier = Notifier(urls, redaction, log=log if log is not None else (lambda line: None), **options)
    watcher, _ = watcher_of(repository, tmp_path / "cache", policy, f"file://{tmp_path / 'state'}", sinks=(notifier,))
    watcher.redaction = redaction
    return watcher, notifier


def test_an_apply_posts_the_revision_and_each_change_with_its_outcome(opendcp, repository, receiver, tmp_path):
    revision = repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, notifier = notified_watcher(repository, tmp_path, Policy(apply=True), [receiver.url()])
    watcher.run(cycles=1)
    assert notifier.close(timeout=60) == 0
    [event] = receiver.events
    assert {key: event[key] for key in ("event", "format_version", "revision", "cycle", "outcome")} == {
        "event": "apply", "format_version": 1, "revision": revision, "cycle": 1, "outcome": "applied"}
    assert event["changes"] == [{"kind": "opendcp_cluster", "identity": {"name": "web"}, "action": "create",
                                 "source": "dcp.yml:7", "status": "done"}]
    [request] = receiver.requests
    assert request["path"] == "/hook?channel=ops"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == event["id"]


def test_drift_is_posted_once_and_not_again_while_it_is_the_same(opendcp, repository, receiver, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, notifier = notified_watcher(repository, tmp_path, Policy(apply=True), [receiver.url()])
    watcher.run(cycles=1)
    by_hand(opendcp, "web", "hot fix")
    watcher.run(cycles=2)
    assert notifier.close(timeout=60) == 0
    # the hand change is found by the first of the next two cycles; the second finds the same drift: no event
    assert [(event["event"], event["cycle"]) for event in receiver.events] == [("apply", 1), ("drift", 2)]
    drift = receiver.events[1]
    assert drift["outcome"] == "drifted"
    assert [(change["identity"], change["action"], change["held"]) for change in drift["changes"]] == [
        ({"name": "web"}, "update", "changed on the platform since the last apply: --self-heal puts it back")]


def test_a_rejected_revision_posts_a_failure_with_its_problems(opendcp, repository, receiver, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, notifier = notified_watcher(repository, tmp_path, Policy(apply=True), [receiver.url()])
    watcher.run(cycles=1)
    bad = repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop", "colour": "red"}})})
    watcher.run(cycles=1)
    assert notifier.close(timeout=60) == 0
    assert [event["event"] for event in receiver.events] == ["apply", "failure"]
    failure = receiver.events[1]
    assert (failure["outcome"], failure["entries"]) == ("rejected", [])
    assert failure["problems"][0].startswith(f"revision {bad[:12]} does not validate")
    assert any(problem.startswith("dcp.yml:7: ") and "colour" in problem for problem in failure["problems"])


def test_a_receiver_answering_503_twice_gets_the_event_on_the_third_send(opendcp, repository, receiver, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    receiver.answers = [503, 503]
    lines: list[str] = []
    watcher, notifier = notified_watcher(repository, tmp_path, Policy(apply=True), [receiver.url()], lines.append)
    watcher.run(cycles=1)
    assert notifier.close(timeout=60) == 0
    assert [request["status"] for request in receiver.requests] == [503, 503, 200]
    assert len({request["body"]["id"] for request in receiver.requests}) == 1  # one event, sent three times
    assert [event["event"] for event in receiver.events] == ["apply"]
    assert lines == [] and (notifier.sent, notifier.failed) == (1, 0)


def test_a_receiver_that_does_not_answer_never_holds_the_loop_back(opendcp, repository, receiver, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    receiver.gate.clear()
    # a POST may wait as long as the receiver holds it: a loaded machine's slow cycles never make it a resend
    watcher, notifier = notified_watcher(repository, tmp_path, Policy(apply=True), [receiver.url()],
                                         timeout=GATE_SECONDS)
    watcher.run(cycles=1)
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}, "db": {"desc": "data"}})})
    report = watcher.run(cycles=2)
    assert report.outcome == "synced" and watcher.status.cycles == 3  # every cycle ran, the receiver holding on
    assert receiver.requests == []
    assert receiver.arrived.wait(60)  # the first event is in flight, the second waits in the queue
    receiver.gate.set()
    assert notifier.close(timeout=60) == 0
    assert [(event["event"], event["cycle"]) for event in receiver.events] == [("apply", 1), ("apply", 2)]
    assert [change["identity"] for event in receiver.events for change in event["changes"]] == [
        {"name": "web"}, {"name": "db"}]


def test_a_full_queue_drops_the_oldest_and_the_next_event_says_how_many(receiver):
    receiver.gate.clear()
    lines: list[str] = []
    notifier = Notifier([receiver.url()], lambda text: text, log=lines.append, max_queued=2)
    events = [{"event": "drift", "cycle": number, "revision": "r", "changes": []} for number in range(1, 6)]
    notifier.emit(events[0])
    assert receiver.arrived.wait(60)  # cycle 1's is in flight: the queue holds the next ones
    for event in events[1:]:
        notifier.emit(event)
    receiver.gate.set()
    assert notifier.close(timeout=60) == 0
    assert [(event["cycle"], event.get("dropped")) for event in receiver.events] == [(1, None), (4, 2), (5, None)]
    assert lines == ["notify: the queue is full (2 events): the drift event of cycle 2 is dropped",
                     "notify: the queue is full (2 events): the drift event of cycle 3 is dropped"]


def secret_desired(opendcp_url: str, zstack_url: str) -> str:
    return clusters_file(opendcp_url, {"web": {"desc": "shop"}}).replace("endpoints:\n", textwrap.dedent(f"""\
        endpoints:
          zstack: {{url: {zstack_url}, username: admin, password: {{env: CONVERGE_NOTIFY_SENTINEL}}}}
        """)) + f"  zstack_user_tag:\n    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: {TAG}}}\n"


def test_no_secret_in_any_body_or_log_line(opendcp, repository, receiver, tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERGE_NOTIFY_SENTINEL", ZSTACK_SECRET)
    refusing = Receiver()
    refusing.answers = [500, 500]
    lines: list[str] = []
    with emulators.start("zstack", port=0, password=ZSTACK_SECRET) as zstack:
        repository.push({"dcp.yml": secret_desired(opendcp.url, zstack.url)})
        urls = [receiver.url(f"hook:{URL_SECRET}@"), refusing.url(f"hook:{URL_SECRET}@")]
        watcher, notifier = notified_watcher(repository, tmp_path, Policy(), urls, lines.append)
        watcher.run(cycles=1)
        watcher.options.policy = Policy(apply=True)
        watcher.run(cycles=1)
        assert notifier.close(timeout=60) == 0
    refusing.close()
    assert [event["event"] for event in receiver.events] == ["drift", "apply"], json.dumps(receiver.events, indent=1)
    assert {change["kind"] for change in receiver.events[1]["changes"]} == {"opendcp_cluster", "zstack_user_tag"}
    texts = [request["raw"] for request in receiver.requests + refusing.requests] + lines
    assert [text for text in texts if ZSTACK_SECRET in text or URL_SECRET in text] == []
    assert "********" in json.dumps(receiver.events)  # the tag's secret, masked
    credentials = base64.b64encode(f"hook:{URL_SECRET}".encode()).decode()
    assert {request["headers"]["Authorization"] for request in receiver.requests} == {f"Basic {credentials}"}
    assert len(lines) == 2 and all("refused: HTTP 500" in line and "hook?channel=ops" in line for line in lines)
    assert all(f"http://********@127.0.0.1:{refusing.server.server_address[1]}/hook" in line for line in lines)


def test_notify_takes_only_http_urls(tmp_path):
    with pytest.raises(ValueError, match="'ftp://127.0.0.1/hook' is not an http:// or https:// URL"):
        Notifier(["ftp://127.0.0.1/hook"], lambda text: text)


def test_the_watch_command_posts_its_events_and_sends_what_is_queued_before_it_exits(opendcp, receiver, tmp_path):
    (tmp_path / "desired").mkdir()
    (tmp_path / "desired" / "dcp.yml").write_text(clusters_file(opendcp.url, {"web": {"desc": "shop"}}))
    run = run_cli(["reconciler", "watch", str(tmp_path / "desired"), "--apply", "--cycles", "1",
                   "--state", f"file://{tmp_path / 'state'}", "--notify", receiver.url(),
                   "--notify", receiver.url().replace("channel=ops", "channel=audit")])
    assert run.returncode == 0, run.stdout + run.stderr
    assert [(request["path"], request["body"]["event"]) for request in receiver.requests] == [
        ("/hook?channel=ops", "apply"), ("/hook?channel=audit", "apply")]


def test_the_watch_command_refuses_a_notify_url_that_is_not_http_before_any_cycle(tmp_path):
    (tmp_path / "desired").mkdir()
    run = run_cli(["reconciler", "watch", str(tmp_path / "desired"), "--cycles", "1",
                   "--notify", "ftp://user:Sentinel-ftp-pw@127.0.0.1/hook"])
    assert run.returncode == 1
    assert (run.stdout, run.stderr) == ("", "--notify: 'ftp://********@127.0.0.1/hook' is not an http:// or "
                                            "https:// URL with a host\n")


def test_a_receiver_that_cannot_be_reached_is_logged_after_the_retries_and_the_next_event_is_sent(receiver):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = SteppedClock()  # the retry policy's waits, stepped
    lines: list[str] = []
    notifier = Notifier([f"http://hook:{URL_SECRET}@127.0.0.1:{port}/hook", receiver.url()], lambda text: text,
                        log=lines.append, policy=RetryPolicy(clock=clock))
    for number in (1, 2):
        notifier.emit({"event": "drift", "cycle": number, "revision": "r", "changes": []})
    assert notifier.close(timeout=60) == 0
    assert [event["cycle"] for event in receiver.events] == [1, 2]
    assert len(clock.sleeps) == 8  # 5 sends of each event to the unreachable URL
    shown = f"http://********@127.0.0.1:{port}/hook"
    assert lines == [f"notify: the drift event of cycle {number} to {shown} was not sent: POST /hook: the receiver "
                     f"{shown} did not answer: [Errno 111] Connection refused" for number in (1, 2)]


def test_the_same_failure_is_posted_once_and_a_new_one_again(opendcp, repository, receiver, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, notifier = notified_watcher(repository, tmp_path, Policy(apply=True), [receiver.url()])
    watcher.run(cycles=1)
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop", "colour": "red"}})})
    watcher.run(cycles=3)  # the same rejected revision three times: one failure
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop", "size": "large"}})})
    watcher.run(cycles=1)  # another one: posted
    assert notifier.close(timeout=60) == 0
    assert [(event["event"], event["cycle"]) for event in receiver.events] == [("apply", 1), ("failure", 2),
                                                                                ("failure", 5)]
