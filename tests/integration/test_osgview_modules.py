"""osgview_vm_group and osgview_vm_group_info through ansible-playbook, against the OSG view emulator."""

from __future__ import annotations

import json
import re

import pytest
import yaml

import emulators
from tests.support import run_playbook, writes

pytestmark = pytest.mark.slow

LINUX = "6f1d8c2a9b3e4f5a8c7d6e5f4a3b2c1d"  # built-in, image cached, one VM
WEBSEC = "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e"  # built-in, image not cached, two VMs
WINDOWS = "8b3fae4cbd5a4b7cae9f8a7b6c5d4e3f"  # built-in, image cached, one VM
QUOTA = "0e0e0e0e0e0e4e0e8e0e0e0e0e0e0e01"  # fixture: every clone fails in OpenStack
BROKEN = "0e0e0e0e0e0e4e0e8e0e0e0e0e0e0e02"  # fixture: its second VM ends in error
SLOW = "0e0e0e0e0e0e4e0e8e0e0e0e0e0e0e03"  # fixture: takes an hour to build
MEDIUM = "0e0e0e0e0e0e4e0e8e0e0e0e0e0e0e04"  # fixture: takes 8 s to build, longer than a task starts
MODULE = "converge.platforms.osgview_vm_group"
INFO = "converge.platforms.osgview_vm_group_info"

FIXTURES = {
    "templates": [
        {"gtuuid": QUOTA, "name": "quota", "vms": [{"name": "vm"}], "clone_error": "Quota exceeded for instances"},
        {"gtuuid": BROKEN, "name": "broken", "cached": True,
         "vms": [{"name": "ok", "sysname": "Debian 9"}, {"name": "bad", "error": "No valid host was found"}]},
        {"gtuuid": SLOW, "name": "slow", "cached": True, "build_seconds": 3600, "vms": [{"name": "vm"}]},
        {"gtuuid": MEDIUM, "name": "medium", "cached": True, "build_seconds": 8,
         "vms": [{"name": "desktop", "sysname": "Windows 10"}]},
    ],
}


@pytest.fixture
def osgview(tmp_path):
    """An OSG view emulator whose servers build in 0.3 s (0.6 s when the image is not cached)."""
    fixtures = tmp_path / "osgview.yml"
    fixtures.write_text(yaml.safe_dump(FIXTURES), encoding="utf-8")
    handle = emulators.start("osgview", port=0, fixtures_file=str(fixtures), build_seconds=0.3)
    yield handle
    handle.stop()


@pytest.fixture
def env(osgview):
    """Connection environment for the modules."""
    return {"OSGVIEW_URL": osgview.url}


def group_task(**options):
    return {MODULE: options}


def clones(handle):
    return [r for r in writes(handle.requests) if r["path"] == "/osgview/gclone"]


def test_clone_waits_for_every_vm_and_a_second_run_with_gnuuid_changes_nothing(osgview, env):
    run = run_playbook([
        group_task(gtuuid=WEBSEC, marker="websec-alice", method="rdp"),
        group_task(gtuuid=WEBSEC, marker="websec-alice", gnuuid="{{ result_0.vm_group.gnuuid }}",
                   server_ids="{{ result_0.vm_group.server_ids }}", method="rdp"),
    ], env=env)
    first, second = run.results
    assert first["changed"] is True and first["action"] == "create", first
    group = first["vm_group"]
    live = osgview.state()
    assert live["groups"][group["gnuuid"]]["marker"] == "websec-alice"
    assert live["groups"][group["gnuuid"]]["servers"] == group["server_ids"]
    assert all(live["servers"][sid]["status"] == "ACTIVE" for sid in group["server_ids"])
    assert group["ready"] is True and group["count"] == 2 and group["if_cache"] is False
    assert [vm["state"] for vm in group["vms"]] == ["active", "active"]
    assert [vm["vm_status"] for vm in group["vms"]] == ["ACTIVE", "ACTIVE"]
    first_server = live["servers"][group["server_ids"][0]]
    assert group["connection"] == {"method": "rdp", "sysname": "Kali Linux 2018.2", "ip": first_server["ip"],
                                   "port": "3389", "url": None}

    assert second["changed"] is False and second["action"] == "noop", second
    assert second["vm_group"]["gnuuid"] == group["gnuuid"]
    assert second["vm_group"]["connection"] == group["connection"]
    assert len(clones(osgview)) == 1
    assert len(live["groups"]) == 1


def test_record_file_makes_gtuuid_and_marker_the_identity(osgview, env, tmp_path):
    record = str(tmp_path / "state" / "groups.json")
    run = run_playbook([
        group_task(gtuuid=LINUX, marker="linux-bob", record_file=record),
        group_task(gtuuid=LINUX, marker="linux-bob", record_file=record, method="url"),
        group_task(gtuuid=LINUX, marker="linux-carol", record_file=record),
    ], env=env)
    first, second, third = run.results
    assert first["changed"] is True and second["changed"] is False and third["changed"] is True, run.results
    assert second["vm_group"]["gnuuid"] == first["vm_group"]["gnuuid"]
    assert second["vm_group"]["if_cache"] is True
    assert second["vm_group"]["connection"]["url"].startswith(osgview.url + "/osgview/console/")
    assert third["vm_group"]["gnuuid"] != first["vm_group"]["gnuuid"]
    assert len(clones(osgview)) == 2
    recorded = json.loads((tmp_path / "state" / "groups.json").read_text(encoding="utf-8"))["groups"]
    assert {(r["marker"], r["gnuuid"], r["url"]) for r in recorded} == {
        ("linux-bob", first["vm_group"]["gnuuid"], osgview.url),
        ("linux-carol", third["vm_group"]["gnuuid"], osgview.url)}


def test_a_recorded_group_that_osg_view_no_longer_knows_is_cloned_again(osgview, env, tmp_path):
    record = str(tmp_path / "groups.json")
    first = run_playbook([group_task(gtuuid=LINUX, marker="m", record_file=record)], env=env).results[0]
    osgview.app.reset()  # the platform forgot every group
    osgview.clear_requests()
    again = run_playbook([group_task(gtuuid=LINUX, marker="m", record_file=record)], env=env).results[0]
    assert again["changed"] is True and again["action"] == "create", again
    assert first["vm_group"]["gnuuid"] in again["note"]
    assert again["vm_group"]["gnuuid"] in osgview.state()["groups"]
    assert len(clones(osgview)) == 1


def test_check_mode_on_an_existing_group_only_reads(osgview, env):
    made = run_playbook([group_task(gtuuid=LINUX, marker="m")], env=env).results[0]
    osgview.clear_requests()
    run = run_playbook([group_task(gtuuid=LINUX, marker="m", gnuuid=made["vm_group"]["gnuuid"],
                                   server_ids=made["vm_group"]["server_ids"])], env=env, check=True, diff=True)
    result = run.results[0]
    assert result["changed"] is False and "diff" not in result, result
    assert result["vm_group"]["ready"] is True
    assert writes(osgview.requests) == []
    assert {r["path"] for r in osgview.requests} == {"/osgview/gperpare", "/osgview/gstart", "/osgview/gconnent"}


def test_diff_mode_shows_the_clone(osgview, env):
    result = run_playbook([group_task(gtuuid=WINDOWS, marker="diff")], env=env, diff=True).results[0]
    assert result["changed"] is True
    assert result["diff"] == {"before": {}, "after": {"gtuuid": WINDOWS, "marker": "diff"}}
    assert "Windows Server 2012 R2" == result["vm_group"]["connection"]["sysname"]


def test_without_wait_the_module_returns_the_building_group_and_a_later_run_waits(osgview, env):
    run = run_playbook([
        group_task(gtuuid=WEBSEC, marker="nowait", wait=False),
        group_task(gtuuid=WEBSEC, marker="nowait", gnuuid="{{ result_0.vm_group.gnuuid }}",
                   server_ids="{{ result_0.vm_group.server_ids }}"),
    ], env=env)
    started, waited = run.results
    assert started["changed"] is True and started["vm_group"]["ready"] is False, started
    assert [vm["state"] for vm in started["vm_group"]["vms"]] == ["building", "building"]
    assert started["vm_group"]["connection"] is None
    assert waited["changed"] is False and waited["vm_group"]["ready"] is True, waited
    assert waited["vm_group"]["connection"]["port"] == "5900"
    assert len(clones(osgview)) == 1


@pytest.mark.parametrize("options, option", [
    ({"gtuuid": LINUX, "marker": "m", "method": "ssh"}, "method"),
    ({"gtuuid": LINUX, "marker": "m", "wait_timeout": 0}, "wait_timeout"),
    ({"gtuuid": LINUX, "marker": "  "}, "marker"),
    ({"gtuuid": LINUX}, "marker"),
    ({"gtuuid": LINUX, "marker": "m", "server_ids": ["0d032181-0600-452d-a8e2-cf96a3b3f892"]}, "server_ids"),
    ({"gtuuid": LINUX, "marker": "m", "gnuuid": "e13c89d817134ea720df5044a992fb67"}, "server_ids"),
    ({"gtuuid": LINUX, "marker": "m", "gnuuid": "e13c89d817134ea720df5044a992fb67",
      "server_ids": ["0d032181-0600-452d-a8e2-cf96a3b3f892"]}, "gnuuid"),
    ({"gtuuid": LINUX, "marker": "m", "url": "ftp://127.0.0.1"}, "url"),
])
def test_bad_options_fail_naming_the_option_and_write_nothing(osgview, env, options, option):
    result = run_playbook([group_task(**options)], env=env).results[0]
    assert result["failed"] is True
    assert option in result["msg"], result["msg"]
    assert writes(osgview.requests) == []


def test_a_server_of_another_group_fails_naming_server_ids(osgview, env):
    run = run_playbook([
        group_task(gtuuid=LINUX, marker="a"),
        group_task(gtuuid=LINUX, marker="b"),
        group_task(gtuuid=LINUX, marker="a", gnuuid="{{ result_0.vm_group.gnuuid }}",
                   server_ids="{{ result_1.vm_group.server_ids }}"),
    ], env=env)
    result = run.results[2]
    assert result["failed"] is True
    assert result["msg"].startswith("server_ids: ") and "code 300" in result["msg"], result["msg"]
    assert len(clones(osgview)) == 2


def test_a_clone_that_openstack_refuses_fails_with_its_message(osgview, env):
    result = run_playbook([group_task(gtuuid=QUOTA, marker="m")], env=env).results[0]
    assert result["failed"] is True
    assert result["msg"] == "POST /osgview/gclone: HTTP 200: code 101: Quota exceeded for instances"
    assert result["code"] == 101
    assert osgview.state()["groups"] == {}


def test_a_vm_in_error_fails_the_wait_with_its_message(osgview, env):
    result = run_playbook([group_task(gtuuid=BROKEN, marker="m")], env=env).results[0]
    assert result["failed"] is True
    assert "code 101" in result["msg"] and "No valid host was found" in result["msg"], result["msg"]
    (gnuuid,) = osgview.state()["groups"]
    assert gnuuid in result["msg"]


def test_the_wait_times_out_naming_wait_timeout_and_the_group(osgview, env):
    result = run_playbook([group_task(gtuuid=SLOW, marker="m", wait_timeout=1)], env=env).results[0]
    assert result["failed"] is True
    (gnuuid,) = osgview.state()["groups"]
    assert result["msg"].startswith("wait_timeout: group " + gnuuid), result["msg"]


def test_action_group_sets_the_connection_once(osgview):
    run = run_playbook([group_task(gtuuid=LINUX, marker="defaults")],
                       module_defaults={"group/converge.platforms.osgview": {"url": osgview.url}})
    assert run.results[0]["changed"] is True, run.results
    assert len(osgview.state()["groups"]) == 1


# --- osgview_vm_group_info ----------------------------------------------------------------------------------
def test_info_reports_building_then_ready_vms_and_the_console(osgview, env):
    info = {INFO: {"gtuuid": MEDIUM, "gnuuid": "{{ result_0.vm_group.gnuuid }}",
                   "server_ids": "{{ result_0.vm_group.server_ids }}", "method": "rdp"}}
    wait = group_task(gtuuid=MEDIUM, marker="info", gnuuid="{{ result_0.vm_group.gnuuid }}",
                      server_ids="{{ result_0.vm_group.server_ids }}")
    run = run_playbook([group_task(gtuuid=MEDIUM, marker="info", wait=False), info, wait, info], env=env)
    _made, building, waited, ready = run.results
    assert building["changed"] is False and building["vm_group"]["ready"] is False, building
    assert building["vm_group"]["vms"][0]["state"] == "building"
    assert building["vm_group"]["vms"][0]["status"] == 102
    assert building["vm_group"]["connection"] is None
    assert waited["changed"] is False and waited["vm_group"]["ready"] is True, waited
    assert ready["changed"] is False and ready["vm_group"]["ready"] is True, ready
    assert ready["vm_group"]["vms"][0]["vm_status"] == "ACTIVE"
    assert ready["vm_group"]["connection"] == {"method": "rdp", "sysname": "Windows 10", "port": "3389",
                                               "ip": waited["vm_group"]["connection"]["ip"], "url": None}
    assert ready["vm_group"]["gtuuid"] == MEDIUM
    assert len(clones(osgview)) == 1


def test_info_in_check_mode_reads_and_reports_vms_in_error(osgview, env):
    made = run_playbook([group_task(gtuuid=BROKEN, marker="m", wait=False)], env=env).results[0]
    osgview.clear_requests()
    osgview.advance_clock(0.5)
    result = run_playbook([{INFO: {"gtuuid": BROKEN, "gnuuid": made["vm_group"]["gnuuid"],
                                   "server_ids": made["vm_group"]["server_ids"]}}], env=env, check=True).results[0]
    assert result["changed"] is False and result.get("failed") is not True, result
    assert [vm["state"] for vm in result["vm_group"]["vms"]] == ["active", "error"]
    assert "No valid host was found" in result["vm_group"]["vms"][1]["msg"]
    assert writes(osgview.requests) == []


@pytest.mark.parametrize("options, option", [
    ({"gtuuid": LINUX, "gnuuid": "e13c89d817134ea720df5044a992fb67"}, "server_ids"),
    ({"gtuuid": LINUX, "gnuuid": "e13c89d817134ea720df5044a992fb67", "server_ids": ["x"], "method": "ssh"},
     "method"),
    ({"gtuuid": LINUX, "gnuuid": " ", "server_ids": ["x"]}, "gnuuid"),
])
def test_info_bad_options_fail_naming_the_option(osgview, env, options, option):
    result = run_playbook([{INFO: options}], env=env).results[0]
    assert result["failed"] is True
    assert option in result["msg"], result["msg"]
    assert osgview.requests == []


# --- the role ----------------------------------------------------------------------------------------------------
def test_role_provisions_a_lab_and_prints_how_to_connect(osgview, tmp_path):
    tasks = [{"ansible.builtin.include_role": {"name": "converge.platforms.osgview_lab"},
              "vars": {"osgview_lab_url": osgview.url, "osgview_lab_gtuuid": WINDOWS,
                       "osgview_lab_marker": "role-run", "osgview_lab_method": "rdp",
                       "osgview_lab_record_file": str(tmp_path / "groups.json")}}]
    first = run_playbook(tasks)
    second = run_playbook(tasks)
    assert first.rc == 0 and second.rc == 0, first.output + second.output
    (gnuuid,) = osgview.state()["groups"]
    assert "Connect with an RDP client to 127.0.0." in first.stdout and ":3389" in first.stdout, first.stdout
    assert gnuuid in first.stdout
    clone_task = re.compile(r"TASK \[converge\.platforms\.osgview_lab : Clone [^\n]*\n(\w+): \[localhost\]")
    assert clone_task.search(first.stdout).group(1) == "changed"
    assert clone_task.search(second.stdout).group(1) == "ok", second.stdout
    assert len(clones(osgview)) == 1


def test_role_in_check_mode_before_its_first_run_says_what_it_would_clone(osgview, tmp_path):
    record = tmp_path / "groups.json"
    tasks = [{"ansible.builtin.include_role": {"name": "converge.platforms.osgview_lab"},
              "vars": {"osgview_lab_url": osgview.url, "osgview_lab_gtuuid": WINDOWS,
                       "osgview_lab_marker": "check-first", "osgview_lab_record_file": str(record)}}]
    checked = run_playbook(tasks, check=True, ignore_errors=False)
    assert checked.rc == 0, checked.output
    assert "NoneType" not in checked.output
    assert "Check mode: a lab group would be cloned from template %s for marker check-first" % WINDOWS \
        in checked.stdout, checked.stdout
    assert clones(osgview) == [] and osgview.state()["groups"] == {} and not record.exists()
    real = run_playbook(tasks, ignore_errors=False)
    again = run_playbook(tasks, check=True, ignore_errors=False)
    assert real.rc == 0 and again.rc == 0, real.output + again.output
    assert "Connect with a VNC viewer to 127.0.0." in again.stdout and len(clones(osgview)) == 1


def test_role_in_check_mode_on_a_recorded_group_still_building_says_so(osgview, env, tmp_path):
    record = str(tmp_path / "groups.json")
    cloned = run_playbook([group_task(gtuuid=SLOW, marker="slow-lab", record_file=record, wait=False)],
                          env=env).results[0]
    assert cloned["changed"] is True, cloned
    tasks = [{"ansible.builtin.include_role": {"name": "converge.platforms.osgview_lab"},
              "vars": {"osgview_lab_url": osgview.url, "osgview_lab_gtuuid": SLOW, "osgview_lab_marker": "slow-lab",
                       "osgview_lab_record_file": record}}]
    checked = run_playbook(tasks, check=True, ignore_errors=False)
    assert checked.rc == 0, checked.output
    assert "Lab group %s" % cloned["vm_group"]["gnuuid"] in checked.stdout
    assert "still building (check mode waits for nothing)" in checked.stdout, checked.stdout
    assert len(clones(osgview)) == 1
