"""The figures of the benchmark, each measured against a baseline of the same run.

Every function takes the run's settings and returns Figures. The baselines are built with the project's
own clients: a per-resource refresh (one read per resource, 10 at once, as Terraform refreshes), the
floor (the fewest calls the documented API allows, times the latency, over the concurrency where the
calls are independent), and plain library code where a figure is about our own overhead.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable
from unittest import mock

from tests.support import writes as writes_of

from .harness import (
    PASSWORD_VARIABLE,
    VM,
    Figure,
    best_of,
    child_env,
    reconciler_command,
    run_child,
    tags_file,
    timed,
)

PAGE_SIZE = 1000  # the ZStack client's page, and the emulator's default limit
CONCURRENCY = 8
#: zssdk's polling interval
ZSSDK_POLL_SECONDS = 1.0
#: how long the emulator's ZStack jobs take (its default)
JOB_SECONDS = 0.05


def _emulator(latency_ms: float, **options: Any):
    import emulators

    return emulators.start("zstack", port=0, latency_ms=latency_ms, job_delay=JOB_SECONDS, **options)


@contextlib.contextmanager
def zstack_url(latency_ms: float):
    """The URL of a ZStack emulator with the benchmark's latency and job time, stopped afterwards."""
    with _emulator(latency_ms) as handle:
        yield handle.url


def _session_of(path: Path):
    from reconciler.desired import load
    from reconciler.session import Session

    desired = load([str(path)])
    return desired, Session(desired)


def _apply(path: Path) -> Any:
    from reconciler.api import Options, reconcile

    return reconcile(Options([str(path)], apply=True, lock=False))


def plan_and_apply(size: int, latency_ms: float, runs: int) -> list[Figure]:
    """Apply N tags (vs the floor), then the no-change plan: CLI (vs floor + start-up), in-process (vs a
    per-resource refresh), its requests (vs the fewest pages), and the second apply's writes."""
    from reconciler.planner import make_plan

    os.environ[PASSWORD_VARIABLE] = "password"
    latency = latency_ms / 1000.0
    figures = []
    with _emulator(latency_ms) as handle, tempfile.TemporaryDirectory() as tmp:
        path = tags_file(Path(tmp), handle.url, size)
        empty = tags_file(Path(tmp), handle.url, 0, name="empty.yml")
        handle.clear_requests()
        apply_seconds, result = timed(lambda: _apply(path))
        writes = sum(1 for r in handle.requests if r["method"] == "POST")
        polls = sum(1 for r in handle.requests if r["path"].startswith("/zstack/v1/api-jobs/"))
        # each write is a POST, its job, and a poll of the job: CONCURRENCY at once
        floor = writes * (2 * latency + JOB_SECONDS) / CONCURRENCY
        figures.append(Figure("apply: creates (each tag and its owner record)", size, apply_seconds, "s", floor,
                              "floor: writes x (POST + job + poll) / concurrency", "lower", 1.3,
                              {"writes": writes, "polls": polls, "failed": len(result.report.failed)}))
        handle.clear_requests()
        _seconds, again = timed(lambda: _apply(path))
        figures.append(Figure("apply again: writes", size, float(len(writes_of(handle.requests))), "writes",
                              extra={"pending": len(again.plan.pending)}))

        handle.clear_requests()
        desired, session = _session_of(path)
        with session:
            make_plan(desired, session, CONCURRENCY)
        requests = len(handle.requests)  # one plan: its login, its pages and its logout
        desired, session = _session_of(path)
        with session:
            in_process = best_of(runs, lambda: timed(lambda: make_plan(desired, session, CONCURRENCY))[0])
        rows = len(handle.app.state.tags)
        # a page that comes back full is followed by one more, which may be empty
        pages = rows // PAGE_SIZE + 1
        figures.append(Figure("plan, no changes: HTTP requests", size, float(requests), "requests",
                              float(pages + 2), "floor: login + pages of the tags + logout", "lower", 1.1))
        refresh = best_of(runs, lambda: _per_resource_refresh(handle.url, size))
        figures.append(Figure("plan, no changes, in-process", size, in_process, "s", refresh,
                              "per-resource refresh, 10 at once", "faster", 8.0))

        startup = best_of(runs, lambda: run_child(reconciler_command("plan", str(empty)))[0])
        plan_cli = reconciler_command("plan", "--no-owned-hint", str(path))
        cli, _code, rss = min((run_child(plan_cli) for _ in range(max(1, runs))), key=lambda row: row[0])
        figures.append(Figure("plan CLI, no changes", size, cli, "s", startup + requests * latency,
                              "floor: CLI start-up (empty file) + requests x latency", "lower", 1.5,
                              {"startup_s": round(startup, 3), "peak_rss_mib": rss}))
    return figures


def _per_resource_refresh(url: str, size: int) -> float:
    """One query per tag by its identity, 10 at once: what a per-resource refresh costs."""
    from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient

    client = ZStackClient(url, "admin", "password")
    client.login()
    try:
        with ThreadPoolExecutor(10) as pool:
            seconds, _ = timed(lambda: list(pool.map(lambda n: client.query(
                "/user-tags", [f"resourceUuid={VM}", f"tag=bench::{n:06d}"]), range(size))))
        return seconds
    finally:
        client.close()


def load_and_validate(size: int) -> list[Figure]:
    """Loading and validating N entries, against ruamel.yaml's round-trip load of the same file alone."""
    from ruamel.yaml import YAML

    from reconciler.desired import load

    with tempfile.TemporaryDirectory() as tmp:
        path = tags_file(Path(tmp), "http://127.0.0.1:9", size)
        ours, desired = timed(lambda: load([str(path)]))
        ruamel, _ = timed(lambda: YAML(typ="rt").load(path.read_text(encoding="utf-8")))
    assert len(desired.entries) == size
    return [Figure("load and validate", size, ours, "s", ruamel, "ruamel.yaml round-trip load alone", "faster", 8.0)]


def startup(runs: int) -> list[Figure]:
    """`reconciler --version` against the imports every CLI of the kind pays."""
    ours = best_of(runs, lambda: run_child(reconciler_command("--version"))[0])
    floor = best_of(runs, lambda: run_child([sys.executable, "-c", "import click, requests"])[0])
    return [Figure("CLI start-up (reconciler --version)", 0, ours, "s", floor,
                   "python -c 'import click, requests'", "lower", 3.0)]


def job_latency(delays: tuple[float, ...]) -> list[Figure]:
    """How late a ZStack job's result is seen after the job is done, against zssdk's 1 s poll (a result is seen
    half a second late on average: a job ends at any moment between two polls)."""
    from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient

    import emulators

    late, requests_per_job = [], []

    def one(delay: float) -> None:
        with emulators.start("zstack", port=0, job_delay=delay) as handle:
            client = ZStackClient(handle.url, "admin", "password")
            client.login()
            handle.clear_requests()
            seconds, _ = timed(lambda: client.create_tag("user", "VmInstanceVO", VM, f"job::{delay}"))
            client.close()
            late.append(max(0.0, seconds - delay))
            requests_per_job.append(sum(1 for r in handle.requests if "/api-jobs/" in r["path"]) + 1)

    threads = [threading.Thread(target=one, args=(delay,)) for delay in delays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    zssdk = ZSSDK_POLL_SECONDS / 2
    return [Figure("ZStack: job done to result seen (median)", len(delays), statistics.median(late), "s",
                   zssdk, "zssdk's 1 s poll", "faster", 5.0,
                   {"jobs_s": list(delays), "late_s": [round(x, 3) for x in late],
                    "requests_per_job": requests_per_job})]


def rendering(count: int) -> list[Figure]:
    """Remote-action templates rendered per second, against a Jinja2 sandbox that compiles each template and
    checks its variables once (the least a checked render can do)."""
    from ansible_collections.converge.platforms.plugins.module_utils.templating import render
    from jinja2 import meta
    from jinja2.sandbox import SandboxedEnvironment

    texts = ["echo {{ word }} %d" % n for n in range(50)]
    templates = [{"action": {"module": "shell", "args": text}} for text in texts]
    declared = {"word": "string"}
    ours, _ = timed(lambda: [render(templates[n % 50], {"word": "hi"}, declared) for n in range(count)])

    def compiled_once() -> None:
        env = SandboxedEnvironment()
        compiled = {}
        for n in range(count):
            text = texts[n % 50]
            if text not in compiled:
                assert meta.find_undeclared_variables(env.parse(text)) <= set(declared)
                compiled[text] = env.from_string(text)
            compiled[text].render(word="hi")

    baseline, _ = timed(compiled_once)
    return [Figure("remote-action templates rendered", count, count / ours, "per s", count / baseline,
                   "Jinja2 sandbox, each template compiled and checked once", "higher", 0.5)]


def emulator_costs(sizes: tuple[int, ...], trivial: int) -> list[Figure]:
    """A tag lookup by identity and a create at each store size; trivial requests per second."""
    costs = {size: _costs_at(size, trivial if size == sizes[0] else 0) for size in sizes}
    small, large = sizes[0], sizes[-1]
    return [
        Figure("emulator: trivial GETs", trivial, costs[small][2], "per s", 500.0, "target rate", "higher", 1.0),
        Figure(f"emulator: tag lookup at {large:,} tags vs {small:,}", large, costs[large][0], "s",
               costs[small][0], f"the same at {small:,}", "lower", 2.0),
        Figure(f"emulator: tag create at {large:,} tags vs {small:,}", large, costs[large][1], "s",
               costs[small][1], f"the same at {small:,}", "lower", 2.0),
    ]


def _costs_at(size: int, trivial: int) -> tuple[float, float, float]:
    """(lookup seconds, create seconds, trivial GETs per second) of a ZStack emulator holding `size` tags."""
    import requests

    with _emulator(0) as handle:
        state = handle.app.state
        with handle.app.lock:
            for n in range(size):
                uuid = "%032x" % (n + 1)
                state.tags[uuid] = {"uuid": uuid, "kind": "User", "resourceType": "VmInstanceVO", "resourceUuid": VM,
                                    "tag": f"stored::{n}", "createdAt": 0.0, "updatedAt": 0.0}
        http = requests.Session()
        body = {"logInByAccount": {"accountName": "admin", "password": _sha512("password")}}
        session = http.put(f"{handle.url}/zstack/v1/accounts/login", json=body, timeout=30).json()
        headers = {"Authorization": "OAuth " + session["inventory"]["uuid"]}

        def lookup() -> float:
            query = [("q", f"tag=stored::{size // 2}")]
            return timed(lambda: http.get(f"{handle.url}/zstack/v1/user-tags", params=query, headers=headers,
                                          timeout=120))[0]

        def create() -> float:
            tag = {"resourceType": "VmInstanceVO", "resourceUuid": VM, "tag": "new::" + os.urandom(4).hex()}
            return timed(lambda: http.post(f"{handle.url}/zstack/v1/user-tags", json={"params": tag}, headers=headers,
                                           timeout=120))[0]

        rate = 0.0
        if trivial:
            seconds, _ = timed(lambda: [http.get(f"{handle.url}/zstack/v1/licenses", timeout=30)
                                        for _ in range(trivial)])
            rate = trivial / seconds
        costs = (best_of(3, lookup), best_of(3, create), rate)
        http.close()
        return costs


def _sha512(text: str) -> str:
    import hashlib

    return hashlib.sha512(text.encode("utf-8")).hexdigest()


class ReadClock:
    """Wraps the planner's read of a kind and adds up the seconds its calls take."""

    def __init__(self, read: Callable[..., Any]):
        self.read = read
        self.seconds = 0.0
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.read(*args, **kwargs)
        finally:
            with self.lock:
                self.seconds += time.perf_counter() - started


def peak_rss_plan(size: int, latency_ms: float) -> list[Figure]:
    """A CLI plan of N missing entries: its peak RSS, and the share of its wall time that planning takes (comparing
    and ordering the entries, the reads of live state excluded), measured in-process phase by phase."""
    from reconciler import planner
    from reconciler.desired import load
    from reconciler.session import Session

    os.environ[PASSWORD_VARIABLE] = "password"
    with _emulator(latency_ms) as handle, tempfile.TemporaryDirectory() as tmp:
        path = tags_file(Path(tmp), handle.url, size)
        seconds, code, rss = run_child(reconciler_command("plan", "--no-owned-hint", str(path)), child_env())
        loading, desired = timed(lambda: load([str(path)]))
        reads = ReadClock(planner.read_kind)
        with Session(desired) as session, mock.patch.object(planner, "read_kind", reads):
            planned, _ = timed(lambda: planner.make_plan(desired, session, CONCURRENCY))
    # the reads timed inside the same plan: one kind, so one read at a time
    reading = reads.seconds
    planning = max(0.0, planned - reading)
    return [Figure("plan CLI: peak RSS", size, float(rss), "MiB", 200.0, "target", "lower", 1.0,
                   {"exit_code": code}),
            Figure("plan CLI: planning (reads excluded), share of the wall time", size, planning, "s", seconds,
                   "the plan CLI's wall time", "lower", 0.10,
                   {"load_and_validate_s": round(loading, 3), "reads_s": round(reading, 3),
                    "plan_with_reads_s": round(planned, 3)})]
