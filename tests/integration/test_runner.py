"""examples/runner run as AWX runs a job: ansible-runner on a private data directory, against the ZStack emulator.

The directory is copied as it is; only the desired state's URL is pointed at this test's emulator.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.support import BIN, ROOT, ansible_env, platform_tags, writes

pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "examples" / "runner"
DEFAULT_URL = "http://127.0.0.1:18080"
OWNER = "awx-platform-team"
#: what the example's desired state asks for: (kind, resource, tag)
WANTED = [("System", "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70", "ha::NeverStop"),
          ("User", "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70", "tier::web"),
          ("User", "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81", "tier::db")]
#: what a job's environment holds besides the project's own env/: where ansible finds this checkout
JOB_ENV = ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH", "PYTHONPATH", "PATH", "ANSIBLE_NOCOLOR")


@pytest.fixture
def private_data_dir(tmp_path, zstack):
    """A copy of examples/runner whose desired state points at this test's emulator."""
    directory = tmp_path / "runner"
    shutil.copytree(EXAMPLE, directory)
    desired = directory / "project" / "desired" / "zstack.yml"
    text = desired.read_text(encoding="utf-8")
    assert DEFAULT_URL in text
    desired.write_text(text.replace(DEFAULT_URL, zstack.url), encoding="utf-8")
    return directory


def tags(zstack) -> list[tuple[str, str, str]]:
    return sorted((t["kind"], t["resourceUuid"], t["tag"]) for t in platform_tags(zstack.state()["tags"]))


def run_api(directory, **options):
    """One job through ansible-runner's Python API, as AWX's worker starts it."""
    import ansible_runner

    env = ansible_env()
    return ansible_runner.run(private_data_dir=str(directory), playbook="reconcile.yml", quiet=True,
                              envvars={name: env[name] for name in JOB_ENV}, **options)


def task_results(run) -> dict[str, tuple[str, dict]]:
    """The event (`runner_on_ok`, `runner_on_failed`) and result of each task of a finished run, by task name."""
    return {e["event_data"]["task"]: (e["event"], e["event_data"]["res"]) for e in run.events
            if e["event"] in ("runner_on_ok", "runner_on_failed")}


def test_the_project_applies_then_a_second_run_changes_nothing(private_data_dir, zstack):
    proc = subprocess.run([str(BIN / "ansible-runner"), "run", str(private_data_dir), "-p", "reconcile.yml",
                           "--ident", "first"], capture_output=True, text=True, env=ansible_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    artifacts = private_data_dir / "artifacts" / "first"
    assert (artifacts / "status").read_text(encoding="utf-8") == "successful"
    assert (artifacts / "rc").read_text(encoding="utf-8") == "0"
    assert "changed=1" in proc.stdout
    assert tags(zstack) == sorted(WANTED)
    records = [t["tag"] for t in zstack.state()["tags"].values() if t["tag"] not in {w[2] for w in WANTED}]
    assert records and all(tag.startswith(f"converge::owner::{OWNER}::") for tag in records)
    assert "password" not in (artifacts / "stdout").read_text(encoding="utf-8")

    sent = len(zstack.requests)
    second = run_api(private_data_dir, ident="second")
    assert (second.status, second.rc) == ("successful", 0)
    assert second.stats["changed"] == {} and second.stats["failures"] == {}
    event, result = task_results(second)["Reconcile the desired state"]
    assert event == "runner_on_ok"
    assert result["changed"] is False and result["plan"]["changes"] == []
    assert writes(zstack.requests[sent:]) == []
    assert tags(zstack) == sorted(WANTED)


def test_a_check_job_plans_and_writes_nothing(private_data_dir, zstack):
    run = run_api(private_data_dir, ident="check", cmdline="--check")
    assert (run.status, run.rc) == ("successful", 0)
    event, result = task_results(run)["Reconcile the desired state"]
    assert event == "runner_on_ok"
    assert result["changed"] is True and result["report"] is None
    assert result["plan"]["summary"]["create"] == len(WANTED)
    assert writes(zstack.requests) == [] and tags(zstack) == []


def test_a_job_without_the_credential_fails_naming_the_variable(private_data_dir, zstack, monkeypatch):
    monkeypatch.delenv("CONVERGE_ZSTACK_PASSWORD", raising=False)
    (private_data_dir / "env" / "envvars").unlink()
    run = run_api(private_data_dir, ident="no-credential")
    assert (run.status, run.rc) == ("failed", 2)
    event, result = task_results(run)["Reconcile the desired state"]
    desired = private_data_dir / "project" / "desired" / "zstack.yml"
    assert event == "runner_on_failed"
    assert result["msg"] == (f"{desired}:11: endpoints.zstack.password: environment variable CONVERGE_ZSTACK_PASSWORD "
                             "is not set")
    assert writes(zstack.requests) == []


def test_the_shard_of_docs_scale_is_a_desired_state_of_its_own_owner(tmp_path):
    """The example shard validates as written: its own owner, and the other shard's cluster under existing:."""
    from reconciler.desired import load
    from reconciler.ownership import owner_of

    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    shard = tmp_path / "desired" / "opendcp-batch"
    shard.mkdir(parents=True)
    for name in ("00-settings.yml", "batch.yml"):
        [block] = re.findall(rf"`desired/opendcp-batch/{re.escape(name)}`:\n\n```yaml\n(.*?)```", text, re.S)
        (shard / name).write_text(block, encoding="utf-8")
    desired = load([str(shard)])
    assert owner_of(desired) == "platform-opendcp-batch" and desired.settings["prune"] is True
    entries = [(e.kind, e.data["name"], e.data["cluster"]) for e in desired.entries]
    assert entries == [("opendcp_service", "batch", "web")]
    assert desired.existing == {"opendcp_cluster": {"web"}}
