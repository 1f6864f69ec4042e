"""The reconciler against the OpenDCP emulator: names checked against the server's lists, reads of services
limited to the clusters named, pools done only at their size."""

from __future__ import annotations

import re

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpClient
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

import emulators
from reconciler.api import Options, reconcile
from reconciler.desired import DocumentError
from tests.support import run_cli, writes

LIST_SERVICES = re.compile(r"^/cluster/\d+/list_services$")


@pytest.fixture
def dcp():
    """An OpenDCP emulator whose flows take 1 s per batch."""
    handle = emulators.start("opendcp", port=0, flow_seconds=1)
    yield handle
    handle.stop()


def desired(tmp_path, handle, resources, existing=None):
    """A desired-state file for the emulator; returns its path."""
    document = {"version": 1, "endpoints": {"opendcp": {"url": handle.url, "operator": "converge"}},
                "resources": resources}
    if existing:
        document["existing"] = existing
    path = tmp_path / "opendcp.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return str(path)


# --- names checked against /action/list and /task_step/list ----------------------------------------------
def test_an_action_created_in_the_same_apply_counts_as_existing(dcp, tmp_path):
    path = desired(tmp_path, dcp, {
        "opendcp_action": [{"name": "echo", "params": {"echo_word": "string"}}],
        "opendcp_remote_step": [{"name": "greet", "actions": ["echo"]}],
        "opendcp_task_template": [{"name": "t", "steps": [{"name": "create_vm"}, {"name": "greet"}]}]})
    result = reconcile(Options([path], apply=True))
    assert not result.failed, [o.as_dict() for o in result.report.failed]
    assert [r["actions"] for r in dcp.state()["remote_steps"].values()] == [["echo"]]
    assert not reconcile(Options([path])).plan.pending


@pytest.mark.parametrize("resources, existing, problem", [
    ({"opendcp_remote_step": [{"name": "greet", "actions": ["echo", "ghost"]}]},
     {"opendcp_action": ["echo", "ghost"]},
     "opendcp_remote_step: actions: remote step 'greet' names a remote action OpenDCP does not have: 'ghost' "
     "(known names come from /action/list)"),
    ({"opendcp_task_template": [{"name": "t", "steps": [{"name": "create_vm"}, {"name": "phantom"}]}]},
     {"opendcp_remote_step": ["phantom"]},
     "opendcp_task_template: steps: task template 't' names a task step OpenDCP does not have: 'phantom' "
     "(known names come from /task_step/list: a built-in or a remote step)"),
], ids=["action", "step"])
def test_names_declared_existing_but_absent_from_the_server_fail_the_plan_before_any_write(dcp, tmp_path, resources,
                                                                                          existing, problem):
    client = OpenDcpClient(dcp.url)
    client.create_action("echo", "", {})
    client.close()
    dcp.clear_requests()
    path = desired(tmp_path, dcp, resources, existing=existing)
    result = reconcile(Options([path], apply=True))
    assert result.failed
    assert [f"{c.entry.where}: {c.change.kind}: {c.blocked.reason}" for c in result.plan.blocked] == [
        f"{path}:8: {problem}"]
    assert writes(dcp.requests) == []
    assert dcp.state()["remote_steps"] == {} and dcp.state()["templates"] == {}


# --- services read only from the clusters named, concurrently ---------------------------------------------
def test_services_are_read_only_from_the_clusters_the_desired_state_names(dcp, tmp_path):
    client = OpenDcpClient(dcp.url)
    clusters = [client.create_cluster("c%d" % index, "", "1") for index in range(200)]
    client.create_service("fe", "", "java", "img:1", clusters[3])
    client.create_service("be", "", "java", "img:1", clusters[150])
    client.close()
    dcp.clear_requests()
    path = desired(tmp_path, dcp, {"opendcp_service": [
        {"name": "fe", "cluster": "c3", "service_type": "java", "docker_image": "img:1"},
        {"name": "be", "cluster": "c150", "service_type": "java", "docker_image": "img:2"}]},
        existing={"opendcp_cluster": ["c3", "c150"]})
    plan = reconcile(Options([path])).plan
    assert [(c.change.action, c.change.desired["name"]) for c in plan.pending] == [("update", "be")]
    reads = [r["path"] for r in dcp.requests if LIST_SERVICES.match(r["path"])]
    assert sorted(reads) == sorted(["/cluster/%d/list_services" % clusters[3],
                                    "/cluster/%d/list_services" % clusters[150]])


# --- under faults, a pool is done only at its size ----------------------------------------------------------
FAULT_SEEDS = (3, 7, 10, 12)  # seeds whose faults hit the expand: before it (503) and after it took effect
POOL_WRITES = re.compile(r"^/pool/(create|expand/\d+)$")


def build_templates(handle):
    """A cluster, a service, an echo action with its implementation, a remote step and an expand template."""
    client = OpenDcpClient(handle.url)
    cluster = client.create_cluster("web", "", "1")
    client.create_service("fe", "", "java", "registry.example.invalid/fe:1", cluster)
    action = client.create_action("echo", "", {"echo_word": "string"})
    client.create_actimpl(action, "ansible", {"action": {"module": "shell", "args": "echo {{echo_word}}"}})
    client.create_remote_step("greet", "", ["echo"])
    client.create_template("grow", "", [{"name": "create_vm", "param_values": {"vm_type_id": 1}},
                                        {"name": "greet", "param_values": {"echo_word": "hi"}}])
    client.close()


def pool_state(handle):
    """(nodes of the pool, flows of the pool still running), from the emulator's own state."""
    state = handle.state()
    nodes = [n for n in state["nodes"].values() if n["pool_id"] == 1]
    running = [f for f in state["flows"].values() if f["task_name"] == "expand_fe-pool" and f["state"] in (0, 1)]
    return len(nodes), len(running)


def test_under_faults_a_pool_create_is_done_only_when_the_pool_is_at_its_size(tmp_path):
    lost_pool_writes, done_creates = 0, 0
    for seed in FAULT_SEEDS:
        handle = emulators.start("opendcp", port=0, flow_seconds=1)
        try:
            build_templates(handle)
            path = desired(tmp_path, handle, {"opendcp_pool": [
                {"name": "fe-pool", "service": "fe", "vm_type": 1, "sd_id": 1, "tasks": {"expand": "grow"},
                 "size": 2, "wait_timeout": 60}]},
                existing={"opendcp_service": ["fe"], "opendcp_task_template": ["grow"]})
            handle.set_faults(fault_rate=0.3, seed=seed)
            for _attempt in range(6):
                try:
                    result = reconcile(Options([path], apply=True))
                except (DocumentError, ApiError, SpecError):
                    continue  # a read failing after its retries: the run stops before writing
                for outcome in result.report.outcomes:
                    if outcome.status == "done":
                        done_creates += 1
                        assert pool_state(handle) == (2, 0), f"seed {seed}: done, but the pool is not at its size"
                if not result.failed:
                    break
            lost_pool_writes += sum(1 for r in handle.requests if r.get("committed") and POOL_WRITES.match(r["path"]))
            handle.set_faults(fault_rate=0)
            handle.advance_clock(10)  # an expand flow a later run found running (and counted) ends
            assert not reconcile(Options([path])).plan.pending, f"seed {seed}: not converged"
            assert pool_state(handle) == (2, 0)
        finally:
            handle.stop()
    assert lost_pool_writes > 0 and done_creates > 0  # some pool write took effect and lost its answer


def test_a_resize_whose_answer_is_lost_is_verified_and_not_sent_again(tmp_path, monkeypatch):
    from ansible_collections.converge.platforms.plugins.module_utils.http import TransportError

    handle = emulators.start("opendcp", port=0, flow_seconds=1)
    try:
        build_templates(handle)
        entry = {"name": "fe-pool", "service": "fe", "vm_type": 1, "sd_id": 1, "tasks": {"expand": "grow"},
                 "size": 1, "wait_timeout": 60}
        existing = {"opendcp_service": ["fe"], "opendcp_task_template": ["grow"]}
        path = desired(tmp_path, handle, {"opendcp_pool": [entry]}, existing)
        assert not reconcile(Options([path], apply=True)).failed
        handle.advance_clock(10)
        path = desired(tmp_path, handle, {"opendcp_pool": [dict(entry, size=3)]}, existing)
        sent = OpenDcpClient.post

        def post_losing_the_expand_answer(self, post_path, body=None):
            answer = sent(self, post_path, body)
            if post_path.startswith("/pool/expand/"):
                raise TransportError("opendcp did not answer: connection reset", "POST", post_path)
            return answer

        monkeypatch.setattr(OpenDcpClient, "post", post_losing_the_expand_answer)
        handle.clear_requests()
        result = reconcile(Options([path], apply=True))
        assert not result.failed, [o.as_dict() for o in result.report.failed]
        assert [r["path"] for r in handle.requests if r["path"].startswith("/pool/expand/")] == ["/pool/expand/1"]
        handle.advance_clock(10)
        assert pool_state(handle)[0] == 3
    finally:
        handle.stop()


# --- a failed expand leaves a failed node: the pool is not done, and no second expand is sent --------------------
def test_after_a_failed_expand_the_plan_shows_the_pool_cannot_be_done_and_apply_sends_no_second_expand(tmp_path):
    handle = emulators.start("opendcp", port=0, flow_seconds=0, vm_manager="unreachable")
    try:
        build_templates(handle)
        client = OpenDcpClient(handle.url)
        pool_id = client.create_pool("fe-pool", "", 1, 1, 1, {"expand": client.list_templates()[0]["id"]})
        client.add_pool_nodes(pool_id, ["127.0.30.1"])
        client.close()
        path = desired(tmp_path, handle, {"opendcp_pool": [
            {"name": "fe-pool", "service": "fe", "vm_type": 1, "sd_id": 1, "tasks": {"expand": "grow"}, "size": 2,
             "wait_timeout": 60}]}, existing={"opendcp_service": ["fe"], "opendcp_task_template": ["grow"]})
        first = reconcile(Options([path], apply=True))
        assert first.failed and "flow log: Fail to run step [create_vm]: Fail: Post " in str(
            [o.as_dict() for o in first.report.failed])
        expands = [r for r in handle.requests if r["path"] == f"/pool/expand/{pool_id}"]
        assert len(expands) == 1

        plan = run_cli(["reconciler", "plan", "--detailed-exitcode", path])
        said = " ".join((plan.stdout + plan.stderr).split())
        assert plan.returncode != 0 and "No changes" not in said, said
        assert "1 failed node(s) that do not count: id 2 (ip 2)" in said, said
        assert "remove the failed node(s)" in said, said

        applied = run_cli(["reconciler", "apply", path])
        said = " ".join((applied.stdout + applied.stderr).split())
        assert applied.returncode != 0 and "1 failed node(s) that do not count: id 2 (ip 2)" in said, said
        assert [r for r in handle.requests if r["path"] == f"/pool/expand/{pool_id}"] == expands
        assert sorted((n["ip"], n["status"]) for n in handle.state()["nodes"].values()) == [
            ("127.0.30.1", 0), ("2", 3)]
    finally:
        handle.stop()
