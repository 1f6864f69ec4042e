"""Sentinel secrets through every output: the platforms' passwords and the license key never come out.

The ZStack and migration emulators are started with sentinel passwords, and the migration license key
is a sentinel too. Then: modules at -vvv with diff mode, in check mode and for real, and failing on a
wrong password; the reconciler's plan in text, JSON and Markdown, the saved plan file, apply's output and
JSON report, the refusal of a stale saved plan, and an unreachable endpoint. Not one sentinel may show.
"""

from __future__ import annotations

import json
import textwrap

import pytest

import emulators
from tests.support import run_cli, run_playbook

pytestmark = pytest.mark.slow
ZSTACK_SECRET = "Sentinel-ZStack-pw-5531"
MIGRATION_SECRET = "Sentinel-Migration-pw-7720"
LICENSE_SECRET = "SENTINEL-LICENSE-KEY-9902"
CLOUD_SECRET = "Sentinel-CloudPass-4417"
SENTINELS = (ZSTACK_SECRET, MIGRATION_SECRET, LICENSE_SECRET, CLOUD_SECRET)
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
ENV = {"CONVERGE_SENTINEL_ZSTACK": ZSTACK_SECRET, "CONVERGE_SENTINEL_MIGRATION": MIGRATION_SECRET,
       "CONVERGE_SENTINEL_LICENSE": LICENSE_SECRET, "CONVERGE_SENTINEL_CLOUD": CLOUD_SECRET}


def leaks(*texts: str) -> list[str]:
    return [sentinel for sentinel in SENTINELS for text in texts if sentinel in text]


@pytest.fixture
def platforms():
    zstack = emulators.start("zstack", port=0, password=ZSTACK_SECRET)
    migration = emulators.start("migration", port=0, password=MIGRATION_SECRET)
    yield zstack, migration
    zstack.stop()
    migration.stop()


def desired(tmp_path, zstack, migration, tag="sentinel::1") -> str:
    path = tmp_path / "desired.yml"
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {zstack.url}, username: admin, password: {{env: CONVERGE_SENTINEL_ZSTACK}}}}
          migration: {{url: {migration.url}, username: admin, password: {{env: CONVERGE_SENTINEL_MIGRATION}}}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "{tag}"}}
          migration_license:
            - {{activation_key: {{env: CONVERGE_SENTINEL_LICENSE}}}}
          migration_cloud_connection:
            - {{name: sentinel-cloud, cloud_type: Openstack, project_name: admin, cloud_user: admin,
               cloud_password: {{file: cloud-password.txt}}, address: 127.0.0.1, identity_port: 5000}}
        settings:
          inline_secrets: false
        """), encoding="utf-8")
    (tmp_path / "cloud-password.txt").write_text(CLOUD_SECRET + "\n", encoding="utf-8")
    return str(path)


def test_no_sentinel_in_any_reconciler_output_or_file(platforms, tmp_path):
    zstack, migration = platforms
    path = desired(tmp_path, zstack, migration)
    saved = tmp_path / "plan.json"
    outputs = []
    for args in (["plan", path], ["plan", "--format", "json", path], ["plan", "--format", "markdown", path],
                 ["plan", "--out", str(saved), path], ["apply", "--format", "json", path], ["apply", path]):
        run = run_cli(["reconciler", *args], env=ENV)
        outputs += [run.stdout, run.stderr]
    outputs.append(saved.read_text(encoding="utf-8"))
    desired(tmp_path, zstack, migration, tag="sentinel::2")  # the saved plan is stale now
    stale = run_cli(["reconciler", "apply", "--plan", str(saved), path], env=ENV)
    assert stale.returncode == 1
    zstack.stop()
    unreachable = run_cli(["reconciler", "--debug", "plan", path], env=ENV)
    assert unreachable.returncode == 1
    outputs += [stale.stdout, stale.stderr, unreachable.stdout, unreachable.stderr]
    assert "applied, 0 failed, 0 skipped." in outputs[10], outputs[10] + outputs[11]
    assert leaks(*outputs) == []
    clouds = migration.state()["clouds"].values()
    assert [c["CloudPass"] for c in clouds] == [CLOUD_SECRET]  # the secret read from its file reached the platform
    # the desired state holds references only; the one secret file is the user's own, and the state
    # database (.converge/state/) holds the ledger without a secret
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "cloud-password.txt"]
    state = [p.relative_to(tmp_path).as_posix() for p in written if ".converge" in p.parts]
    assert "state.db" in {p.name for p in written}, state  # the state was kept, and is scanned below
    assert sorted(p.name for p in written if ".converge" not in p.parts) == ["desired.yml", "plan.json"]
    assert [p.name for p in written if leaks(p.read_bytes().decode("utf-8", errors="replace"))] == []


def test_no_sentinel_in_module_output_at_the_highest_verbosity(platforms, tmp_path):
    zstack, migration = platforms
    env = {"ZSTACK_URL": zstack.url, "ZSTACK_PASSWORD": ZSTACK_SECRET,
           "MIGRATION_URL": migration.url, "MIGRATION_USERNAME": "admin", "MIGRATION_PASSWORD": MIGRATION_SECRET}
    tag = {"converge.platforms.zstack_user_tag": {"resource_uuid": VM, "resource_type": "VmInstanceVO",
                                                  "tag": "sentinel::module"}}
    license_task = {"converge.platforms.migration_license": {"activation_key": LICENSE_SECRET}}
    wrong = {"converge.platforms.zstack_user_tag": {"resource_uuid": VM, "resource_type": "VmInstanceVO",
                                                    "tag": "sentinel::wrong", "password": ZSTACK_SECRET + "-x"}}
    runs = [run_playbook([tag, license_task], check=True, diff=True, verbosity=4, env=env, workdir=tmp_path),
            run_playbook([tag, license_task, wrong], diff=True, verbosity=4, env=env, workdir=tmp_path)]
    assert runs[1].results[0]["changed"] is True and runs[1].results[2]["failed"] is True
    texts = [run.output for run in runs] + [json.dumps(run.results) for run in runs]
    assert leaks(*texts) == []


def test_no_sentinel_in_the_reconcile_action_at_the_highest_verbosity(platforms, tmp_path):
    """The reconcile action at -vvvv (ansible prints every result): plan with diff in check mode, apply, a stale
    saved plan. A tag that holds the ZStack password in its text (a secret where none is expected) is masked in
    the plan and report the action returns, as the CLI masks it."""
    zstack, migration = platforms
    path = desired(tmp_path, zstack, migration, tag=f"note::{ZSTACK_SECRET}")
    saved = str(tmp_path / "plan.json")
    reconcile = "converge.platforms.reconcile"
    runs = [run_playbook([{reconcile: {"files": [path], "out": saved, "apply": False}},
                          {reconcile: {"files": [path]}}], check=True, diff=True, verbosity=4, env=ENV,
                         workdir=tmp_path),
            run_playbook([{reconcile: {"files": [path]}}], diff=True, verbosity=4, env=ENV, workdir=tmp_path),
            run_playbook([{reconcile: {"files": [path], "plan": saved}}], diff=True, verbosity=4, env=ENV,
                         workdir=tmp_path)]
    planned, checked = runs[0].results
    applied, stale = runs[1].results[0], runs[2].results[0]
    pending = len(planned["plan"]["changes"])
    assert planned["plan"]["summary"]["create"] == 2 and checked["changed"] is True, runs[0].output
    assert applied["report"]["applied"] == pending and stale["failed"] is True, runs[1].output + runs[2].output
    assert any(c["identity"].get("tag") == "note::********" for c in planned["plan"]["changes"]), planned["plan"]
    texts = [run.output for run in runs] + [json.dumps(run.results) for run in runs]
    assert leaks(*texts) == []
