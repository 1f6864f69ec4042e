"""Two applies of the same files at once: the lock per endpoint lets one run at a time, and no object is made twice."""

from __future__ import annotations

import os
import threading

import pytest
import yaml

import emulators
from reconciler.api import Options, reconcile
from reconciler.desired import load
from reconciler.errors import LockHeld, ReconcilerError
from reconciler.lock import apply_lock
from tests.support import platform_tags, run_cli, writes

TAGS = [{"resource_uuid": "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70", "resource_type": "VmInstanceVO", "tag": f"twice::{n}"}
        for n in range(12)]


@pytest.fixture
def zstack_file(tmp_path, monkeypatch):
    """A ZStack emulator answering with some latency, and a desired-state file of 12 tags for it."""
    monkeypatch.setenv("CONVERGE_LOCK_DIR", str(tmp_path / "locks"))
    handle = emulators.start("zstack", port=0, latency_ms=10)
    path = tmp_path / "tags.yml"
    path.write_text(yaml.safe_dump({
        "version": 1,
        "endpoints": {"zstack": {"url": handle.url, "username": "admin",
                                 "password": {"env": "CONVERGE_ZSTACK_PASSWORD"}}},
        "resources": {"zstack_user_tag": TAGS}}, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("CONVERGE_ZSTACK_PASSWORD", "password")
    yield handle, str(path)
    handle.stop()


def test_an_apply_while_another_holds_the_lock_is_refused_before_any_request(zstack_file):
    handle, path = zstack_file
    desired = load([path])
    with apply_lock(desired.endpoints, desired.files):
        with pytest.raises(LockHeld) as caught:
            reconcile(Options([path], apply=True))
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:3: endpoints.zstack: another apply is running against {handle.url} (pid ")
    assert "--lock-timeout SECONDS" in problem
    assert handle.requests == []
    # plan takes no lock, and with the lock released apply runs
    assert len(reconcile(Options([path])).plan.pending) == len(TAGS)
    assert not reconcile(Options([path], apply=True)).failed


def test_two_applies_at_once_make_each_object_once(zstack_file):
    handle, path = zstack_file
    results, errors = [], []

    def run():
        try:
            results.append(reconcile(Options([path], apply=True, lock_timeout=120)))
        except ReconcilerError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert errors == [] and len(results) == 2 and not any(r.failed for r in results)
    # the second to get the lock planned after the first had applied: it had nothing to do
    assert sorted(len(r.plan.pending) for r in results) == [0, len(TAGS)]
    tags = platform_tags(handle.state()["tags"])
    assert sorted(t["tag"] for t in tags) == sorted(t["tag"] for t in TAGS)
    creates = [r for r in writes(handle.requests) if r["path"].endswith("/user-tags")]
    assert len(creates) == 2 * len(TAGS)  # each tag, and the record of its owner


def test_the_cli_refuses_a_second_apply_with_exit_1(zstack_file):
    handle, path = zstack_file
    desired = load([path])
    with apply_lock(desired.endpoints, desired.files):
        finished = run_cli(["reconciler", "apply", path], env={"CONVERGE_LOCK_DIR": os.environ["CONVERGE_LOCK_DIR"],
                                                               "CONVERGE_ZSTACK_PASSWORD": "password"})
    assert finished.returncode == 1
    assert "another apply is running against" in finished.stderr + finished.stdout
    assert "Traceback" not in finished.stderr
    assert handle.requests == []
