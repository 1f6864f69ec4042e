"""An entry that cannot be planned blocks only itself and what waits for it; the rest is planned and applied.

A clone whose answer was lost needs a person's word (OSG view cannot find the group it may have made), a
remote step naming an action OpenDCP lacks is refused, an endpoint that fails its reads after their
retries cannot be read: each is shown `blocked` with its reason and remedy, what depends on it `skipped`
naming it, and every other entry of every platform is planned and applied; the run exits 1.
"""

from __future__ import annotations

import json

import pytest
import yaml

import emulators
from reconciler.api import Options, reconcile
from reconciler.desired import entry_title, load
from tests.integration.test_all_platforms_faults import EXAMPLE, counts, desired_file, five_platforms, wanted
from tests.support import platform_tags, run_cli, run_playbook, writes

pytestmark = pytest.mark.slow
TEMPLATE = "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e"
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
#: what the example's remote step is refused for when it names an action OpenDCP does not have
GHOST = ("actions: remote step 'greet' names a remote action OpenDCP does not have: 'ghost' (known names come from "
         "/action/list)")
REFUSED_REMEDY = "change the entry (or the platform) as the reason says, then run again"
LOST = ("record_file: a clone of template {template} for marker {marker!r} was sent at {sent_at} and its answer was "
        "lost; OSG view has no call that finds the group it may have made, so none is cloned again")
LOST_REMEDY = ("find the group in OSG view and give its gnuuid and server_ids, or remove that record from {path} to "
               "clone anew")


def example(ghost: bool = False) -> dict:
    """The all-platform example (the emulators' passwords written inline); with `ghost`, its remote step also
    names an action OpenDCP does not have."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["settings"]["inline_secrets"] = True
    if ghost:
        document["resources"]["opendcp_remote_step"][0]["actions"].append("ghost")
        document["existing"] = {"opendcp_action": ["ghost"]}
    return document


def sources(path) -> dict[str, str]:
    """`file:line` of each entry of a desired-state file, by its title."""
    return {entry_title(entry): entry.where for entry in load([str(path)]).entries}


def lose_the_clone(tmp_path, osgview) -> dict:
    """Apply the example's OSG view group while OSG view cuts every answer off: the clone is made, its answer
    lost, and the record file keeps it pending. Returns that record."""
    document = example()
    document["resources"] = {"osgview_vm_group": document["resources"]["osgview_vm_group"]}
    path = desired_file(tmp_path / "lab.yml", document, {"osgview": osgview})
    osgview.set_faults(fault_rate=1.0, modes=["truncated"])
    assert reconcile(Options([path], apply=True)).failed
    osgview.set_faults(fault_rate=0)
    assert len(osgview.state()["groups"]) == 1
    (record,) = json.loads((tmp_path / ".converge" / "osgview-groups.json").read_text(encoding="utf-8"))["groups"]
    assert record["pending"] is True
    return record


def lost_clone_lines(tmp_path, where: str, record: dict) -> list[str]:
    """The `Blocked:` lines of the example's OSG view group whose clone answer was lost."""
    title = f"osgview_vm_group[gtuuid={TEMPLATE}, marker=websec-2018-alice]"
    return [f"  {where}: {title}: " + LOST.format(template=TEMPLATE, marker="websec-2018-alice",
                                                  sent_at=record["sent_at"]),
            "      remedy: " + LOST_REMEDY.format(path=tmp_path / ".converge" / "osgview-groups.json")]


def test_a_lost_clone_blocks_only_itself_and_every_other_platform_is_planned_and_applied(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the example's record file is relative to where the reconciler runs
    with five_platforms() as handles:
        record = lose_the_clone(tmp_path, handles["osgview"])
        for handle in handles.values():
            handle.clear_requests()
        path = desired_file(tmp_path / "all.yml", example(ghost=True), handles)
        where = sources(path)
        entries = len(where)

        plan = run_cli(["reconciler", "plan", "--detailed-exitcode", path], cwd=tmp_path)
        assert plan.returncode == 1, plan.stdout + plan.stderr
        lines = plan.stdout.splitlines()
        blocked = lines.index("Blocked:")
        assert lines[blocked + 1:blocked + 5] == lost_clone_lines(
            tmp_path, where[f"osgview_vm_group[gtuuid={TEMPLATE}, marker=websec-2018-alice]"], record) + [
            f"  {where['opendcp_remote_step[name=greet]']}: opendcp_remote_step[name=greet]: {GHOST}",
            f"      remedy: {REFUSED_REMEDY}"]
        skipped = lines.index("Skipped (they wait for a blocked entry):")
        assert lines[skipped + 1:skipped + 5] == [
            f"  + opendcp_task_template[name=expand-frontend]: create   "
            f"({where['opendcp_task_template[name=expand-frontend]']})",
            "      waits for opendcp_remote_step[name=greet], which is blocked",
            f"  + opendcp_pool[name=frontend-pool]: create   ({where['opendcp_pool[name=frontend-pool]']})",
            "      waits for opendcp_remote_step[name=greet], which is blocked"]
        # the emulator's migration license is updated to the example's; every other entry is created
        assert lines[-1] == (f"Plan: {entries - 5} to create, 1 to update, 0 to replace, 0 to delete, 0 actions; "
                             "2 blocked, 2 skipped. 0 unchanged.")
        assert plan.stderr == ""
        assert [writes(handle.requests) for handle in handles.values()] == [[]] * 5

        applied = run_cli(["reconciler", "apply", path], cwd=tmp_path)
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert applied.stdout.splitlines()[-1] == (
            f"Apply complete: {entries - 4} applied, 0 failed, 2 skipped; 2 blocked: "
            f"osgview_vm_group[gtuuid={TEMPLATE}, marker=websec-2018-alice] "
            f"({where[f'osgview_vm_group[gtuuid={TEMPLATE}, marker=websec-2018-alice]']}), "
            f"opendcp_remote_step[name=greet] ({where['opendcp_remote_step[name=greet]']}).")
        # every other entry of every platform is there; no second group, no step, and nothing that waits for it
        expected = dict(wanted(), **{"opendcp remote_steps": 0, "opendcp templates": 1, "opendcp pools": 0})
        assert counts({name: handle.state() for name, handle in handles.items()}) == expected
        assert writes(handles["osgview"].requests) == []


def test_one_group_refused_in_a_kind_read_together_blocks_only_that_group(tmp_path):
    with emulators.start("osgview", port=0, time_scale=50.0) as osgview:
        records = tmp_path / "groups.json"
        records.write_text(json.dumps({"format": 1, "groups": [
            {"gtuuid": TEMPLATE, "marker": "lab-1", "pending": True, "sent_at": "2030-01-01T00:00:00Z"}]}),
            encoding="utf-8")
        unknown = "0123456789abcdef0123456789abcdef"
        groups = [{"gtuuid": TEMPLATE, "marker": marker, "record_file": str(records), "wait": False}
                  for marker in ("lab-1", "lab-2", "lab-3")]
        groups[2].update(gnuuid=unknown, server_ids=["00000000-0000-4000-8000-000000000001"])
        path = desired_file(tmp_path / "labs.yml", {"version": 1, "resources": {"osgview_vm_group": groups}},
                            {"osgview": osgview})

        result = reconcile(Options([path], apply=True))
        assert result.failed
        assert [(c.title, c.blocked.reason.split(":")[0]) for c in result.plan.blocked] == [
            (f"osgview_vm_group[gtuuid={TEMPLATE}, marker=lab-1]", "record_file"),
            (f"osgview_vm_group[gtuuid={TEMPLATE}, marker=lab-3]", "gnuuid")]
        assert [(o.planned.title, o.status) for o in result.report.outcomes] == [
            (f"osgview_vm_group[gtuuid={TEMPLATE}, marker=lab-2]", "done")]
        assert [g["marker"] for g in osgview.state()["groups"].values()] == ["lab-2"]


def test_a_kind_whose_reads_fail_after_their_retries_blocks_only_its_platform(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with five_platforms() as handles:
        handles["vsd"].set_faults(fault_rate=1.0, modes=["503"])
        document = example()
        path = desired_file(tmp_path / "all.yml", document, handles)
        document["endpoints"]["migration"]["url"] = "http://127.0.0.1:9"  # nothing listens there
        (tmp_path / "all.yml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        desired = load([path])
        vsd_line, migration_line = (desired.endpoints[name].line for name in ("vsd", "migration"))

        result = reconcile(Options([path], apply=True))
        assert result.failed
        blocked = {c.title: c.blocked for c in result.plan.blocked}
        assert sorted(blocked) == sorted(entry_title(e) for e in desired.entries
                                         if e.kind.startswith(("vsd_", "migration_")))
        for title, why in blocked.items():
            if title.startswith("vsd_"):
                assert why.reason.startswith(f"{path}:{vsd_line}: endpoints.vsd: GET /"), why.reason
                assert "HTTP 503" in why.reason
                assert why.remedy == "run again once the endpoint answers this call (it failed after its retries)"
            else:
                assert why.reason.startswith(f"{path}:{migration_line}: endpoints.migration: cannot reach "
                                             "http://127.0.0.1:9 after 5 attempts: "), why.reason
                assert why.remedy == "make sure the endpoint is up and can be reached from here, then run again"
        assert result.plan.skipped == [] and result.report.failed == []
        # the retry policy's 5 sends of the list it gave up on, and not one more per entry
        assert len(handles["vsd"].requests) == 5
        after = counts({name: handle.state() for name, handle in handles.items()})
        assert after == dict(wanted(), **{"vsd snapshots": 0}, **{k: 0 for k in after if k.startswith("migration")})
        assert writes(handles["vsd"].requests) == []


def test_the_json_plan_and_a_saved_plan_carry_the_blocked_entry_and_what_waits_for_it(tmp_path):
    with emulators.start("opendcp", port=0) as dcp:
        path = desired_file(tmp_path / "steps.yml", {
            "version": 1, "existing": {"opendcp_action": ["ghost"]}, "resources": {
                "opendcp_action": [{"name": "echo", "params": {"word": "string"}}],
                "opendcp_remote_step": [{"name": "greet", "actions": ["echo", "ghost"]}],
                "opendcp_task_template": [{"name": "t", "steps": [{"name": "create_vm"}, {"name": "greet"}]}]}},
            {"opendcp": dcp})
        where = sources(path)
        problem = f"{where['opendcp_remote_step[name=greet]']}: opendcp_remote_step[name=greet]: {GHOST}"

        planned = run_cli(["reconciler", "plan", "--format", "json", "--detailed-exitcode", "--out",
                           str(tmp_path / "plan.json"), path], cwd=tmp_path)
        assert planned.returncode == 1, planned.stderr
        assert planned.stderr.splitlines() == [problem]
        data = json.loads(planned.stdout)
        assert data["summary"] == {"create": 1, "update": 0, "replace": 0, "delete": 0, "action": 0, "blocked": 1,
                                   "skipped": 1}
        assert [c["identity"] for c in data["changes"]] == [{"name": "echo"}]
        assert data["blocked"] == [{"kind": "opendcp_remote_step", "action": "blocked", "identity": {"name": "greet"},
                                    "source": where["opendcp_remote_step[name=greet]"], "reason": GHOST,
                                    "remedy": REFUSED_REMEDY}]
        (skipped,) = data["skipped"]
        assert (skipped["identity"], skipped["action"], skipped["blocked_by"], skipped["source"]) == (
            {"name": "t"}, "create", "opendcp_remote_step[name=greet]", where["opendcp_task_template[name=t]"])
        assert data["unchanged"] == 0
        assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["blocked"] == data["blocked"]

        quiet = run_cli(["reconciler", "plan", "--quiet", path], cwd=tmp_path)
        assert quiet.returncode == 1
        assert quiet.stdout.splitlines() == ["Blocked:", f"  {problem}", f"      remedy: {REFUSED_REMEDY}",
                                             "", "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, "
                                                 "0 actions; 1 blocked, 1 skipped."]
        assert writes(dcp.requests) == []

        applied = run_cli(["reconciler", "apply", "--plan", str(tmp_path / "plan.json"), path], cwd=tmp_path)
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert applied.stdout.splitlines()[-1] == (
            f"Apply complete: 1 applied, 0 failed, 1 skipped; 1 blocked: opendcp_remote_step[name=greet] "
            f"({where['opendcp_remote_step[name=greet]']}).")
        assert [a["name"] for a in dcp.state()["actions"].values()] == ["echo"]
        assert dcp.state()["remote_steps"] == {} and dcp.state()["templates"] == {}


def test_prune_deletes_nothing_of_a_kind_with_a_blocked_entry(tmp_path):
    with emulators.start("opendcp", port=0) as dcp:
        resources = {"opendcp_cluster": [{"name": "web", "biz": "1"}, {"name": "old", "biz": "1"}],
                     "opendcp_action": [{"name": "echo", "params": {"word": "string"}}],
                     "opendcp_remote_step": [{"name": "greet", "actions": ["echo"]},
                                             {"name": "spare", "actions": ["echo"]}]}
        path = desired_file(tmp_path / "owned.yml", {"version": 1, "resources": resources}, {"opendcp": dcp})
        assert not reconcile(Options([path], apply=True)).failed
        resources["opendcp_cluster"].pop()
        resources["opendcp_remote_step"] = [{"name": "greet", "actions": ["echo", "ghost"]}]
        desired_file(tmp_path / "owned.yml", {"version": 1, "existing": {"opendcp_action": ["ghost"]},
                                              "resources": resources}, {"opendcp": dcp})

        result = reconcile(Options([path], apply=True, prune=True))
        assert [c.title for c in result.plan.blocked] == ["opendcp_remote_step[name=greet]"]
        # the cluster no file names is pruned; no remote step is, since greet's own could not be told apart
        assert [(c.title, c.change.action, c.prune) for c in result.plan.pending] == [
            ("opendcp_cluster[name=old]", "delete", True)]
        assert [c["name"] for c in dcp.state()["clusters"].values()] == ["web"]
        assert sorted(s["name"] for s in dcp.state()["remote_steps"].values()) == ["greet", "spare"]


def test_the_reconcile_action_fails_naming_the_blocked_entry_and_reports_what_it_applied(zstack, tmp_path):
    with emulators.start("osgview", port=0) as osgview:
        records = tmp_path / "groups.json"
        # what a clone whose answer was lost leaves in the record file
        records.write_text(json.dumps({"format": 1, "groups": [
            {"gtuuid": TEMPLATE, "marker": "lab-1", "pending": True, "sent_at": "2030-01-01T00:00:00Z"}]}),
            encoding="utf-8")
        path = desired_file(tmp_path / "desired.yml", {
            "version": 1, "settings": {"inline_secrets": True}, "resources": {
                "zstack_user_tag": [{"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "tier::web"}],
                "osgview_vm_group": [{"gtuuid": TEMPLATE, "marker": "lab-1", "record_file": str(records)}]}},
            {"zstack": zstack, "osgview": osgview})
        where = sources(path)[f"osgview_vm_group[gtuuid={TEMPLATE}, marker=lab-1]"]

        run = run_playbook([{"converge.platforms.reconcile": {"files": [path]}}])
        result = run.results[0]
        assert result["failed"] is True and result["changed"] is True, run.output
        reason = LOST.format(template=TEMPLATE, marker="lab-1", sent_at="2030-01-01T00:00:00Z")
        assert result["msg"] == (f"1 blocked: {where}: osgview_vm_group[gtuuid={TEMPLATE}, marker=lab-1]: {reason} "
                                 f"(remedy: {LOST_REMEDY.format(path=records)})")
        assert result["report"]["applied"] == 1 and result["plan"]["summary"]["blocked"] == 1
        assert [t["tag"] for t in platform_tags(zstack.state()["tags"])] == ["tier::web"]
        assert writes(osgview.requests) == [] and osgview.state()["groups"] == {}
