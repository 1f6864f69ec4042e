"""Prune needs the owner's whole desired state: a prune given some of the owner's files is refused before any
request, naming the files left out; a saved plan is checked again as it is applied."""

from __future__ import annotations

import json
import textwrap

import pytest

from reconciler.api import Options, reconcile
from reconciler.prune_scope import PartialState
from tests.integration.test_guardrails import VM, tag, tag_file, user_tags
from tests.support import run_cli

pytestmark = pytest.mark.slow


def team_directory(root, url: str) -> dict[str, str]:
    """desired/ as three teams share it: the platform's file (endpoints, settings) and the web and db teams' tags."""
    desired = root / "desired"
    desired.mkdir()
    files = {
        "00-platform.yml": f"""\
            version: 1
            endpoints:
              zstack: {{url: {url}, username: admin, password: password}}
            settings: {{owner: teams, inline_secrets: true}}
            """,
        "web.yml": f"""\
            version: 1
            resources:
              zstack_user_tag:
                - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
            """,
        "db.yml": f"""\
            version: 1
            resources:
              zstack_user_tag:
                - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::db"}}
            """,
    }
    for name, text in files.items():
        (desired / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return {name: str(desired / name) for name in files}


def test_prune_with_some_of_the_owners_files_is_refused_before_any_request(zstack, tmp_path):
    files = team_directory(tmp_path, zstack.url)
    assert not reconcile(Options([str(tmp_path / "desired")], apply=True)).failed
    zstack.clear_requests()
    out = tmp_path / "plan.json"
    run = run_cli(["reconciler", "plan", "--prune", "--out", str(out), "desired/00-platform.yml", "desired/web.yml"],
                  cwd=tmp_path)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr == ("desired/db.yml:1: prune needs the whole desired state of owner teams under desired/, "
                          "and this file was not given: give the directory (desired) or every file in it, or leave "
                          "this one out with .convergeignore\n")
    assert zstack.requests == []
    assert not out.exists()
    with pytest.raises(PartialState):
        reconcile(Options([files["00-platform.yml"], files["web.yml"]], apply=True, prune=True))
    assert user_tags(zstack) == ["tier::db", "tier::web"]
    # without prune nothing can be deleted: the same files plan as usual
    assert run_cli(["reconciler", "plan", "--detailed-exitcode", files["00-platform.yml"], files["web.yml"]],
                   cwd=tmp_path).returncode == 0
    # the directory itself, or every file, is the whole state
    assert run_cli(["reconciler", "plan", "--prune", "--detailed-exitcode", "desired"], cwd=tmp_path).returncode == 0
    assert run_cli(["reconciler", "plan", "--prune", "--detailed-exitcode", *files.values()],
                   cwd=tmp_path).returncode == 0


def test_a_file_of_another_owner_beside_them_is_not_asked_for(zstack, tmp_path):
    files = team_directory(tmp_path, zstack.url)
    (tmp_path / "desired" / "lab.yml").write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {zstack.url}, username: admin, password: password}}
        settings: {{owner: lab, inline_secrets: true}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "lab::yes"}}
        """), encoding="utf-8")
    teams = [files["00-platform.yml"], files["web.yml"], files["db.yml"]]
    run = run_cli(["reconciler", "apply", "--prune", *teams], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert user_tags(zstack) == ["tier::db", "tier::web"]


def test_a_saved_prune_plan_is_checked_again_as_it_is_applied(zstack, tmp_path):
    files = team_directory(tmp_path, zstack.url)
    every = list(files.values())
    assert not reconcile(Options(every, apply=True)).failed
    out = tmp_path / "plan.json"
    assert run_cli(["reconciler", "plan", "--prune", "--out", str(out), *every], cwd=tmp_path).returncode == 0
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["prune_scope"] == every
    # a file of the owner added after the review: the saved plan would prune what it names, so it is refused
    (tmp_path / "desired" / "cache.yml").write_text(textwrap.dedent(f"""\
        version: 1
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::cache"}}
        """), encoding="utf-8")
    zstack.clear_requests()
    run = run_cli(["reconciler", "apply", "--plan", str(out), *every], cwd=tmp_path)
    assert run.returncode == 1
    # files given by absolute path are named so
    assert run.stderr.startswith(f"{tmp_path / 'desired' / 'cache.yml'}:1: prune needs the whole desired state of "
                                 f"owner teams under {tmp_path / 'desired'}/, and this file was not given")
    assert zstack.requests == []


def test_a_renamed_entry_says_its_old_object_stays_behind(zstack, tmp_path):
    path = tag_file(tmp_path / "tags.yml", zstack.url, ["tier::web"])
    assert not reconcile(Options([path], apply=True)).failed
    tag_file(tmp_path / "tags.yml", zstack.url, ["tier::www"])
    shown = run_cli(["reconciler", "plan", path])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-3:] == [
        "1 owned object is in no file; `--prune` would delete it:",
        f"  {tag('tier::web')}",
        "Renamed an entry? The plan creates zstack_user_tag objects while owned ones are in no file: the object "
        "under the old name stays until `--prune` deletes it."]
    assert user_tags(zstack) == ["tier::web"]


def test_a_file_convergeignore_leaves_out_is_not_asked_for(zstack, tmp_path):
    files = team_directory(tmp_path, zstack.url)
    assert not reconcile(Options([str(tmp_path / "desired")], apply=True)).failed
    (tmp_path / "desired" / ".convergeignore").write_text("db.yml\n", encoding="utf-8")
    zstack.clear_requests()
    run = run_cli(["reconciler", "apply", "--prune", files["00-platform.yml"], files["web.yml"]], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # db.yml is out of the desired state: its tag, owned and named by no file read, is pruned
    assert user_tags(zstack) == ["tier::web"]
