"""The VSD modules through ansible-playbook against the emulator, and the VSD client's paging."""

from __future__ import annotations

import re

import pytest
import requests
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.vsd import VsdClient

import emulators
from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM, BUILTIN_STOPPED_VM, Scope
from tests.support import ROOT, emulator_fixture, run_cli, run_playbook, writes

pytestmark = pytest.mark.slow

SNAP = "/v1/compute/vsd/snapshot"
RUNNING = {"cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_RUNNING_VM}
STOPPED = {"cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_STOPPED_VM}


vsd = emulator_fixture("vsd", "A fresh VSD emulator whose memory snapshots take 1 s to save.", memory_save_seconds=1.0)


def play(vsd, tasks, **kwargs):
    """Run tasks with the connection taken from VSD_URL, as a user would set it."""
    return run_playbook(tasks, env={"VSD_URL": vsd.url}, **kwargs)


def snapshot_task(scope=RUNNING, **options):
    return {"converge.platforms.vsd_snapshot": dict(scope, **options)}


def snapshots(vsd, vm=BUILTIN_RUNNING_VM):
    return vsd.state()["snapshots"][vm]


def head(vsd, vm=BUILTIN_RUNNING_VM):
    return vsd.state()["vms"][vm]["head"]


def take(vsd, scope, name, description="", memory=False):
    """Create a snapshot straight through the API (set-up, not under test)."""
    body = dict(scope, name=name, description=description, domain_memory=memory)
    assert requests.post(f"{vsd.url}{SNAP}/create", json=body, timeout=10).json()["scode"] == 0


def rollback(vsd, scope, name):
    body = dict(scope, name=name)
    assert requests.post(f"{vsd.url}{SNAP}/rollback", json=body, timeout=10).json()["scode"] == 0


# --- vsd_snapshot: present ------------------------------------------------------------------------
def test_present_creates_once_then_reports_no_change(vsd):
    run = play(vsd, [snapshot_task(name="before-upgrade", description="upgrade"),
                     snapshot_task(name="before-upgrade", description="upgrade")])
    first, second = run.results
    assert first["changed"] is True and first["action"] == "create", run.output
    assert first["snapshot"]["name"] == "before-upgrade" and first["snapshot"]["uuid"]
    assert second["changed"] is False and second["action"] == "noop"
    record = snapshots(vsd)["before-upgrade"]
    assert record["description"] == "upgrade" and head(vsd) == "before-upgrade"
    assert len([r for r in writes(vsd.requests) if r["path"].endswith("/create")]) == 1


def test_diff_mode_shows_only_the_changed_description(vsd):
    take(vsd, RUNNING, "origin", description="old")
    vsd.clear_requests()
    run = play(vsd, [snapshot_task(name="origin", description="new")], diff=True)
    result = run.results[0]
    assert result["changed"] is True and result["action"] == "update", run.output
    assert result["diff"] == {"before": {"description": "old"}, "after": {"description": "new"}}
    assert snapshots(vsd)["origin"]["description"] == "new"
    assert [r["path"] for r in writes(vsd.requests)] == [f"{SNAP}/modify"]


def test_check_mode_on_a_description_change_writes_nothing(vsd):
    take(vsd, RUNNING, "origin", description="old")
    vsd.clear_requests()
    run = play(vsd, [snapshot_task(name="origin", description="new")], check=True, diff=True)
    assert run.results[0]["changed"] is True and run.results[0]["diff"]["after"] == {"description": "new"}
    assert writes(vsd.requests) == [] and snapshots(vsd)["origin"]["description"] == "old"


def test_memory_snapshot_waits_until_its_memory_is_saved(vsd):
    run = play(vsd, [snapshot_task(name="running", memory=True, wait=True, wait_timeout=30)])
    result = run.results[0]
    assert result["changed"] is True, run.output
    assert result["snapshot"]["memory"] is True and result["snapshot"]["memory_status"] == "ready"
    assert snapshots(vsd)["running"]["memory"] is True


def test_memory_snapshot_of_a_stopped_vm_fails_with_the_platform_message(vsd):
    run = play(vsd, [snapshot_task(STOPPED, name="mem", memory=True)])
    result = run.results[0]
    assert result.get("failed") is True
    assert "not running" in result["msg"] and "虚拟机未处于运行状态" in result["msg"] and "20007" in result["msg"]
    assert snapshots(vsd, BUILTIN_STOPPED_VM) == {}


def test_a_snapshot_cannot_gain_memory(vsd):
    take(vsd, RUNNING, "disk-only")
    vsd.clear_requests()
    result = play(vsd, [snapshot_task(name="disk-only", memory=True)]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("memory:")
    assert writes(vsd.requests) == []


def test_the_vm_can_be_named_by_its_name(vsd):
    scope = {"cluster_uuid": BUILTIN_CLUSTER, "compute_name": "db-01"}
    run = play(vsd, [snapshot_task(scope, name="by-name"), snapshot_task(scope, name="by-name")])
    assert [r["changed"] for r in run.results] == [True, False], run.output
    assert run.results[0]["snapshot"]["compute_uuid"] == BUILTIN_STOPPED_VM
    assert "by-name" in snapshots(vsd, BUILTIN_STOPPED_VM)


# --- vsd_snapshot: absent -------------------------------------------------------------------------
def test_absent_deletes_then_reports_no_change(vsd):
    take(vsd, RUNNING, "old")
    run = play(vsd, [snapshot_task(name="old", state="absent"), snapshot_task(name="old", state="absent")],
               diff=True)
    first, second = run.results
    assert first["changed"] is True and first["snapshot"] is None, run.output
    assert first["diff"]["after"] == {} and first["diff"]["before"]["name"] == "old"
    assert second["changed"] is False
    assert snapshots(vsd) == {} and head(vsd) is None


def test_check_mode_on_absent_writes_nothing(vsd):
    take(vsd, RUNNING, "old")
    vsd.clear_requests()
    result = play(vsd, [snapshot_task(name="old", state="absent")], check=True).results[0]
    assert result["changed"] is True and writes(vsd.requests) == []
    assert "old" in snapshots(vsd)


def two_children(vsd):
    """Snapshot base with two children, left and right (the VM runs from right)."""
    take(vsd, RUNNING, "base")
    take(vsd, RUNNING, "left")
    rollback(vsd, RUNNING, "base")
    take(vsd, RUNNING, "right")
    vsd.clear_requests()


def test_a_delete_the_platform_would_refuse_fails_before_it_is_sent(vsd):
    two_children(vsd)
    result = play(vsd, [snapshot_task(name="base", state="absent")]).results[0]
    assert result.get("failed") is True and result["changed"] is False
    assert result["msg"].startswith("name:") and "has 2 children ('left', 'right')" in result["msg"], result["msg"]
    assert "more than one child" in result["msg"]
    assert writes(vsd.requests) == [] and "base" in snapshots(vsd)


def test_check_mode_predicts_the_refused_delete_as_the_real_run_meets_it(vsd):
    two_children(vsd)
    checked, real = play(vsd, [snapshot_task(name="base", state="absent")], check=True).results + \
        play(vsd, [snapshot_task(name="base", state="absent")]).results
    assert checked.get("failed") is True and checked["msg"] == real["msg"], (checked, real)
    assert writes(vsd.requests) == [] and "base" in snapshots(vsd)


def test_the_head_counts_as_a_child_when_deleting(vsd):
    take(vsd, RUNNING, "base")
    take(vsd, RUNNING, "left")
    rollback(vsd, RUNNING, "base")
    result = play(vsd, [snapshot_task(name="base", state="absent")], check=True).results[0]
    assert result.get("failed") is True and "the VM's current state" in result["msg"], result
    one_child = play(vsd, [snapshot_task(name="left", state="absent")]).results[0]
    assert one_child["changed"] is True and "left" not in snapshots(vsd), one_child


# --- vsd_snapshot: current ------------------------------------------------------------------------
def test_current_rolls_back_once_and_is_idempotent(vsd):
    take(vsd, RUNNING, "origin")
    take(vsd, RUNNING, "later")
    vsd.clear_requests()
    run = play(vsd, [snapshot_task(name="origin", state="current"), snapshot_task(name="origin", state="current")],
               diff=True)
    first, second = run.results
    assert first["changed"] is True and first["action"] == "rollback", run.output
    assert first["diff"] == {"before": {"head": "later"}, "after": {"head": "origin"}}
    assert first["snapshot"]["head"] == "origin"
    assert second["changed"] is False
    assert head(vsd) == "origin"
    assert [r["path"] for r in writes(vsd.requests)] == [f"{SNAP}/rollback"]


def test_check_mode_on_current_reports_the_rollback_and_writes_nothing(vsd):
    take(vsd, RUNNING, "origin")
    take(vsd, RUNNING, "later")
    vsd.clear_requests()
    result = play(vsd, [snapshot_task(name="origin", state="current")], check=True).results[0]
    assert result["changed"] is True and result["snapshot"]["head"] == "origin"
    assert writes(vsd.requests) == [] and head(vsd) == "later"


def test_current_restores_memory_so_the_vm_comes_back_running(vsd):
    run = play(vsd, [snapshot_task(name="warm", memory=True, wait=True),
                     snapshot_task(name="cold"),
                     snapshot_task(name="warm", state="current")])
    assert [r["changed"] for r in run.results] == [True, True, True], run.output
    assert head(vsd) == "warm" and vsd.state()["vms"][BUILTIN_RUNNING_VM]["power_state"] == "running"


def test_force_rolls_back_even_from_the_head(vsd):
    take(vsd, RUNNING, "origin")
    volume = vsd.state()["vms"][BUILTIN_RUNNING_VM]["disks"][0]["volume_uuid"]
    with vsd.app.lock:
        vsd.app.state.write_disk(BUILTIN_RUNNING_VM, volume, "maintenance broke it")
    run = play(vsd, [snapshot_task(name="origin", state="current"),
                     snapshot_task(name="origin", state="current", force=True)])
    plain, forced = run.results
    assert plain["changed"] is False and forced["changed"] is True, run.output
    assert "force" in forced["note"]
    assert vsd.state()["vms"][BUILTIN_RUNNING_VM]["disks"][0]["content"] == "initial"


def test_check_mode_predicts_a_rollback_to_a_snapshot_an_earlier_task_would_create(vsd):
    run = play(vsd, [snapshot_task(name="pre"), snapshot_task(name="pre", state="current", force=True)], check=True)
    created, rolled = run.results
    assert created["changed"] is True and created["action"] == "create", run.output
    assert rolled.get("failed") is not True, rolled
    assert rolled["changed"] is True and rolled["action"] == "rollback" and rolled["snapshot"]["head"] == "pre"
    assert "no snapshot named 'pre' yet" in rolled["note"] and "check mode" in rolled["note"]
    assert writes(vsd.requests) == [] and snapshots(vsd) == {}


def test_memory_rollback_to_a_disk_only_snapshot_is_refused_before_any_write(vsd):
    take(vsd, RUNNING, "disk-only")
    take(vsd, RUNNING, "later")
    vsd.clear_requests()
    task = snapshot_task(name="disk-only", state="current", memory=True)
    checked, real = play(vsd, [task], check=True).results + play(vsd, [task]).results
    for result in (checked, real):
        assert result.get("failed") is True and result["msg"].startswith("memory:"), result
        assert "holds no memory" in result["msg"]
    assert writes(vsd.requests) == [] and head(vsd) == "later"
    assert vsd.state()["vms"][BUILTIN_RUNNING_VM]["power_state"] == "running"


def test_current_on_a_missing_snapshot_fails_naming_the_option(vsd):
    result = play(vsd, [snapshot_task(name="missing", state="current")]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("name:")
    assert writes(vsd.requests) == []


# --- bad options ------------------------------------------------------------------------------
@pytest.mark.parametrize(("options", "option"), [
    ({"cluster_uuid": BUILTIN_CLUSTER, "name": "s"}, "compute_uuid"),
    (dict(RUNNING, name="head"), "name"),
    (dict(RUNNING, name="s", force=True), "force"),
    (dict(RUNNING, name="s", wait_timeout=-1), "wait_timeout"),
    (dict(RUNNING, name="s", state="rolled"), "state"),
])
def test_bad_options_fail_naming_the_option_and_write_nothing(vsd, options, option):
    result = play(vsd, [{"converge.platforms.vsd_snapshot": options}]).results[0]
    assert result.get("failed") is True and option in result["msg"]
    assert writes(vsd.requests) == []


def test_a_bad_url_fails_naming_the_option(vsd):
    task = snapshot_task(name="s", url="ftp://127.0.0.1:1")
    result = run_playbook([task]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("url:")


def test_an_unknown_cluster_fails_with_both_messages(vsd):
    scope = dict(RUNNING, cluster_uuid="00000000-0000-4000-8000-000000000000")
    result = play(vsd, [snapshot_task(scope, name="s")]).results[0]
    assert result.get("failed") is True and "cluster not found" in result["msg"] and "集群不存在" in result["msg"]


# --- vsd_volume_snapshot_rollback ---------------------------------------------------------------
def rollback_task(scope=STOPPED, **options):
    return {"converge.platforms.vsd_volume_snapshot_rollback": dict(scope, **options)}


def test_volume_rollback_reports_each_volume(vsd):
    take(vsd, STOPPED, "origin")
    volume = vsd.state()["vms"][BUILTIN_STOPPED_VM]["disks"][0]["volume_uuid"]
    with vsd.app.lock:
        vsd.app.state.write_disk(BUILTIN_STOPPED_VM, volume, "changed")
    vsd.clear_requests()
    result = play(vsd, [rollback_task(snapshot="origin")], diff=True).results[0]
    assert result["changed"] is True, result
    assert (result["rollback"]["success"], result["rollback"]["fail"]) == (1, 0)
    assert result["rollback"]["volumes"][0]["volume_uuid"] == volume and result["rollback"]["volumes"][0]["success"]
    assert result["diff"]["after"]["disk_snapshots"][0]["volume_uuid"] == volume
    assert vsd.state()["vms"][BUILTIN_STOPPED_VM]["disks"][0]["content"] == "initial"
    assert head(vsd, BUILTIN_STOPPED_VM) == "origin"
    assert [r["path"] for r in writes(vsd.requests)] == ["/v1/compute/volume/snapshot/rollback"]


def test_volume_rollback_partial_failure_fails_the_task_and_lists_what_failed(vsd):
    take(vsd, STOPPED, "origin")
    disk = vsd.state()["snapshots"][BUILTIN_STOPPED_VM]["origin"]["disks"][0]
    good = {"volume_uuid": disk["VolumeUuid"], "snapshot_uuid": disk["SnapshotUuid"], "disk_drive": "vda"}
    bad = {"volume_uuid": "0e0e0e0e-1111-4222-8333-444455556666", "snapshot_uuid": disk["SnapshotUuid"],
           "disk_drive": "vdz"}
    result = play(vsd, [rollback_task(disk_snapshots=[good, bad])]).results[0]
    assert result.get("failed") is True
    assert "failed for 1 of 2 volumes" in result["msg"]
    assert "0e0e0e0e-1111-4222-8333-444455556666 (vdz)" in result["msg"]
    assert "Rolled back: %s (vda)" % disk["VolumeUuid"] in result["msg"]


def test_volume_rollback_of_a_running_vm_fails_with_the_platform_message(vsd):
    take(vsd, RUNNING, "origin")
    result = play(vsd, [rollback_task(RUNNING, snapshot="origin", volumes=["sdb"])]).results[0]
    assert result.get("failed") is True and "not shut down" in result["msg"] and "虚拟机未处于关机状态" in result["msg"]


def test_volume_rollback_check_mode_writes_nothing(vsd):
    take(vsd, STOPPED, "origin")
    vsd.clear_requests()
    result = play(vsd, [rollback_task(snapshot="origin")], check=True).results[0]
    assert result["changed"] is True and result["rollback"]["volumes"][0]["disk_drive"] == "vda"
    assert writes(vsd.requests) == []


@pytest.mark.parametrize(("options", "option"), [
    ({}, "snapshot"),
    ({"snapshot": "origin", "disk_snapshots": [{"volume_uuid": "v", "snapshot_uuid": "s"}]}, "snapshot"),
    ({"disk_snapshots": [{"volume_uuid": "v"}]}, "disk_snapshots[0].snapshot_uuid"),
    ({"disk_snapshots": [{"volume_uuid": "v", "snapshot_uuid": "s", "size": 1}]}, "disk_snapshots[0].size"),
    ({"snapshot": "origin", "volumes": ["sdq"]}, "volumes"),
    ({"snapshot": "missing"}, "snapshot"),
])
def test_volume_rollback_bad_options_fail_naming_the_option(vsd, options, option):
    take(vsd, STOPPED, "origin")
    vsd.clear_requests()
    result = play(vsd, [rollback_task(**options)]).results[0]
    assert result.get("failed") is True and result["msg"].startswith(option + ":"), result
    assert writes(vsd.requests) == []


# --- vsd_snapshot_info --------------------------------------------------------------------------
def test_info_reads_the_list_one_snapshot_the_tree_and_the_head(vsd):
    for name in ("nightly-1", "weekly-1", "nightly-2"):
        take(vsd, RUNNING, name)
    rollback(vsd, RUNNING, "weekly-1")
    vsd.clear_requests()
    info = {"converge.platforms.vsd_snapshot_info": dict(RUNNING, name="weekly-1")}
    filtered = {"converge.platforms.vsd_snapshot_info": dict(RUNNING, filter_name="nightly", name="absent",
                                                             gather_subset=["snapshots"])}
    run = play(vsd, [info, filtered], check=True)
    full, only = run.results
    assert full["changed"] is False, run.output
    assert [s["name"] for s in full["snapshots"]] == ["nightly-1", "weekly-1", "nightly-2"]
    assert full["snapshot"]["name"] == "weekly-1" and full["head"]["name"] == "weekly-1"
    assert full["tree"]["head"] == "weekly-1" and full["tree"]["parents"]["nightly-2"] == "weekly-1"
    assert full["tree"]["children"]["weekly-1"] == ["nightly-2", "head"]
    assert [s["name"] for s in only["snapshots"]] == ["nightly-1", "nightly-2"]
    assert only["snapshot"] is None and "tree" not in only
    assert writes(vsd.requests) == []


def test_info_on_a_vm_without_snapshots(vsd):
    result = play(vsd, [{"converge.platforms.vsd_snapshot_info": STOPPED}]).results[0]
    assert result["snapshots"] == [] and result["head"] is None and result["tree"]["head"] is None, result


def test_info_without_a_vm_fails_naming_the_option(vsd):
    result = play(vsd, [{"converge.platforms.vsd_snapshot_info": {"cluster_uuid": BUILTIN_CLUSTER}}]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("compute_uuid:")


# --- paging -------------------------------------------------------------------------------------
def fill(vsd, count):
    """Give the running VM `count` snapshots straight in the model (set-up for paging)."""
    scope = Scope(cluster_uuid=BUILTIN_CLUSTER, compute_uuid=BUILTIN_RUNNING_VM)
    with vsd.app.lock:
        for index in range(count):
            vsd.app.state.create_snapshot(scope, "snap-%04d" % index, "", False)


def list_requests(vsd):
    return [r for r in vsd.requests if r["path"] == f"{SNAP}/list"]


def test_the_client_reads_2000_snapshots_in_a_handful_of_pages(vsd):
    fill(vsd, 2000)
    client = VsdClient(vsd.url)
    items = client.list_snapshots(RUNNING)
    assert len(items) == 2000 and len({i["uuid"] for i in items}) == 2000
    assert [i["name"] for i in items[:2]] == ["snap-0000", "snap-0001"]
    pages = list_requests(vsd)
    assert len(pages) == 4 and len(vsd.requests) == 4
    assert [p["query"]["page_number"] for p in pages] == [["1"], ["2"], ["3"], ["4"]]


def test_the_info_module_reads_2000_snapshots_in_a_handful_of_pages(vsd):
    fill(vsd, 2000)
    task = {"converge.platforms.vsd_snapshot_info": dict(RUNNING, gather_subset=["snapshots"])}
    result = play(vsd, [task]).results[0]
    assert len(result["snapshots"]) == 2000, result.get("msg")
    assert 1 < len(list_requests(vsd)) <= 5 and len(vsd.requests) <= 5


def test_the_snapshot_module_finds_one_of_2000_with_one_request(vsd):
    fill(vsd, 2000)
    result = play(vsd, [snapshot_task(name="snap-1999")]).results[0]
    assert result["changed"] is False
    assert len(vsd.requests) == 1 and list_requests(vsd)[0]["query"]["filter_name"] == ["snap-1999"]


def test_the_client_also_reads_page_zero_when_pages_fall_short(vsd):
    """A server counting pages from 0 would answer page 1 with the second page: page 0 fills the gap."""
    fill(vsd, 5)
    client = VsdClient(vsd.url, page_size=2)
    original = client.list_page

    def zero_based(scope, filter_name="", page_number=1, page_size=None):
        return original(scope, filter_name, page_number + 1, page_size)

    client.list_page = zero_based
    names = sorted(i["name"] for i in client.list_snapshots(RUNNING))
    assert names == ["snap-%04d" % i for i in range(5)]


# --- the playbook and the example -------------------------------------------------------------------
BOTH_VMS = [{"uuid": BUILTIN_RUNNING_VM, "name": "test-templ"}, {"uuid": BUILTIN_STOPPED_VM, "name": "db-01"}]
PLAYBOOK = ROOT / "playbooks" / "vsd_snapshot_before_maintenance.yml"


def maintenance(vsd, tmp_path, unhealthy="none", check=False, **variables):
    """Run the maintenance playbook through ansible-playbook; `unhealthy` names the VM whose check fails."""
    extra = {"vsd_url": vsd.url, "vsd_cluster_uuid": BUILTIN_CLUSTER, "vsd_vms": BOTH_VMS,
             "vsd_health_check_command": "test {{ vm.name }} != %s" % unhealthy}
    extra.update(variables)
    extra_file = tmp_path / "extra.yml"
    extra_file.write_text(yaml.safe_dump(extra))
    args = ["ansible-playbook", "-i", "localhost,", str(PLAYBOOK), "-e", f"@{extra_file}"]
    return run_cli(args + (["--check"] if check else []))


def disk(vsd, vm=BUILTIN_RUNNING_VM):
    return vsd.state()["vms"][vm]["disks"][0]


def test_snapshot_before_maintenance_rolls_back_the_vms_that_fail_their_health_check(vsd, tmp_path):
    proc = maintenance(vsd, tmp_path, unhealthy="db-01", vsd_run_id="w1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pre-maintenance-w1" in snapshots(vsd) and "pre-maintenance-w1" in snapshots(vsd, BUILTIN_STOPPED_VM)
    rollbacks = [r for r in writes(vsd.requests) if r["path"] == f"{SNAP}/rollback"]
    assert len(rollbacks) == 1
    assert "healthy: test-templ" in proc.stdout and "rolled back to pre-maintenance-w1: db-01" in proc.stdout


def test_each_window_rolls_back_to_its_own_snapshot_and_reports_the_vm_left_shut_down(vsd, tmp_path):
    first = maintenance(vsd, tmp_path, vsd_run_id="w1")
    assert first.returncode == 0, first.stdout + first.stderr
    with vsd.app.lock:  # what the VM's guest wrote between the two windows
        vsd.app.state.write_disk(BUILTIN_RUNNING_VM, disk(vsd)["volume_uuid"], "work since the first window")
    second = maintenance(vsd, tmp_path, unhealthy="test-templ", vsd_run_id="w2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert {"pre-maintenance-w1", "pre-maintenance-w2"} <= set(snapshots(vsd))
    assert head(vsd) == "pre-maintenance-w2" and disk(vsd)["content"] == "work since the first window"
    assert vsd.state()["vms"][BUILTIN_RUNNING_VM]["power_state"] == "stopped"
    assert "rolled back to pre-maintenance-w2: test-templ" in second.stdout
    assert "start it from VSD): test-templ" in second.stdout, second.stdout


def test_snapshots_of_earlier_windows_beyond_the_retention_are_deleted(vsd, tmp_path):
    for run_id in ("w1", "w2", "w3"):
        proc = maintenance(vsd, tmp_path, vsd_run_id=run_id, vsd_snapshot_keep=2)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    for vm in (BUILTIN_RUNNING_VM, BUILTIN_STOPPED_VM):
        assert set(snapshots(vsd, vm)) == {"pre-maintenance-w2", "pre-maintenance-w3"}
    assert "old snapshots deleted (keeping 2 per VM): pre-maintenance-w1, pre-maintenance-w1" in proc.stdout


def test_the_default_run_id_names_each_run_after_its_start_time(vsd, tmp_path):
    proc = maintenance(vsd, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (name,) = snapshots(vsd)
    assert re.fullmatch(r"pre-maintenance-\d{8}T\d{6}Z", name), name
    assert set(snapshots(vsd, BUILTIN_STOPPED_VM)) == {name}


def test_check_mode_reports_the_vms_as_not_checked_and_changes_nothing(vsd, tmp_path):
    proc = maintenance(vsd, tmp_path, unhealthy="db-01", check=True, vsd_run_id="w1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "healthy: none" in proc.stdout, proc.stdout
    assert "not checked (check mode runs no health check): test-templ, db-01" in proc.stdout
    assert "rolled back to pre-maintenance-w1: none" in proc.stdout
    assert writes(vsd.requests) == [] and snapshots(vsd) == {}


def test_a_vm_that_cannot_be_snapshotted_stops_the_run_before_the_maintenance(vsd, tmp_path):
    marker = tmp_path / "maintenance-ran"
    tasks = tmp_path / "maintenance.yml"
    tasks.write_text(yaml.safe_dump([{"name": "maintain", "ansible.builtin.file": {"path": str(marker),
                                                                                   "state": "touch"}}]))
    proc = maintenance(vsd, tmp_path, vsd_run_id="w1", vsd_snapshot_memory=True, vsd_maintenance_tasks=str(tasks))
    assert proc.returncode != 0
    assert "the maintenance did not run: db-01 could not be snapshotted" in proc.stdout, proc.stdout
    assert snapshots(vsd) == {} and snapshots(vsd, BUILTIN_STOPPED_VM) == {}
    assert not marker.exists()
    assert [r["path"] for r in writes(vsd.requests)] == [f"{SNAP}/create", f"{SNAP}/create", f"{SNAP}/delete"]


def test_the_fixed_snapshot_name_of_earlier_versions_is_refused_before_any_request(vsd, tmp_path):
    proc = maintenance(vsd, tmp_path, vsd_snapshot_name="pre-maintenance")
    assert proc.returncode != 0 and "vsd_snapshot_name is no longer used" in proc.stdout, proc.stdout
    assert vsd.requests == []


def test_a_stopped_vm_can_be_snapshotted_without_memory_while_the_others_keep_theirs(vsd, tmp_path):
    vms = [BOTH_VMS[0], dict(BOTH_VMS[1], memory=False)]
    proc = maintenance(vsd, tmp_path, vsd_run_id="w1", vsd_snapshot_memory=True, vsd_vms=vms)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshots(vsd)["pre-maintenance-w1"]["memory"] is True
    assert snapshots(vsd, BUILTIN_STOPPED_VM)["pre-maintenance-w1"]["memory"] is False


def test_the_example_desired_state_file_fits_the_spec():
    from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd import SnapshotSpec

    document = yaml.safe_load((ROOT / "examples" / "vsd-snapshots.yml").read_text(encoding="utf-8"))
    assert document["version"] == 1 and "vsd" in document["endpoints"]
    spec = SnapshotSpec()
    for entry in document["resources"]["vsd_snapshot"]:
        assert set(entry) <= set(spec.argument_spec())
        spec.validate(spec.normalize(entry))


def test_wait_polls_until_a_slow_memory_save_finishes():
    # two emulated seconds of saving pass in a fifth of a real second
    with emulators.start("vsd", port=0, memory_save_seconds=2.0, time_scale=10) as vsd:
        result = play(vsd, [snapshot_task(name="slow", memory=True, wait=True, wait_timeout=60)]).results[0]
        assert result["changed"] is True and result["snapshot"]["memory_status"] == "ready", result
        assert snapshots(vsd)["slow"]["memory_ready_at"] <= vsd.now()
        paths = [r["path"] for r in vsd.requests]
        polls = [path for path in paths[paths.index(f"{SNAP}/create") + 1:] if path == f"{SNAP}/list"]
        assert 1 <= len(polls) < 30
