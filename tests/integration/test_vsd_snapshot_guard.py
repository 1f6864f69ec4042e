"""The vsd_snapshot_guard role through ansible-playbook against the VSD emulator."""

from __future__ import annotations

import pytest
import yaml

import emulators
from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM, BUILTIN_STOPPED_VM
from tests.support import ROOT, run_cli, writes

pytestmark = pytest.mark.slow

SNAP = "/v1/compute/vsd/snapshot"
VMS = [{"uuid": BUILTIN_RUNNING_VM, "name": "test-templ"}, {"name": "db-01"}]


@pytest.fixture
def vsd():
    handle = emulators.start("vsd", port=0)
    yield handle
    handle.stop()


def guard(vsd, tmp_path, tasks, check=False, **variables):
    """Run playbooks/vsd_snapshot_guard.yml with `tasks` as the guarded tasks file."""
    tasks_file = tmp_path / "guarded.yml"
    tasks_file.write_text(yaml.safe_dump(tasks, sort_keys=False))
    extra = {"vsd_snapshot_guard_url": vsd.url, "vsd_snapshot_guard_cluster_uuid": BUILTIN_CLUSTER,
             "vsd_snapshot_guard_vms": VMS, "vsd_snapshot_guard_tasks": str(tasks_file),
             "vsd_snapshot_guard_run_id": "r1"}
    extra.update(variables)
    extra_file = tmp_path / "extra.yml"
    extra_file.write_text(yaml.safe_dump(extra))
    args = ["ansible-playbook", "-i", "localhost,", str(ROOT / "playbooks" / "vsd_snapshot_guard.yml"),
            "-e", f"@{extra_file}"]
    return run_cli(args + (["--check"] if check else []))


def snapshots(vsd, vm=BUILTIN_RUNNING_VM):
    return vsd.state()["snapshots"][vm]


def disk(vsd, vm=BUILTIN_RUNNING_VM):
    return vsd.state()["vms"][vm]["disks"][0]


def write_disk(vsd, content):
    """What the guarded tasks change on the VM's disk."""
    with vsd.app.lock:
        vsd.app.state.write_disk(BUILTIN_RUNNING_VM, disk(vsd)["volume_uuid"], content)


def marker_task(path):
    return [{"name": "do the work", "ansible.builtin.copy": {"content": "done\n", "dest": str(path)}}]


def test_tasks_that_succeed_keep_the_snapshot_and_a_second_run_changes_nothing(vsd, tmp_path):
    first = guard(vsd, tmp_path, marker_task(tmp_path / "work"))
    assert first.returncode == 0, first.stdout + first.stderr
    assert set(snapshots(vsd)) == {"guard-r1"} and set(snapshots(vsd, BUILTIN_STOPPED_VM)) == {"guard-r1"}
    assert (tmp_path / "work").read_text() == "done\n"
    before = len(writes(vsd.requests))
    second = guard(vsd, tmp_path, marker_task(tmp_path / "work"))
    assert second.returncode == 0 and "changed=0" in second.stdout, second.stdout
    assert len(writes(vsd.requests)) == before


def test_a_failed_task_rolls_every_vm_back_and_the_role_fails_saying_so(vsd, tmp_path):
    write_disk(vsd, "before the work")
    tasks = [{"name": "break the disk", "ansible.builtin.command": "true", "changed_when": True},
             {"name": "the check that fails", "ansible.builtin.fail": {"msg": "service did not come back"}}]
    take = guard(vsd, tmp_path, marker_task(tmp_path / "work"), vsd_snapshot_guard_run_id="r0")
    assert take.returncode == 0, take.stdout
    write_disk(vsd, "before the work")
    proc = guard(vsd, tmp_path, tasks)
    assert proc.returncode != 0
    assert "the guarded tasks failed at 'the check that fails': service did not come back" in proc.stdout, proc.stdout
    assert "rolled back to guard-r1: test-templ, db-01" in proc.stdout
    assert "start it from VSD): test-templ, db-01" in proc.stdout
    assert "could not be rolled back: none" in proc.stdout
    rollbacks = [r for r in writes(vsd.requests) if r["path"] == f"{SNAP}/rollback"]
    assert len(rollbacks) == 2
    assert vsd.state()["vms"][BUILTIN_RUNNING_VM]["head"] == "guard-r1"


def test_a_refused_snapshot_runs_no_task_and_deletes_the_snapshots_taken(vsd, tmp_path):
    proc = guard(vsd, tmp_path, marker_task(tmp_path / "work"), vsd_snapshot_guard_memory=True)
    assert proc.returncode != 0
    assert "the guarded tasks did not run: db-01 could not be snapshotted" in proc.stdout, proc.stdout
    assert not (tmp_path / "work").exists()
    assert snapshots(vsd) == {} and snapshots(vsd, BUILTIN_STOPPED_VM) == {}
    assert [r["path"] for r in writes(vsd.requests)] == [f"{SNAP}/create", f"{SNAP}/create", f"{SNAP}/delete"]


def test_an_unknown_vm_stops_the_run_before_any_write(vsd, tmp_path):
    proc = guard(vsd, tmp_path, marker_task(tmp_path / "work"), vsd_snapshot_guard_vms=VMS + [{"name": "nope"}])
    assert proc.returncode != 0 and "nope" in proc.stdout, proc.stdout
    assert writes(vsd.requests) == [] and not (tmp_path / "work").exists()


def test_check_mode_predicts_the_snapshots_and_reports_the_rollback_it_would_do(vsd, tmp_path):
    tasks = [{"name": "the check that fails", "ansible.builtin.fail": {"msg": "broken"}}]
    proc = guard(vsd, tmp_path, tasks, check=True)
    assert proc.returncode != 0
    assert "check mode: would roll back to guard-r1: test-templ, db-01" in proc.stdout, proc.stdout
    assert writes(vsd.requests) == []


def test_remove_on_success_deletes_this_runs_snapshots(vsd, tmp_path):
    proc = guard(vsd, tmp_path, marker_task(tmp_path / "work"), vsd_snapshot_guard_remove_on_success=True)
    assert proc.returncode == 0, proc.stdout
    assert snapshots(vsd) == {} and snapshots(vsd, BUILTIN_STOPPED_VM) == {}


def test_missing_variables_are_named_before_any_request(vsd, tmp_path):
    proc = guard(vsd, tmp_path, [], vsd_snapshot_guard_cluster_uuid=None)
    args = ["ansible-playbook", "-i", "localhost,", str(ROOT / "playbooks" / "vsd_snapshot_guard.yml"),
            "-e", "vsd_snapshot_guard_url=" + vsd.url]
    missing = run_cli(args)
    assert missing.returncode != 0
    assert "vsd_snapshot_guard_cluster_uuid" in missing.stdout and "vsd_snapshot_guard_vms" in missing.stdout
    assert proc.returncode != 0 and vsd.requests == []
