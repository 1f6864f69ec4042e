"""`reconciler state list|show|forget|history`: the ledger and history of the files' owner, never a platform request."""

from __future__ import annotations

import json
import textwrap

import pytest

from reconciler.state import open_backend
from tests.integration.test_state_wiring import OWNER, migration, site  # noqa: F401  (the fixture)
from tests.support import run_cli

pytestmark = pytest.mark.slow
CONNECTION = "migration_cloud_connection[name=openstack-prod]"
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


def state(*args: str, env: dict[str, str] | None = None):
    """`reconciler state ARGS...` run as a user runs it."""
    return run_cli(["reconciler", "state", *args], env=env)


def test_list_show_and_history_say_what_the_apply_kept(migration, tmp_path):  # noqa: F811
    path = site(tmp_path / "site.yml", migration.url)
    assert run_cli(["reconciler", "apply", path]).returncode == 0
    migration.clear_requests()

    listed = state("list", path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == f"Ledger of {OWNER} in file://{tmp_path / '.converge' / 'state'}: 1 object"
    assert lines[1].startswith(f"  {CONNECTION}: confirmed, applied 20")

    data = json.loads(state("list", "--format", "json", path).stdout)
    (entry,) = data["ledger"]
    assert (data["owner"], entry["identity"], entry["status"]) == (OWNER, {"name": "openstack-prod"}, "confirmed")
    assert entry["applied"]["cloud_password"] == "(sensitive value)"

    shown = state("show", "migration_cloud_connection/openstack-prod", path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[:2] == [f"{CONNECTION} (owner {OWNER}, platform migration)", "  status: confirmed"]
    assert '    cloud_password: "(sensitive value)"' in shown.stdout.splitlines()
    assert '"password"' not in shown.stdout

    history = json.loads(state("history", "--format", "json", path).stdout)["history"]
    assert [(h["outcome"], h["counts"]["create"], h["files"]) for h in history] == [("success", 1, [path])]
    assert state("history", path).stdout.splitlines()[1].endswith(f"success (1 create); "
                                                                  f"{history[0]['user']}@{history[0]['host']}, "
                                                                  f"no revision, {path}")
    assert migration.requests == []  # none of them asked the platform anything


def test_forget_drops_the_object_from_the_ledger_and_never_touches_the_platform(migration, tmp_path):  # noqa: F811
    path = site(tmp_path / "site.yml", migration.url)
    assert run_cli(["reconciler", "apply", path]).returncode == 0
    migration.clear_requests()

    forgotten = state("forget", "migration_cloud_connection/openstack-prod", path)
    assert forgotten.returncode == 0, forgotten.stderr
    assert forgotten.stdout == (f"Forgot {CONNECTION} from the ledger of {OWNER}; the object on the platform is left "
                                f"as it is.\n")
    assert migration.requests == []
    assert len(migration.state()["clouds"]) == 1
    with open_backend(None, tmp_path) as backend:
        assert backend.ledger(OWNER) == []

    again = state("forget", "migration_cloud_connection/openstack-prod", path)
    assert again.returncode == 1
    assert again.stderr == (f"migration_cloud_connection/openstack-prod: no object of the ledger of owner {OWNER} "
                            f"matches it (reconciler state list shows them)\n")
    unknown = state("show", "no_such_kind/x", path)
    assert unknown.returncode == 1
    assert unknown.stderr == "no_such_kind/x: give KIND/NAME, KIND being one the reconciler knows\n"


def test_show_finds_an_object_by_an_identity_value_in_postgresql(zstack, postgresql_database, tmp_path):
    path = tmp_path / "tags.yml"
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {zstack.url}, username: admin, password: password}}
        settings: {{owner: {OWNER}, inline_secrets: true}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::db"}}
        """), encoding="utf-8")
    env = {"CONVERGE_STATE": postgresql_database}
    assert run_cli(["reconciler", "apply", str(path)], env=env).returncode == 0
    zstack.clear_requests()
    shown = state("show", "--format", "json", "zstack_user_tag/tier::db", str(path), env=env)
    assert shown.returncode == 0, shown.stderr
    assert [entry["identity"] for entry in json.loads(shown.stdout)] == [
        {"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "tier::db"}]
    listed = json.loads(state("list", "--format", "json", "--state", postgresql_database, str(path)).stdout)
    assert sorted(entry["identity"]["tag"] for entry in listed["ledger"]) == ["tier::db", "tier::web"]
    assert zstack.requests == []
