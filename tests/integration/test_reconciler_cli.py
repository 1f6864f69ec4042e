"""The reconciler CLI as a subprocess against the ZStack emulator."""

from __future__ import annotations

import json
import textwrap
from collections import Counter

import pytest

import emulators
from tests.support import ROOT, platform_tags, run_cli, writes

pytestmark = pytest.mark.slow

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
VM2 = "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81"
HOST = "c3f8b2dde43b4d5eaa9c4dbe6f7a8b92"


def desired_file(tmp_path, url: str, body: str, password_env: str = "CONVERGE_TEST_PASSWORD") -> str:
    path = tmp_path / "desired.yml"
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack:
            url: {url}
            username: admin
            password: {{env: {password_env}}}
        resources:
        """) + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8")
    return str(path)


TAGS = f"""\
zstack_system_tag:
  - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "ha::NeverStop"}}
  - {{resource_uuid: {HOST}, resource_type: HostVO, tag: "reservedMemory::2G"}}
  - {{resource_uuid: {VM2}, resource_type: VmInstanceVO, tag: "ha::NeverStop"}}
zstack_user_tag:
  - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
  - {{resource_uuid: {VM2}, resource_type: VmInstanceVO, tag: "tier::db"}}
"""
ENV = {"CONVERGE_TEST_PASSWORD": "password"}


def tag_counts(handle) -> Counter:
    return Counter((t["kind"], t["resourceUuid"], t["tag"]) for t in platform_tags(handle.state()["tags"]))


def test_plan_apply_plan_converges(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, TAGS)
    plan = run_cli(["reconciler", "plan", "--detailed-exitcode", path], env=ENV)
    assert plan.returncode == 2, plan.stderr
    assert "Plan: 5 to create, 0 to update, 0 to replace, 0 to delete, 0 actions." in plan.stdout
    assert writes(zstack.requests) == []

    applied = run_cli(["reconciler", "apply", path], env=ENV)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete: 5 applied, 0 failed, 0 skipped." in applied.stdout
    assert sum(tag_counts(zstack).values()) == 5

    again = run_cli(["reconciler", "plan", "--detailed-exitcode", path], env=ENV)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes. 5 resources match the desired state." in again.stdout
    second_apply = run_cli(["reconciler", "apply", path], env=ENV)
    assert second_apply.returncode == 0 and "No changes." in second_apply.stdout


def test_plan_reads_through_list_endpoints_in_pages(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, TAGS)
    zstack.clear_requests()
    run_cli(["reconciler", "plan", "--no-owned-hint", path], env=ENV)
    reads = [r for r in zstack.requests if r["method"] == "GET"]
    # one query per kind: system tags and user tags, whatever the number of entries
    assert sorted(r["path"] for r in reads) == ["/zstack/v1/system-tags", "/zstack/v1/user-tags"]
    zstack.clear_requests()
    run_cli(["reconciler", "plan", path], env=ENV)
    reads = [r for r in zstack.requests if r["method"] == "GET"]
    records = [r for r in reads if r["query"]["q"][0].startswith("tag~=converge::owner::")]
    # the closing list of owned objects in no file adds one query: the owner's records of both tag kinds
    assert sorted(r["path"] for r in reads if r not in records) == ["/zstack/v1/system-tags", "/zstack/v1/user-tags"]
    [query] = [r["query"]["q"][0] for r in records]
    assert query.endswith("::%") and "::user::" not in query and "::system::" not in query


def test_plan_json_and_out_file_show_only_changed_fields(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, f"""\
        zstack_notification:
          - {{uuid: 0f1e2d3c4b5a49688796a5b4c3d2e1f0, status: Read}}
        zstack_system_tag:
          - {{resource_uuid: {HOST}, resource_type: HostVO, tag: "reservedMemory::2G", replaces: "reservedMemory::1G"}}
        """)
    seeded = tmp_path / "seed.yml"
    seeded.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints: {{zstack: {{url: {zstack.url}, password: {{env: CONVERGE_TEST_PASSWORD}}}}}}
        resources:
          zstack_system_tag: [{{resource_uuid: {HOST}, resource_type: HostVO, tag: "reservedMemory::1G"}}]
        """))
    assert run_cli(["reconciler", "apply", str(seeded)], env=ENV).returncode == 0
    out = tmp_path / "plan.json"
    plan = run_cli(["reconciler", "plan", "--format", "json", "--out", str(out), path], env=ENV)
    assert plan.returncode == 0, plan.stderr
    data = json.loads(plan.stdout)
    saved = json.loads(out.read_text())
    assert {k: saved[k] for k in data} == data
    assert data["summary"] == {"create": 0, "update": 2, "replace": 0, "delete": 0, "action": 0, "blocked": 0,
                               "skipped": 0}
    by_kind = {c["kind"]: c for c in data["changes"]}
    assert by_kind["zstack_notification"]["before"] == {"status": "Unread"}
    assert by_kind["zstack_notification"]["after"] == {"status": "Read"}
    assert by_kind["zstack_system_tag"]["after"] == {"tag": "reservedMemory::2G"}
    assert by_kind["zstack_system_tag"]["source"].endswith("desired.yml:11")


def test_markdown_plan_for_pull_requests(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, TAGS)
    plan = run_cli(["reconciler", "plan", "--format", "markdown", path], env=ENV)
    assert plan.stdout.startswith("**Plan: 5 to create")  # the summary first, then the counts per kind
    assert "\n| zstack\\_system\\_tag | 3 |\n| zstack\\_user\\_tag | 2 |\n" in plan.stdout
    assert "<details><summary><code>zstack_system_tag</code>: 3 to create</summary>" in plan.stdout
    assert "<details><summary><code>zstack_user_tag</code>: 2 to create</summary>" in plan.stdout


def test_the_markdown_plan_shows_values_as_text_never_as_html_or_markup(zstack, tmp_path):
    """A value of a pull request (or of a platform) reaches the reviewer's comment as itself: no tag, no code span
    closed early, no cell split, no link, no mention."""
    hostile = "x` <img src=x onerror=alert(1)> | [click](http://127.0.0.1:9/) @ops-team **bold**"
    path = desired_file(tmp_path, zstack.url, f"""\
        zstack_user_tag:
          - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: {json.dumps(hostile)}}}
        """)
    plan = run_cli(["reconciler", "plan", "--format", "markdown", path], env=ENV)
    (row,) = [line for line in plan.stdout.splitlines() if line.startswith("| <code>zstack\\_user\\_tag")]
    assert "<img" not in plan.stdout and "`" not in row.replace("\\`", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in row and "\\[click\\](http://127.0.0.1:9/)" in row
    assert "&#64;ops-team" in row and "\\*\\*bold\\*\\*" in row
    assert row.count(" | ") == 3  # four cells (a create's row in its kind's block): the value's own | is escaped


def test_validate_reports_file_line_reason_and_touches_nothing(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, f"""\
        zstack_system_tag:
          - resource_uuid: {VM}
            resource_type: VmInstanceVO
            tag: "ha::NeverStop"
            colour: blue
          - resource_uuid: {VM}
            resource_type: VmInstanceVO
            tag: [42]
          - resource_uuid: {VM}
            resource_type: VmInstanceVO
            tag: "ha::NeverStop"
          - {{resource_type: HostVO, tag: "x"}}
        zstack_gadget: []
        """)
    for command in (["validate"], ["plan"], ["apply"]):
        result = run_cli(["reconciler"] + command + [path], env=ENV)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            f"{path}:12: resources.zstack_system_tag[0].colour: unknown key 'colour'",
            f"{path}:15: resources.zstack_system_tag[1].tag: must be a string, got a list [42]",
            f"{path}:19: resources.zstack_system_tag[3].resource_uuid: is required",
            f"{path}:20: resources: unknown kind 'zstack_gadget' (reconciler schema lists the kinds)",
        ]
        assert "Traceback" not in result.stderr
    assert zstack.requests == []


def test_validate_reports_duplicate_identity(tmp_path):
    path = desired_file(tmp_path, "http://127.0.0.1:1", f"""\
        zstack_user_tag:
          - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "a"}}
          - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "a"}}
        """)
    result = run_cli(["reconciler", "validate", path])
    assert result.returncode == 1
    assert result.stderr.strip() == (f"{path}:10: duplicate zstack_user_tag (resource_uuid={VM}, "
                                     f"resource_type=VmInstanceVO, tag=a); first defined at {path}:9")


def test_unreachable_endpoint_and_missing_secret_are_clear_errors(tmp_path):
    unset = run_cli(["reconciler", "plan", desired_file(tmp_path, "http://127.0.0.1:9", TAGS, "CONVERGE_UNSET")])
    assert unset.returncode == 1
    assert unset.stderr.strip() == (f"{tmp_path / 'desired.yml'}:6: endpoints.zstack.password: environment variable "
                                    "CONVERGE_UNSET is not set")
    down = run_cli(["reconciler", "plan", desired_file(tmp_path, "http://127.0.0.1:9", TAGS)], env=ENV)
    assert down.returncode == 1
    # each entry of the platform is blocked by the endpoint, named with its URL at the line that declares it
    blocked = [line for line in down.stdout.splitlines() if "endpoints.zstack" in line]
    assert len(blocked) == 5
    assert blocked[0].startswith(f"  {tmp_path / 'desired.yml'}:9: zstack_system_tag[resource_uuid={VM}, "
                                 f"resource_type=VmInstanceVO, tag=ha::NeverStop]: {tmp_path / 'desired.yml'}:3: "
                                 "endpoints.zstack: cannot reach http://127.0.0.1:9 after 5 attempts: PUT "
                                 "/zstack/v1/accounts/login: zstack did not answer")
    assert "Traceback" not in down.stdout + down.stderr


def test_secrets_never_printed(tmp_path):
    planted = "Planted-Reconciler-pw-4471"
    with emulators.start("zstack", port=0, password=planted) as handle:
        path = desired_file(tmp_path, handle.url, TAGS)
        env = {"CONVERGE_TEST_PASSWORD": planted}
        outputs = [run_cli(["reconciler", cmd, path], env=env) for cmd in ("plan", "apply")]
        outputs.append(run_cli(["reconciler", "plan", "--format", "json", path], env=env))
        sessions = [r["path"].rsplit("/", 1)[-1] for r in handle.requests if "/accounts/sessions/" in r["path"]]
        bad = desired_file(tmp_path, handle.url, TAGS)
        outputs.append(run_cli(["reconciler", "plan", bad], env={"CONVERGE_TEST_PASSWORD": planted + "-wrong"}))
    assert outputs[-1].returncode == 1
    text = "".join(o.stdout + o.stderr for o in outputs)
    assert planted not in text
    assert sessions and not any(s in text for s in sessions)


def test_quickstart_example_validates():
    result = run_cli(["reconciler", "validate", str(ROOT / "examples" / "quickstart.yml")])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "valid: 4 resources in 1 file(s)"


def test_saved_plan_is_applied_as_reviewed(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, TAGS)
    saved = tmp_path / "plan.json"
    assert run_cli(["reconciler", "plan", "--out", str(saved), path], env=ENV).returncode == 0
    assert writes(zstack.requests) == []
    applied = run_cli(["reconciler", "apply", "--plan", str(saved), path], env=ENV)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete: 5 applied, 0 failed, 0 skipped." in applied.stdout
    assert sum(tag_counts(zstack).values()) == 5


def test_saved_plan_is_refused_when_live_state_moved(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, TAGS)
    saved = tmp_path / "plan.json"
    assert run_cli(["reconciler", "plan", "--out", str(saved), path], env=ENV).returncode == 0
    # someone tags the VM by hand between review and merge
    from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient

    client = ZStackClient(zstack.url, "admin", "password")
    client.create_tag("user", "VmInstanceVO", VM, "tier::web")
    client.close()
    zstack.clear_requests()
    refused = run_cli(["reconciler", "apply", "--plan", str(saved), path], env=ENV)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert lines[0] == (f"{saved}: {path}:13: the live state of zstack_user_tag"
                        f"[resource_uuid={VM}, resource_type=VmInstanceVO, tag=tier::web] "
                        "changed since the plan was made (now: noop)")
    assert lines[-1] == "the saved plan is stale: run plan again and review it"
    assert writes(zstack.requests) == []


def test_saved_plan_is_refused_when_the_file_changed(zstack, tmp_path):
    path = desired_file(tmp_path, zstack.url, TAGS)
    saved = tmp_path / "plan.json"
    run_cli(["reconciler", "plan", "--out", str(saved), path], env=ENV)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f'    - {{resource_uuid: {HOST}, resource_type: HostVO, tag: "extra"}}\n')
    refused = run_cli(["reconciler", "apply", "--plan", str(saved), path], env=ENV)
    assert refused.returncode == 1
    assert f"{saved}: {path} changed since the plan was made" in refused.stderr
    assert writes(zstack.requests) == []
    not_a_plan = run_cli(["reconciler", "apply", "--plan", path, path], env=ENV)
    assert not_a_plan.returncode == 1 and not_a_plan.stderr.startswith(f"{path}:1: not a saved plan")


def test_a_saved_plan_is_applied_only_to_the_files_given_again(zstack, tmp_path):
    """A plan file names its files, but whoever writes it could name others: the files come from the command."""
    path = desired_file(tmp_path, zstack.url, TAGS)
    saved = tmp_path / "plan.json"
    assert run_cli(["reconciler", "plan", "--out", str(saved), path], env=ENV).returncode == 0
    alone = run_cli(["reconciler", "apply", "--plan", str(saved)], env=ENV)
    assert alone.returncode != 0 and "give the desired-state files" in alone.stderr
    (tmp_path / "other").mkdir()
    other = desired_file(tmp_path / "other", zstack.url, TAGS)
    refused = run_cli(["reconciler", "apply", "--plan", str(saved), other], env=ENV)
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"{saved}: the plan was made for {path}, not {other}"
    assert writes(zstack.requests) == []


def test_a_usage_error_exits_1_not_the_2_that_means_changes(tmp_path):
    path = desired_file(tmp_path, "http://127.0.0.1:9", TAGS)
    result = run_cli(["reconciler", "plan", "--detailed-exitcode", "--format", "markdwn", path])
    assert result.returncode == 1 and "Invalid value for '--format'" in result.stderr
    assert run_cli(["reconciler", "apply", "--concurrency", "0", path]).returncode == 1


def test_the_library_applies_a_saved_plan_only_to_the_files_given_again(tmp_path):
    """reconcile(saved=...) as the action and other callers use it: with no files, nothing is read or applied."""
    from reconciler.api import Options, reconcile
    from reconciler.desired import DocumentError

    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps({"saved_format": 1, "fingerprints": {},
                                 "files": [{"path": str(tmp_path / "desired.yml"), "sha256": "0" * 64}]}),
                     encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        reconcile(Options([], apply=True, saved=str(saved)))
    assert caught.value.problems == [f"{saved}: give the desired-state files again (apply --plan {saved} FILE...): "
                                     f"a saved plan is applied only to the files it was made from, "
                                     f"{tmp_path / 'desired.yml'}"]
