"""Figures of every kind of every platform: a mixed plan with many OpenDCP clusters, and the `reconcile` action
against a playbook loop of one module."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import yaml

from tests.support import run_playbook

from .harness import PASSWORD_VARIABLE, VM, Figure, best_of, timed

CONCURRENCY = 8


def _read_key(name: str, request: dict) -> tuple:
    """A request of an emulator's log by platform, method, path, query and action: equal keys, the same read."""
    query = tuple(sorted((k, tuple(v)) for k, v in (request.get("query") or {}).items()))
    return (name, request["method"], request["path"], query, request.get("action"), request.get("body_digest"))


def mixed_document(clusters: int) -> dict:
    """The all-platform example (every kind of every platform) with `clusters` more OpenDCP clusters, a service each."""
    from tests.integration.test_all_platforms_faults import EXAMPLE

    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    resources = document["resources"]
    resources["opendcp_cluster"] += [{"name": f"bench-{n}", "desc": f"bench cluster {n}", "biz": "1"}
                                     for n in range(clusters)]
    resources["opendcp_service"] += [{"name": f"bench-{n}", "cluster": f"bench-{n}", "service_type": "java",
                                      "docker_image": f"registry.example.invalid/bench:{n}"} for n in range(clusters)]
    return document


def mixed_plan(clusters: int, latency_ms: float, runs: int) -> list[Figure]:
    """A no-change plan of every kind of every platform with `clusters` OpenDCP clusters: its requests against
    the floor (each distinct read once, with the sessions' log-ins and log-outs), and its time against the same
    plan read one call at a time and against the floor's time (requests x latency / concurrency)."""
    from reconciler.api import Options, reconcile
    from tests.integration.test_all_platforms_faults import desired_file, five_platforms

    latency = latency_ms / 1000.0
    with tempfile.TemporaryDirectory() as tmp, five_platforms(latency_ms=latency_ms) as handles:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            path = desired_file(Path(tmp) / "mixed.yml", mixed_document(clusters), handles)
            applied = reconcile(Options([path], apply=True, lock=False))
            entries = len(applied.plan.changes)

            def plan(concurrency: int) -> float:
                for handle in handles.values():
                    handle.clear_requests()
                seconds, result = timed(lambda: reconcile(Options([path], lock=False, concurrency=concurrency)))
                assert not result.plan.pending
                return seconds

            parallel = best_of(runs, lambda: plan(CONCURRENCY))
            requests = [(name, r) for name, handle in handles.items() for r in handle.requests]
            serial = best_of(1, lambda: plan(1))
        finally:
            os.chdir(cwd)
    distinct = Counter(_read_key(name, r) for name, r in requests)
    per_platform = Counter(name for name, _r in requests)
    extra = {"entries": entries, "requests_per_platform": dict(per_platform),
             "reads_sent_again": {" ".join(str(part) for part in key[:3] + key[4:5]): count - 1
                                  for key, count in distinct.items() if count > 1}}
    return [
        Figure("mixed plan, no changes: HTTP requests", clusters, float(len(requests)), "requests",
               float(len(distinct)), "floor: each distinct read once, log-ins and log-outs", "lower", 1.1, extra),
        Figure("mixed plan, no changes, in-process", clusters, parallel, "s", serial,
               "the same plan with --concurrency 1", "faster", None,
               {"floor_s": round(len(distinct) * latency / CONCURRENCY, 3)}),
    ]


def action_vs_module_loop(count: int, url_of) -> list[Figure]:
    """`count` ZStack tags created, then found unchanged, by one `reconcile` task against a playbook loop of
    `zstack_user_tag`: how much faster the action is, for creates and for a run with nothing to change."""
    os.environ.setdefault(PASSWORD_VARIABLE, "password")
    env = {PASSWORD_VARIABLE: "password", "ZSTACK_PASSWORD": "password"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tags = [f"bench::{n:05d}" for n in range(count)]
        with url_of() as action_url, url_of() as module_url:
            desired = Path(tmp) / "tags.yml"
            desired.write_text(yaml.safe_dump({
                "version": 1, "endpoints": {"zstack": {"url": action_url, "password": {"env": PASSWORD_VARIABLE}}},
                "settings": {"concurrency": CONCURRENCY},
                "resources": {"zstack_user_tag": [{"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": t}
                                                  for t in tags]}}), encoding="utf-8")
            action = {"converge.platforms.reconcile": {"files": [str(desired)]}}
            loop = {"converge.platforms.zstack_user_tag": {"url": module_url, "resource_uuid": VM,
                                                          "resource_type": "VmInstanceVO", "tag": "{{ item }}"},
                    "loop": tags}
            for label in ("creates", "nothing to change"):
                action_s, action_run = timed(lambda: run_playbook([action], env=env, ignore_errors=False))
                loop_s, loop_run = timed(lambda: run_playbook([loop], env=env, ignore_errors=False))
                failed = action_run.rc != 0 or loop_run.rc != 0
                rows.append(Figure(f"reconcile action vs a loop of the module: {label}", count, action_s, "s", loop_s,
                                   "playbook loop of zstack_user_tag", "faster", None,
                                   {"failed": failed, "action_rc": action_run.rc, "loop_rc": loop_run.rc}))
    return rows
