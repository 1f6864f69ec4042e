"""Directories of desired state: a YAML file of another tool in one is refused by name, and `.convergeignore` leaves
files out."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from tests.support import ROOT, run_cli, writes

pytestmark = pytest.mark.slow

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
REFUSED = ("not a desired-state document (it has no endpoints, settings, existing or resources): list {relative} in "
           "{directory}/.convergeignore to leave it out")


def write(path, text: str):
    """`text` (dedented) written at `path`, parents made; `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def tags_file(path, url: str, tags: list[str]):
    """A desired-state file of ZStack user tags on one VM, on the emulator at `url`."""
    entries = "".join(f'\n    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "{tag}"}}' for tag in tags)
    return write(path, textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {url}, username: admin, password: password}}
        settings: {{owner: directories, inline_secrets: true}}
        resources:
          zstack_user_tag:""") + entries + "\n")


def user_tags(handle) -> list[str]:
    return sorted(t["tag"] for t in handle.state()["tags"].values()
                  if t["kind"].lower() == "user" and not t["tag"].startswith("converge::owner::"))


def other_tools_files(directory) -> None:
    """An Ansible Builder definition (its own `version`) and a playbook (a list), as a repository holds them."""
    write(directory / "runner" / "execution-environment.yml", """\
        version: 3
        images:
          base_image: {name: ghcr.io/ansible-community/community-ee-minimal:latest}
        """)
    write(directory / "playbook.yml", "- hosts: all\n  tasks: []\n")


def test_a_yaml_file_of_another_tool_in_a_directory_is_refused_by_name_before_any_request(zstack, tmp_path):
    desired = tmp_path / "desired"
    tags_file(desired / "site.yml", zstack.url, ["tier::web"])
    other_tools_files(desired)
    expected = [f"{desired}/playbook.yml:1: " + REFUSED.format(relative="playbook.yml", directory=desired),
                f"{desired}/runner/execution-environment.yml:1: "
                + REFUSED.format(relative="runner/execution-environment.yml", directory=desired)]
    for command in ("validate", "plan", "apply"):
        result = run_cli(["reconciler", command, str(desired)])
        assert (result.returncode, result.stderr.splitlines()) == (1, expected), command
    assert zstack.requests == []
    assert user_tags(zstack) == []

    # given by name, a file keeps the errors of a desired-state file
    by_name = run_cli(["reconciler", "validate", str(desired / "runner" / "execution-environment.yml")])
    assert by_name.returncode == 1
    assert by_name.stderr.splitlines() == [
        f"{desired}/runner/execution-environment.yml:2: unknown key 'images'",
        f"{desired}/runner/execution-environment.yml:1: version: must be one of [1]"]


def test_a_desired_state_document_with_a_misspelt_section_is_one_still_said_so(tmp_path):
    desired = tmp_path / "desired"
    write(desired / "site.yml", "version: 1\nresorces: {}\n")
    result = run_cli(["reconciler", "validate", str(desired)])
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{desired}/site.yml:2: unknown key 'resorces' (did you mean 'resources'?)"]


def test_convergeignore_leaves_files_out_of_the_directory_and_only_the_rest_is_applied(zstack, tmp_path):
    desired = tmp_path / "desired"
    tags_file(desired / "site.yml", zstack.url, ["tier::web"])
    write(desired / "teams" / "db.yml", f"""\
        version: 1
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "team::db"}}
        """)
    # these declare the endpoint and settings again: read, they would be refused
    tags_file(desired / "drafts" / "next.yml", zstack.url, ["draft::next"])
    tags_file(desired / "teams" / "old.yml", zstack.url, ["team::old"])
    other_tools_files(desired)
    write(desired / ".convergeignore", """\
        # other tools' files, and what is not ready
        runner/
        playbook.yml
        drafts/
        teams/*.yml
        !teams/db.yml
        """)
    applied = run_cli(["reconciler", "apply", str(desired)])
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete: 2 applied, 0 failed, 0 skipped." in applied.stdout
    assert user_tags(zstack) == ["team::db", "tier::web"]

    zstack.clear_requests()
    plan = run_cli(["reconciler", "plan", "--prune", "--detailed-exitcode", str(desired)])
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert writes(zstack.requests) == []


def test_validate_examples_reads_the_examples_as_one_desired_state_without_the_runner_directory(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = run_cli(["reconciler", "validate", "examples/"], cwd=tmp_path)
    # each example is a desired state of its own: read as one, they declare their endpoints and settings twice
    assert result.returncode == 1
    problems = result.stderr.splitlines()
    assert problems and all(" already defined at examples/" in line or " already declared at examples/" in line
                            for line in problems), problems
    assert not [line for line in problems if "runner/" in line]
    teams = run_cli(["reconciler", "validate", "examples/teams/"], cwd=tmp_path)
    assert (teams.returncode, teams.stdout) == (0, "valid: 3 resources in 3 file(s)\n")
