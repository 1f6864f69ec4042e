"""The ZStack modules through ansible-playbook against the emulator as a real HTTP server."""

from __future__ import annotations

import base64
import json

import pytest

import emulators
from tests.support import emulator_fixture, run_playbook, writes

pytestmark = pytest.mark.slow

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
VM2 = "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81"
HOST = "c3f8b2dde43b4d5eaa9c4dbe6f7a8b92"
NODE = "8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b"
GC_JOB = "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8"
NOTIFICATION = "0f1e2d3c4b5a49688796a5b4c3d2e1f0"


def tags_on(handle, kind: str) -> list[tuple[str, str, str]]:
    """(resourceUuid, resourceType, tag) of every tag of a kind on the emulator."""
    return sorted((t["resourceUuid"], t["resourceType"], t["tag"]) for t in handle.state()["tags"].values()
                  if t["kind"] == kind)


def task(module: str, **options) -> dict:
    return {f"converge.platforms.{module}": options}


def system_tag(tag: str, **extra) -> dict:
    return task("zstack_system_tag", resource_uuid=VM, resource_type="VmInstanceVO", tag=tag, **extra)


def test_system_tag_create_is_idempotent_and_check_mode_writes_nothing(zstack, zstack_env):
    checked = run_playbook([system_tag("ha::NeverStop")], check=True, diff=True, env=zstack_env)
    assert checked.results[0]["changed"] is True
    assert checked.results[0]["diff"]["after"] == {"resource_type": "VmInstanceVO", "resource_uuid": VM,
                                                   "tag": "ha::NeverStop"}
    assert writes(zstack.requests) == []
    assert tags_on(zstack, "System") == []

    run = run_playbook([system_tag("ha::NeverStop"), system_tag("ha::NeverStop")], env=zstack_env)
    first, second = run.results
    assert first["changed"] is True and first["action"] == "create"
    assert first["tag"]["uuid"] and first["tag"]["tag"] == "ha::NeverStop"
    assert second["changed"] is False and second["action"] == "noop"
    assert tags_on(zstack, "System") == [(VM, "VmInstanceVO", "ha::NeverStop")]


def test_system_tag_replaces_updates_in_place_with_a_diff_of_the_tag_only(zstack, zstack_env):
    run_playbook([system_tag("reservedMemory::1G")], env=zstack_env)
    uuid_before = next(iter(zstack.state()["tags"]))
    zstack.clear_requests()

    run = run_playbook([system_tag("reservedMemory::2G", replaces="reservedMemory::1G"),
                        system_tag("reservedMemory::2G", replaces="reservedMemory::1G")], diff=True, env=zstack_env)
    first, second = run.results
    assert first["action"] == "update"
    assert first["diff"] == {"before": {"tag": "reservedMemory::1G"}, "after": {"tag": "reservedMemory::2G"}}
    assert second["changed"] is False
    state = zstack.state()["tags"]
    assert list(state) == [uuid_before] and state[uuid_before]["tag"] == "reservedMemory::2G"
    assert [r["path"] for r in writes(zstack.requests)] == [f"/zstack/v1/system-tags/{uuid_before}/actions"]


def test_system_tag_absent_deletes_then_changes_nothing(zstack, zstack_env):
    run = run_playbook([system_tag("ha::NeverStop"), system_tag("ha::NeverStop", state="absent"),
                        system_tag("ha::NeverStop", state="absent")], env=zstack_env)
    assert [r["changed"] for r in run.results] == [True, True, False]
    assert run.results[1]["tag"] is None
    assert tags_on(zstack, "System") == []


def test_user_tag_replace_deletes_and_creates(zstack, zstack_env):
    def user_tag(tag, **extra):
        return task("zstack_user_tag", resource_uuid=VM2, resource_type="VmInstanceVO", tag=tag, **extra)

    run = run_playbook([user_tag("tier::web"), user_tag("tier::web"), user_tag("tier::api", replaces="tier::web"),
                        user_tag("tier::api", replaces="tier::web")], env=zstack_env)
    assert [r["changed"] for r in run.results] == [True, False, True, False]
    assert run.results[2]["action"] == "replace"
    assert tags_on(zstack, "User") == [(VM2, "VmInstanceVO", "tier::api")]


def test_license_update_is_idempotent_and_never_shown(zstack, zstack_env):
    license_b64 = base64.b64encode(json.dumps({"licenseType": "Paid", "user": "acme", "hostNum": 64}).encode()).decode()
    lic = task("zstack_license", license=license_b64)
    checked = run_playbook([lic], check=True, env=zstack_env)
    assert checked.results[0]["changed"] is True
    assert writes(zstack.requests) == []

    run = run_playbook([lic, lic, task("zstack_license", state="reloaded")], diff=True, verbosity=3, env=zstack_env)
    first, second, reload = run.results
    assert first["changed"] is True and first["license"]["user"] == "acme"
    assert first["license"]["license_type"] == "Paid" and first["license"]["host_num"] == 64
    assert second["changed"] is False
    assert reload["changed"] is True and reload["action"] == "reload"
    info = zstack.state()["license"]["info"]
    assert info["user"] == "acme" and info["hostNum"] == 64
    assert license_b64 not in run.output


def test_license_file_is_base64_encoded(zstack, zstack_env, tmp_path):
    lic_file = tmp_path / "zstack.lic"
    lic_file.write_text(json.dumps({"user": "from-file"}))
    run = run_playbook([task("zstack_license", license_file=str(lic_file))], env=zstack_env)
    assert run.results[0]["changed"] is True
    assert zstack.state()["license"]["info"]["user"] == "from-file"


def test_gc_job_trigger_then_absent(zstack, zstack_env):
    gc = task("zstack_gc_job", uuid=GC_JOB, state="triggered")
    checked = run_playbook([gc], check=True, diff=True, env=zstack_env)
    assert checked.results[0]["changed"] is True
    assert checked.results[0]["diff"] == {"before": {"status": "Idle"}, "after": {"status": "Done"}}
    assert zstack.state()["gc_jobs"][GC_JOB]["status"] == "Idle"

    run = run_playbook([gc, gc, task("zstack_gc_job", uuid=GC_JOB, state="absent"),
                        task("zstack_gc_job", uuid=GC_JOB, state="absent")], env=zstack_env)
    assert [r["changed"] for r in run.results] == [True, False, True, False]
    assert run.results[0]["gc_job"]["status"] == "Done"
    assert GC_JOB not in zstack.state()["gc_jobs"]


quick_zstack = emulator_fixture("zstack", "A ZStack emulator whose long jobs take 0.5 s.", long_job_seconds=0.5)


def test_long_job_submit_waits_and_is_idempotent(quick_zstack):
    env = {"ZSTACK_URL": quick_zstack.url, "ZSTACK_PASSWORD": "password"}
    job = task("zstack_long_job", name="migrate-db", job_name="APIPrimaryStorageMigrateVolumeMsg",
               job_data={"volumeUuid": VM}, wait_timeout=30)
    run = run_playbook([job, job], env=env)
    first, second = run.results
    assert first["changed"] is True and first["long_job"]["state"] == "Succeeded"
    assert second["changed"] is False
    jobs = list(quick_zstack.state()["long_jobs"].values())
    assert len(jobs) == 1 and json.loads(jobs[0]["jobData"]) == {"volumeUuid": VM}


slow_zstack = emulator_fixture("zstack", "A ZStack emulator whose long jobs take 600 s.", long_job_seconds=600)


def test_long_job_cancel_and_delete_running(slow_zstack):
    env = {"ZSTACK_URL": slow_zstack.url, "ZSTACK_PASSWORD": "password"}
    submit = task("zstack_long_job", name="slow", job_name="APISlowMsg", job_data="{}", wait=False)
    run = run_playbook([submit, task("zstack_long_job", name="slow", state="cancelled"),
                        task("zstack_long_job", name="slow", state="cancelled"),
                        task("zstack_long_job", name="slow", state="absent")], env=env)
    assert [r["changed"] for r in run.results] == [True, True, False, True]
    assert run.results[1]["long_job"]["state"] == "Canceled"
    assert slow_zstack.state()["long_jobs"] == {}


def test_check_mode_predicts_cancelling_a_job_submitted_earlier_in_the_play(slow_zstack):
    env = {"ZSTACK_URL": slow_zstack.url, "ZSTACK_PASSWORD": "password"}
    submit = task("zstack_long_job", name="slow", job_name="APISlowMsg", job_data="{}", wait=False)
    cancel = task("zstack_long_job", name="slow", state="cancelled")
    run = run_playbook([submit, cancel], check=True, diff=True, env=env)
    submitted, cancelled = run.results
    assert submitted["changed"] is True and submitted["long_job"]["state"] == "Running"
    assert cancelled.get("failed") is not True, cancelled
    assert cancelled["changed"] is True and cancelled["action"] == "cancel"
    assert cancelled["long_job"]["state"] == "Canceled"
    assert cancelled["diff"] == {"before": {"state": "Running"}, "after": {"state": "Canceled"}}
    assert "check mode assumes an earlier task would have submitted it" in cancelled["note"]
    assert writes(slow_zstack.requests) == [] and slow_zstack.state()["long_jobs"] == {}
    # a real run without the submit still fails, naming the option
    real = run_playbook([cancel], env=env)
    assert real.results[0]["failed"] is True and real.results[0]["msg"] == "name: no long job named 'slow'"


def test_notification_status_and_delete(zstack, zstack_env):
    read = task("zstack_notification", uuid=NOTIFICATION, status="Read")
    run = run_playbook([read, read], diff=True, env=zstack_env)
    assert [r["changed"] for r in run.results] == [True, False]
    assert run.results[0]["diff"] == {"before": {"status": "Unread"}, "after": {"status": "Read"}}
    assert zstack.state()["notifications"][NOTIFICATION]["status"] == "Read"
    gone = run_playbook([task("zstack_notification", uuid=NOTIFICATION, state="absent")], env=zstack_env)
    assert gone.results[0]["changed"] is True
    assert NOTIFICATION not in zstack.state()["notifications"]


def test_info_reads_every_subset_without_writing(zstack, zstack_env):
    run = run_playbook([task("zstack_info"), task("zstack_info", gather_subset=["notifications"],
                                                  conditions={"notifications": ["type=Warning"]})], env=zstack_env)
    everything, warnings = run.results
    assert everything["changed"] is False
    assert everything["version"] == "2.3.1"
    assert [n["uuid"] for n in everything["management_nodes"]] == [NODE]
    assert everything["ready"] == {"management_node_id": NODE}
    assert everything["capacity"]["total_cpu"] > 0
    assert everything["license_capabilities"]["vmware"] == "true"
    assert everything["license_capabilities"]["add_host"] == "true"
    assert set(everything["current_time"]) == {"million_seconds", "seconds"}
    assert everything["license"]["license_request"] == zstack.state()["license"]["info"]["licenseRequest"]
    assert {g["uuid"] for g in everything["gc_jobs"]} >= {GC_JOB}
    assert warnings["notifications"] and all(n["type"] == "Warning" for n in warnings["notifications"])
    assert set(warnings) >= {"notifications"} and "version" not in warnings
    # GetVersion and GetCurrentTime are read-only actions sent with PUT
    assert [r for r in writes(zstack.requests) if r["path"] != "/zstack/v1/management-nodes/actions"] == []


def test_info_filters_tags_by_resource_while_gathering_long_jobs(zstack, zstack_env):
    run = run_playbook([
        system_tag("ha::NeverStop"),
        task("zstack_info", gather_subset=["system_tags", "long_jobs", "license"],
             conditions={"system_tags": [f"resourceUuid={VM}"], "long_jobs": ["__userTag__=owner::ops"]}),
        task("zstack_info", gather_subset=["system_tags"], conditions={"long_jobs": ["state=Running"]}),
        task("zstack_info", gather_subset=["system_tags"], conditions=[f"resourceUuid={VM}"]),
    ], env=zstack_env)
    _tag, info, not_gathered, as_list = run.results
    assert info["changed"] is False, info
    assert [t["tag"] for t in info["system_tags"]] == ["ha::NeverStop"] and info["long_jobs"] == []
    assert info["license"]["license_request"]
    assert not_gathered["failed"] is True
    assert not_gathered["msg"] == ("conditions: long_jobs is not in gather_subset, so its conditions would filter "
                                   "nothing")
    assert as_list["failed"] is True and "argument 'conditions' is of type" in as_list["msg"]


@pytest.mark.parametrize("options, message", [
    ({"resource_type": "VmInstanceVO", "tag": "x"}, "missing required arguments: resource_uuid"),
    ({"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "x", "state": "gone"},
     "value of state must be one of: present, absent, got: gone"),
    ({"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "x", "timeout": "soon"},
     "argument 'timeout' is of type"),
    ({"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "x", "url": "ftp://127.0.0.1:1"},
     "url: 'ftp://127.0.0.1:1' is not an http:// or https:// URL with a host"),
    ({"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "  "}, "tag: must not be empty"),
])
def test_bad_options_fail_naming_the_option_without_any_request(zstack, zstack_env, options, message):
    run = run_playbook([task("zstack_system_tag", **options)], env=zstack_env)
    assert run.results[0]["failed"] is True
    assert message in run.results[0]["msg"]
    assert zstack.requests == []


def test_long_job_and_license_option_rules(zstack, zstack_env):
    run = run_playbook([task("zstack_long_job", name="x", job_name="APIMsg"),
                        task("zstack_long_job", name="x", job_name="APIMsg", job_data="{not json"),
                        task("zstack_license", license="not base64!"),
                        task("zstack_license")], env=zstack_env)
    assert [r["msg"] for r in run.results] == [
        "job_data: is required with state=submitted",
        "job_data: is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        "license: is not valid base64 text",
        "license: one of license or license_file is required with state=present",
    ]
    assert zstack.requests == []


def test_api_error_names_method_path_and_zstack_text(zstack, zstack_env):
    missing = "ffffffffffffffffffffffffffffffff"
    run = run_playbook([task("zstack_system_tag", resource_uuid=missing, resource_type="VmInstanceVO",
                             tag="ha::NeverStop")], env=zstack_env)
    result = run.results[0]
    assert result["failed"] is True
    assert result["msg"].startswith("POST /zstack/v1/system-tags: HTTP 503: code ")
    assert missing in result["msg"]


def test_no_password_or_session_in_verbose_output():
    planted = "Planted-Secret-pw-7731"
    with emulators.start("zstack", port=0, password=planted) as handle:
        env = {"ZSTACK_URL": handle.url, "ZSTACK_PASSWORD": planted}
        run = run_playbook([system_tag("ha::NeverStop"), task("zstack_info"),
                            task("zstack_system_tag", resource_uuid="0" * 32, resource_type="VmInstanceVO",
                                 tag="x")], verbosity=3, diff=True, env=env)
        # each module logs out at its end: the session ids are in the paths of the logout calls
        sessions = [r["path"].rsplit("/", 1)[-1] for r in handle.requests if "/accounts/sessions/" in r["path"]]
    assert run.results[0]["changed"] is True and run.results[2]["failed"] is True
    assert len(sessions) == 3, "each of the three tasks should have opened and closed a session"
    assert planted not in run.output
    for session in sessions:
        assert session not in run.output


@pytest.mark.parametrize("module, options, diff", [
    ("zstack_user_tag", {"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "tier::web"},
     {"before": {}, "after": {"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "tier::web"}}),
    ("zstack_notification", {"uuid": NOTIFICATION, "status": "Read"},
     {"before": {"status": "Unread"}, "after": {"status": "Read"}}),
    ("zstack_long_job", {"name": "mig", "job_name": "APIMsg", "job_data": {"a": 1}},
     {"before": {"state": None}, "after": {"state": "Running"}}),
    ("zstack_notification", {"uuid": NOTIFICATION, "state": "absent"}, None),
])
def test_check_mode_reports_the_change_and_writes_nothing(zstack, zstack_env, module, options, diff):
    before = zstack.state()
    run = run_playbook([task(module, **options)], check=True, diff=True, env=zstack_env)
    result = run.results[0]
    assert result["changed"] is True, result
    if diff is not None:
        assert result["diff"] == diff
    assert writes(zstack.requests) == []
    after = zstack.state()
    for key in ("tags", "notifications", "long_jobs", "gc_jobs", "license"):
        assert after[key] == before[key]
