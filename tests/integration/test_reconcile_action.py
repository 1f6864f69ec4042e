"""converge.platforms.reconcile: the reconciler from a playbook, against the ZStack emulator."""

from __future__ import annotations

import textwrap

import pytest

from tests.support import ROOT, platform_tags, run_playbook, writes

pytestmark = pytest.mark.slow
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


def desired(tmp_path, url: str, extra: str = "") -> str:
    path = tmp_path / "desired.yml"
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {url}, password: {{env: CONVERGE_ACTION_PASSWORD}}}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
        """) + extra)
    return str(path)


ENV = {"CONVERGE_ACTION_PASSWORD": "password"}
DB_TAG = f'    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::db"}}\n'


def test_check_mode_plans_then_apply_then_nothing_to_do(zstack, tmp_path):
    path = desired(tmp_path, zstack.url)
    task = {"converge.platforms.reconcile": {"files": [path]}}
    checked = run_playbook([task], check=True, diff=True, env=ENV)
    result = checked.results[0]
    assert result["changed"] is True and result["report"] is None
    assert result["plan"]["summary"]["create"] == 1
    assert result["diff"][0]["after"] == {"resource_type": "VmInstanceVO", "resource_uuid": VM, "tag": "tier::web"}
    assert writes(zstack.requests) == []

    run = run_playbook([task, task], env=ENV)
    first, second = run.results
    assert first["changed"] is True and first["report"]["applied"] == 1
    assert second["changed"] is False and second["plan"]["changes"] == []
    assert [t["tag"] for t in platform_tags(zstack.state()["tags"])] == ["tier::web"]
    assert "password" not in run.output.replace("CONVERGE_ACTION_PASSWORD", "")


def test_saved_plan_through_the_action(zstack, tmp_path):
    path = desired(tmp_path, zstack.url)
    saved = str(tmp_path / "plan.json")
    run = run_playbook([{"converge.platforms.reconcile": {"files": [path], "out": saved, "apply": False}},
                        {"converge.platforms.reconcile": {"files": [path], "plan": saved}}], env=ENV)
    planned, applied = run.results
    assert planned["changed"] is True and planned["report"] is None
    assert applied["changed"] is True and applied["report"]["applied"] == 1
    assert len(platform_tags(zstack.state()["tags"])) == 1


def test_invalid_file_fails_with_file_line_problems_and_no_request(zstack, tmp_path):
    path = desired(tmp_path, zstack.url, "    - {resource_uuid: x, resource_type: VmInstanceVO, tag: 1, size: 2}\n")
    run = run_playbook([{"converge.platforms.reconcile": {"files": [path]}},
                        {"converge.platforms.reconcile": {}}], env=ENV)
    bad_file, no_args = run.results
    assert bad_file["failed"] is True
    assert bad_file["problems"] == [f"{path}:7: resources.zstack_user_tag[1].size: unknown key 'size'"]
    assert no_args["failed"] is True and "missing required arguments: files" in no_args["msg"]
    assert zstack.requests == []


def test_target_and_concurrency_through_the_role(zstack, tmp_path):
    desired(tmp_path, zstack.url, DB_TAG)
    role = {"ansible.builtin.include_role": {"name": "converge.platforms.reconcile"},
            "vars": {"reconcile_files": [str(tmp_path)], "reconcile_target": ["zstack_user_tag/tier::db"],
                     "reconcile_concurrency": 2}}
    fact = {"ansible.builtin.debug": {"var": "reconcile_result"}}
    run = run_playbook([role, fact], env=ENV)
    result = run.results[1]["reconcile_result"]
    assert result["changed"] is True and result["report"]["applied"] == 1, run.output
    assert [t["tag"] for t in platform_tags(zstack.state()["tags"])] == ["tier::db"]


def test_the_role_checks_its_arguments(zstack, tmp_path):
    role = {"ansible.builtin.include_role": {"name": "converge.platforms.reconcile"},
            "vars": {"reconcile_files": [str(tmp_path)], "reconcile_concurrency": "many"}}
    run = run_playbook([role], env=ENV)
    assert run.rc != 0
    assert "argument 'reconcile_concurrency' is of type str and we were unable to convert to int" in run.output
    assert zstack.requests == []


def test_a_reconciler_of_another_version_is_refused(tmp_path, monkeypatch):
    from ansible_collections.converge.platforms.plugins.action import reconcile as action

    (tmp_path / "galaxy.yml").write_text("namespace: converge\nname: platforms\nversion: 9.9.9\n", encoding="utf-8")
    monkeypatch.setattr(action, "COLLECTION_ROOT", str(tmp_path))
    assert action.version_mismatch() == ("the installed reconciler is version 0.2.0 but this collection is 9.9.9: "
                                         "install the matching one (python -m pip install converge-platforms==9.9.9)")
    monkeypatch.setattr(action, "COLLECTION_ROOT", str(ROOT))
    assert action.version_mismatch() is None


def test_prune_through_the_action(zstack, tmp_path):
    first = desired(tmp_path, zstack.url, DB_TAG)
    run_playbook([{"converge.platforms.reconcile": {"files": [first]}}], env=ENV)
    path = desired(tmp_path, zstack.url)
    run = run_playbook([{"converge.platforms.reconcile": {"files": [path], "prune": True}}], env=ENV)
    result = run.results[0]
    assert result["changed"] is True, run.output
    assert [(c["action"], c.get("prune")) for c in result["plan"]["changes"]] == [("delete", True)]
    assert [t["tag"] for t in platform_tags(zstack.state()["tags"])] == ["tier::web"]


def test_endpoints_files_through_the_action(zstack, tmp_path):
    """`endpoints_files`: the endpoint and its password from the pipeline's file (a variable of any name); a
    desired-state file that moves the endpoint fails naming its line, with no request."""
    (tmp_path / "deploy").mkdir()
    endpoints = tmp_path / "deploy" / "endpoints.yml"
    endpoints.write_text(f"zstack: {{url: {zstack.url}, password: {{env: DEPLOY_ZSTACK_PASSWORD}}}}\n")
    path = tmp_path / "desired.yml"
    path.write_text(f'version: 1\nresources:\n  zstack_user_tag:\n'
                    f'    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}\n')
    moved = tmp_path / "moved.yml"
    moved.write_text(path.read_text().replace("resources:", "endpoints:\n  zstack: {url: 'http://127.0.0.1:9'}\n"
                                              "resources:"))
    run = run_playbook([{"converge.platforms.reconcile": {"files": [str(moved)],
                                                          "endpoints_files": [str(endpoints)]}}],
                       env={"DEPLOY_ZSTACK_PASSWORD": "password"})
    assert run.results[0]["problems"] == [
        f"{moved}:3: endpoints.zstack.url: http://127.0.0.1:9 is not the url that --endpoints gives ({endpoints}:1): "
        "a desired-state file cannot move an endpoint"]
    assert zstack.requests == []
    run = run_playbook([{"converge.platforms.reconcile": {"files": [str(path)], "endpoints_files": [str(endpoints)]}}],
                       env={"DEPLOY_ZSTACK_PASSWORD": "password"})
    assert run.results[0]["changed"] is True and run.results[0]["report"]["applied"] == 1, run.output
    assert [t["tag"] for t in platform_tags(zstack.state()["tags"])] == ["tier::web"]


def test_state_url_keeps_the_ledger_and_history_in_postgresql_and_never_shows_its_password(
        zstack, postgresql, postgresql_database, tmp_path):
    from reconciler.ownership import default_owner
    from reconciler.state import open_backend

    path = desired(tmp_path, zstack.url)
    secret = "Sentinel-PG-pass-3318"  # the private cluster trusts any password: it only has to stay hidden
    url = postgresql_database.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    run = run_playbook([{"converge.platforms.reconcile": {"files": [path], "state_url": url}}], verbosity=3, env=ENV)
    assert run.results[0]["report"]["applied"] == 1
    assert secret not in run.output
    owner = default_owner([path])
    with open_backend(postgresql_database, tmp_path) as backend:
        assert [(entry.kind, entry.status) for entry in backend.ledger(owner)] == [("zstack_user_tag", "confirmed")]
        assert [record.outcome for record in backend.history(owner)] == ["success"]
    assert not (tmp_path / ".converge" / "state").exists()  # nothing kept beside the files
