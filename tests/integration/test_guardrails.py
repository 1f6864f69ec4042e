"""Guardrails: `protect: true`, `settings.protect` and the delete budget refuse a plan before anything is written,
proved on the emulators' request logs; a plan within them still applies."""

from __future__ import annotations

import textwrap

import pytest

import emulators
from reconciler.api import Options, reconcile
from reconciler.guardrails import Refused
from tests.integration.test_observe_ignore_adopt import desired
from tests.support import run_cli, writes

pytestmark = pytest.mark.slow

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


def tag_file(path, url: str, tags: list[str], settings: str = "", extra: str = "") -> str:
    """ZStack user tags of owner team-a on one VM; `settings` adds to the settings' mapping, `extra` to each
    entry (after `tag`, as `, key: value`)."""
    entries = "".join(f'\n    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "{tag}"{extra}}}'
                      for tag in tags)
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {url}, username: admin, password: password}}
        settings: {{owner: team-a, inline_secrets: true{settings}}}
        resources:
          zstack_user_tag:""") + entries + "\n", encoding="utf-8")
    return str(path)


def user_tags(handle) -> list[str]:
    """The user tags on the emulator, the ownership records left out."""
    return sorted(t["tag"] for t in handle.state()["tags"].values()
                  if t["kind"].lower() == "user" and not t["tag"].startswith("converge::owner::"))


def tag(name: str) -> str:
    return f"zstack_user_tag[resource_uuid={VM}, resource_type=VmInstanceVO, tag={name}]"


def refused(args: list[str]) -> str:
    """The stderr of a CLI run that must exit 1 with nothing on stdout."""
    run = run_cli(args)
    assert run.returncode == 1, run.stdout + run.stderr
    return run.stderr


def test_settings_protect_refuses_to_prune_a_protected_tag_and_the_rest_still_prunes(zstack, tmp_path):
    path = tmp_path / "tags.yml"
    ours = tag_file(path, zstack.url, ["tier::web", "tier::db", "team::a"],
                    settings=", protect: [zstack_user_tag/tier::*]")
    assert not reconcile(Options([ours], apply=True)).failed
    tag_file(path, zstack.url, ["tier::web"], settings=", protect: [zstack_user_tag/tier::*]")
    zstack.clear_requests()
    expected = (f"{tag('tier::db')} (owned by team-a, in no file): delete (prune): refused, the object is protected "
                f"(settings.protect 'zstack_user_tag/tier::*' at {ours}:4)\n"
                f"the plan would delete or replace 1 object that the desired state protects: nothing is written "
                f"(take the protection off first if this is meant)\n")
    assert refused(["reconciler", "plan", "--prune", ours]) == expected
    assert refused(["reconciler", "apply", "--prune", ours]) == expected
    with pytest.raises(Refused):
        reconcile(Options([ours], apply=True, prune=True))
    assert writes(zstack.requests) == []
    assert user_tags(zstack) == ["team::a", "tier::db", "tier::web"]
    # the protection names the kind alone: every tag of it is kept
    tag_file(path, zstack.url, ["tier::web", "tier::db"], settings=", protect: [zstack_user_tag]")
    assert "team::a" in refused(["reconciler", "plan", "--prune", ours])
    # out of the pattern's reach, the same prune applies
    tag_file(path, zstack.url, ["tier::web", "tier::db"], settings=", protect: [zstack_user_tag/tier::*]")
    assert not reconcile(Options([ours], apply=True, prune=True)).failed
    assert user_tags(zstack) == ["tier::db", "tier::web"]


def test_protect_true_refuses_a_replace_and_state_absent(zstack, tmp_path):
    path = tmp_path / "tags.yml"
    ours = tag_file(path, zstack.url, ["tier::web"])
    assert not reconcile(Options([ours], apply=True)).failed
    tag_file(path, zstack.url, ["tier::api"], extra=', replaces: "tier::web", protect: true')
    zstack.clear_requests()
    stderr = refused(["reconciler", "apply", ours])
    assert stderr.splitlines()[0] == (f"{tag('tier::api')} ({ours}:7): replace: refused, the object is protected "
                                      f"(protect: true at {ours}:7)")
    # without the protection, the replace is still a delete to the budget
    tag_file(path, zstack.url, ["tier::api"], extra=', replaces: "tier::web"')
    assert refused(["reconciler", "plan", "--max-deletes", "0", ours]).splitlines() == [
        "the plan deletes 1 object (a replace deletes the one it makes again), more than the delete budget allows "
        "(--max-deletes 0): nothing is written",
        f"  {tag('tier::api')} ({ours}:7): replace"]
    tag_file(path, zstack.url, ["tier::web"], extra=", state: absent, protect: true")
    assert refused(["reconciler", "plan", ours]).splitlines()[0] == (
        f"{tag('tier::web')} ({ours}:7): delete: refused, the object is protected (protect: true at {ours}:7)")
    assert writes(zstack.requests) == []
    assert user_tags(zstack) == ["tier::web"]
    # protect: true on an entry that is kept changes nothing: the tag is made, and applying it again is a no-op
    tag_file(path, zstack.url, ["tier::web", "tier::new"], extra=", protect: true")
    assert not reconcile(Options([ours], apply=True)).failed
    assert user_tags(zstack) == ["tier::new", "tier::web"]


def cluster_file(tmp_path, url: str, body: str, settings: str = "") -> str:
    """A desired-state file of OpenDCP clusters (`body`, their entries) of owner team-a."""
    return desired(tmp_path, url, "opendcp_cluster:\n" + textwrap.indent(textwrap.dedent(body), "  "), settings)


def clusters(handle) -> list[str]:
    return sorted(c["name"] for c in handle.state()["clusters"].values())


def test_the_delete_budget_counts_prunes_and_the_option_wins(opendcp, tmp_path):
    three = """\
        - {name: web, desc: a}
        - {name: db, desc: b}
        - {name: cache, desc: c}
        """
    path = cluster_file(tmp_path, opendcp.url, three, settings=", max_deletes: 1")
    assert not reconcile(Options([path], apply=True)).failed
    cluster_file(tmp_path, opendcp.url, "- {name: web, desc: a}\n", settings=", max_deletes: 1")
    opendcp.clear_requests()
    expected = [f"the plan deletes 2 objects (a replace deletes the one it makes again), more than the delete "
                f"budget allows (settings.max_deletes: 1 at {path}:4): nothing is written",
                "  opendcp_cluster[name=cache] (owned by team-a, in no file): delete (prune)",
                "  opendcp_cluster[name=db] (owned by team-a, in no file): delete (prune)"]
    assert refused(["reconciler", "plan", "--prune", path]).splitlines() == expected
    assert refused(["reconciler", "apply", "--prune", "--max-deletes", "1", path]).splitlines()[0] == (
        "the plan deletes 2 objects (a replace deletes the one it makes again), more than the delete budget allows "
        "(--max-deletes 1): nothing is written")
    assert writes(opendcp.requests) == []
    assert clusters(opendcp) == ["cache", "db", "web"]
    # the option wins over the setting: a budget of 2 lets the plan apply
    applied = run_cli(["reconciler", "apply", "--prune", "--max-deletes", "2", path])
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert clusters(opendcp) == ["web"]


def test_a_saved_plan_is_checked_again_as_it_is_applied(opendcp, tmp_path):
    path = cluster_file(tmp_path, opendcp.url, "- {name: web, desc: a}\n- {name: db, desc: b}\n")
    assert not reconcile(Options([path], apply=True)).failed
    cluster_file(tmp_path, opendcp.url, "- {name: web, desc: a}\n")
    saved = str(tmp_path / "plan.json")
    made = run_cli(["reconciler", "plan", "--prune", "--out", saved, path])
    assert made.returncode == 0, made.stdout + made.stderr
    opendcp.clear_requests()
    stderr = refused(["reconciler", "apply", "--plan", saved, "--max-deletes", "0", path])
    assert stderr.splitlines()[-1] == "  opendcp_cluster[name=db] (owned by team-a, in no file): delete (prune)"
    assert writes(opendcp.requests) == []
    assert clusters(opendcp) == ["db", "web"]
    # a refused plan is not saved
    refused(["reconciler", "plan", "--prune", "--max-deletes", "0", "--out", str(tmp_path / "no.json"), path])
    assert not (tmp_path / "no.json").exists()


def test_a_protect_pattern_of_an_unknown_kind_is_its_file_line_error(opendcp, tmp_path):
    path = cluster_file(tmp_path, opendcp.url, "- {name: web, desc: a}\n",
                        settings=", protect: [opendcp_clustr/prod-*, opendcp_cluster/], max_deletes: -1")
    stderr = refused(["reconciler", "plan", path])
    assert stderr.splitlines() == [
        f"{path}:4: settings.max_deletes: must be 0 or more",
        f"{path}:4: settings.protect[0]: unknown kind 'opendcp_clustr' (did you mean 'opendcp_cluster'?)",
        f"{path}:4: settings.protect[1]: 'opendcp_cluster/' names no object: give KIND, or KIND/NAME-GLOB"]
    assert opendcp.requests == []
