"""The engine across platforms: prerequisites ordering in one run, and bad input refused before any request."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import emulators
from reconciler.api import Options, reconcile
from reconciler.desired import DocumentError, load
from tests.support import ROOT, run_playbook

MIGRATION_EXAMPLE = ROOT / "examples" / "migration.yml"


def pointed_at(example: Path, endpoints: dict, tmp_path: Path) -> str:
    document = yaml.safe_load(example.read_text(encoding="utf-8"))
    document["endpoints"] = endpoints
    path = tmp_path / example.name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return str(path)


def test_migration_tasks_on_a_platform_without_a_license_converge_in_one_apply(tmp_path):
    fixtures = tmp_path / "no-license.yml"
    fixtures.write_text("license: null\n", encoding="utf-8")
    handle = emulators.start("migration", port=0, fixtures_file=str(fixtures))
    try:
        path = pointed_at(MIGRATION_EXAMPLE, {"migration": {"url": handle.url, "username": "admin",
                                                            "password": "password"}}, tmp_path)
        first = reconcile(Options([path], apply=True))
        assert not first.failed, [o.as_dict() for o in first.report.failed]
        order = [o.planned.change.kind for o in first.report.outcomes]
        assert order.index("migration_license") < min(i for i, k in enumerate(order) if k == "migration_task")
        assert not reconcile(Options([path])).plan.pending
        assert len(handle.state()["tasks"]) == 2
    finally:
        handle.stop()


HEADER = "version: 1\nendpoints:\n" \
         "  migration: {url: 'http://127.0.0.1:9', username: admin, password: {env: CONVERGE_PW}}\n" \
         "  opendcp: {url: 'http://127.0.0.1:9'}\n" \
         "  zstack: {url: 'http://127.0.0.1:9', password: {env: CONVERGE_PW}}\n" \
         "resources:\n"


@pytest.mark.parametrize("resources, problem", [
    ("  migration_task:\n    - {name: t, source_host: h, cloud: c, target_transport_server: s,\n"
     "       start_time: '2030-01-01 10:00', cpu: -2}\n",
     "resources.migration_task[0].cpu: must be at least 1, got -2"),
    ("  migration_source_host:\n    - {name: h, transport_server: s, address: 999.1.1.1}\n"
     "  migration_transport_server:\n    - {name: s, server_type: Cloud, address: 127.0.0.2}\n",
     "resources.migration_source_host[0].address: must be an IP address such as 127.0.0.1, got '999.1.1.1'"),
    ("  zstack_system_tag:\n    - {resource_uuid: not-a-uuid, resource_type: VmInstanceVO, tag: a}\n",
     "resources.zstack_system_tag[0].resource_uuid: must be a UUID of 32 hex digits without hyphens, got "
     "'not-a-uuid'"),
    ("  zstack_system_tag:\n    - {resource_uuid: &u [*u], resource_type: VmInstanceVO, tag: a}\n",
     "a YAML alias refers to a node that contains it"),
    ("  zstack_system_tag:\n    - {resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70, resource_type: VmInstanceVO,\n"
     "       tag: [a, b]}\n",
     "resources.zstack_system_tag[0].tag: must be a string, got a list ['a', 'b']"),
    ("  migration_task:\n    - {name: t, source_host: nowhere, cloud: c, target_transport_server: s,\n"
     "       start_time: '2030-01-01 10:00'}\n",
     "migration_task.source_host: no migration_source_host named 'nowhere' in the desired state (name it under "
     "existing.migration_source_host if it exists on the platform)"),
    ("  opendcp_pool:\n    - {name: p, service: web, tasks: {expand: grow}}\n  opendcp_service:\n"
     "    - {name: web, cluster: c, docker_image: img}\n  opendcp_cluster:\n    - {name: c}\n",
     "opendcp_pool.tasks.expand: no opendcp_task_template named 'grow' in the desired state"),
    ("  opendcp_remote_step:\n    - {name: rs, actions: [greet]}\n",
     "opendcp_remote_step.actions[0]: no opendcp_action named 'greet' in the desired state"),
    ("  opendcp_task_template:\n    - {name: t, steps: [{name: create_vm}, {name: deploy-app}]}\n",
     "opendcp_task_template.steps[1].name: no opendcp_remote_step named 'deploy-app' in the desired state"),
])
def test_validate_refuses_bad_values_with_file_and_line(tmp_path, resources, problem):
    path = tmp_path / "site.yml"
    path.write_text(HEADER + resources, encoding="utf-8")
    with pytest.raises(DocumentError) as err:
        load([str(path)])
    assert all(p.startswith(f"{path}:") for p in err.value.problems), err.value.problems
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_an_empty_secret_reference_is_refused(tmp_path):
    path = tmp_path / "site.yml"
    path.write_text("version: 1\nendpoints:\n  zstack: {url: 'http://127.0.0.1:9', password: {env: ''}}\n",
                    encoding="utf-8")
    with pytest.raises(DocumentError) as err:
        load([str(path)])
    assert err.value.problems == [f"{path}:3: endpoints.zstack.password: env: must name a variable or a file, not "
                                  "be empty"]


def test_a_reference_declared_existing_is_accepted(tmp_path):
    path = tmp_path / "site.yml"
    path.write_text(HEADER + "  opendcp_remote_step:\n    - {name: rs, actions: [greet]}\n"
                    "existing:\n  opendcp_action: [greet]\n", encoding="utf-8")
    assert [e.kind for e in load([str(path)]).entries] == ["opendcp_remote_step"]


@pytest.mark.slow
def test_modules_refuse_the_same_values_naming_the_option_before_any_request(zstack, zstack_env):
    handle = emulators.start("migration", port=0)
    try:
        migration = {"MIGRATION_URL": handle.url, "MIGRATION_USERNAME": "admin", "MIGRATION_PASSWORD": "password"}
        run = run_playbook([
            {"converge.platforms.migration_source_host": {"name": "h", "transport_server": "s",
                                                          "address": "999.1.1.1"}},
            {"converge.platforms.migration_task": {"name": "t", "cpu": -2}},
            {"converge.platforms.zstack_system_tag": {"resource_uuid": "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70",
                                                      "resource_type": "VmInstanceVO", "tag": ["a", "b"]}},
            {"converge.platforms.zstack_system_tag": {"resource_uuid": "not-a-uuid",
                                                      "resource_type": "VmInstanceVO", "tag": "a"}},
        ], env=dict(zstack_env, **migration))
        messages = [r.get("msg") for r in run.results]
        assert messages == [
            "address: must be an IP address such as 127.0.0.1, got '999.1.1.1'",
            "cpu: must be at least 1, got -2",
            "tag: must be a string, got a list ['a', 'b']",
            "resource_uuid: must be a UUID of 32 hex digits without hyphens, got 'not-a-uuid'",
        ]
        assert all(r["failed"] and r["changed"] is False for r in run.results)
        assert handle.requests == [] and zstack.requests == []
    finally:
        handle.stop()


@pytest.mark.slow
def test_a_module_that_wrote_and_then_failed_says_it_changed_something():
    from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM

    handle = emulators.start("vsd", port=0, memory_save_seconds=3600)
    try:
        run = run_playbook([{"converge.platforms.vsd_snapshot": {
            "cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_RUNNING_VM, "name": "slow", "memory": True,
            "wait": True, "wait_timeout": 1}}], diff=True, env={"VSD_URL": handle.url})
        result = run.results[0]
        assert result["failed"] and result["msg"].startswith("wait_timeout: the memory of snapshot 'slow'")
        assert result["changed"] is True and result["action"] == "create"
        assert result["diff"]["after"]["name"] == "slow"
        assert [s["name"] for s in handle.state()["snapshots"][BUILTIN_RUNNING_VM].values()] == ["slow"]
    finally:
        handle.stop()
