"""The migration modules through ansible-playbook against the emulator: state, idempotence, check and diff mode."""

from __future__ import annotations

import base64
import datetime
import json
import uuid

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationClient

import emulators
from emulators.migration.state import BUILTIN_FLAVOR, BUILTIN_NETWORK, BUILTIN_SECURITY_GROUP, BUILTIN_SUBNET
from tests.support import ROOT, run_playbook, writes

pytestmark = pytest.mark.slow

#: every call of this API is a POST, so what changes state is told by its Action
READ_ACTIONS = ("List", "Get", "Verify", "Check", "Display")
ADMIN_PASSWORD = "Adm1n-secret-77"
KEY = "CONVERGE-TEST-KEY-0002"
KEY_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "migration-license:" + KEY))


class ActionLog:
    """Records the Action of every request the emulator handles (its request log has no bodies)."""

    def __init__(self, handle):
        self.entries = []
        original = handle.app.dispatch

        def dispatch(request):
            try:
                action = json.loads(request.body or b"{}").get("Action")
            except (ValueError, AttributeError):
                action = None
            self.entries.append((request.path, action))
            return original(request)

        handle.app.dispatch = dispatch

    def writes(self):
        """The actions that can change state, in order."""
        return [action for _path, action in self.entries if action and not action.startswith(READ_ACTIONS)]

    def clear(self):
        self.entries.clear()


@pytest.fixture
def migration():
    handle = emulators.start("migration", port=0, task_seconds=1, password=ADMIN_PASSWORD)
    handle.actions = ActionLog(handle)
    yield handle
    handle.stop()


def play(handle, tasks, **kwargs):
    """Run tasks with the connection taken from the environment, as a user would set it."""
    env = {"MIGRATION_URL": handle.url, "MIGRATION_USERNAME": "admin", "MIGRATION_PASSWORD": ADMIN_PASSWORD}
    return run_playbook(tasks, env=env, **kwargs)


def client_of(handle):
    return MigrationClient(handle.url, "admin", ADMIN_PASSWORD)


def assert_no_writes(handle):
    """Neither a state-changing Action nor any request outside the action URLs and the session."""
    assert handle.actions.writes() == []
    assert all(r["path"] in ("/MgntSetting", "/MgmtCloudConnection", "/MgmtTransportConnection",
                             "/portal/MgmtHostConnection", "/MgmtTask") for r in writes(handle.requests))


def records(handle, kind):
    return list(handle.state()[kind].values())


CLOUD = {"name": "prod", "cloud_type": "Openstack", "project_name": "admin", "cloud_user": "admin",
         "cloud_password": "password", "address": "127.0.0.1", "identity_port": 5000}


def cloud_task(**options):
    return {"converge.platforms.migration_cloud_connection": dict(CLOUD, **options)}


def chain(handle):
    """A cloud, its Cloud transport server and a Packer host, through the API (set-up, not under test)."""
    client = client_of(handle)
    cloud_id = client.add_cloud_connection({"CloudName": "prod", "CloudType": "Openstack", "ProjectName": "admin",
                                            "CloudUser": "admin", "CloudPass": "password", "CloudAddr": "127.0.0.1"})
    trans_id = client.add_transport_server("edge", "Cloud", "127.0.0.2", cloud_id)
    client.add_packer_host("web-01", trans_id, "127.0.0.11")
    client.close()
    handle.clear_requests()
    handle.actions.clear()


TASK = {"name": "mig-web", "source_host": "web-01", "cloud": "prod", "target_transport_server": "edge",
        "interval_minutes": 60, "max_snapshots": 2, "flavor_id": BUILTIN_FLAVOR, "network_id": BUILTIN_NETWORK,
        "subnet_id": BUILTIN_SUBNET, "security_group_id": BUILTIN_SECURITY_GROUP, "target_server_name": "web-cloud"}


def task_task(**options):
    return {"converge.platforms.migration_task": dict(TASK, **options)}


def utc_in(seconds):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)).strftime(
        "%Y-%m-%d %H:%M")


# --- cloud connections ---------------------------------------------------------------------------------
def test_a_cloud_connection_is_added_once_then_left_alone(migration):
    run = play(migration, [cloud_task(), cloud_task()])
    first, second = run.results
    assert first["changed"] is True and first["action"] == "create", run.output
    assert first["cloud_connection"]["cloud_password"] == "(sensitive value)"
    assert second["changed"] is False and second["action"] == "noop"
    (cloud,) = records(migration, "clouds")
    assert (cloud["Name"], cloud["CloudType"], cloud["CloudAddr"], cloud["CloudPass"]) == \
        ("prod", "Openstack", "127.0.0.1", "password")
    assert migration.actions.writes() == ["AddCloudConnection"]


def test_diff_mode_shows_only_the_changed_fields(migration):
    chain(migration)
    run = play(migration, [cloud_task(cloud_user="ops", cloud_password="n3w-cloud-pw")], diff=True)
    result = run.results[0]
    assert result["changed"] is True and result["action"] == "update", run.output
    assert result["diff"] == {"before": {"cloud_user": "admin", "cloud_password": "(sensitive value)"},
                              "after": {"cloud_user": "ops", "cloud_password": "(sensitive value)"}}
    (cloud,) = records(migration, "clouds")
    assert cloud["CloudUser"] == "ops" and cloud["CloudPass"] == "n3w-cloud-pw" and cloud["ProjectName"] == "admin"
    assert migration.actions.writes() == ["UpdateCloudConnection"]


def test_check_mode_on_an_update_writes_nothing(migration):
    chain(migration)
    result = play(migration, [cloud_task(cloud_user="ops")], check=True, diff=True).results[0]
    assert result["changed"] is True and result["diff"]["after"] == {"cloud_user": "ops"}
    assert_no_writes(migration)
    assert records(migration, "clouds")[0]["CloudUser"] == "admin"


def test_a_cloud_used_by_a_transport_server_is_not_deleted(migration):
    chain(migration)
    result = play(migration, [{"converge.platforms.migration_cloud_connection": {"name": "prod",
                                                                                 "state": "absent"}}]).results[0]
    assert result.get("failed") is True
    assert "POST /MgmtCloudConnection" in result["msg"] and "DeleteCloudConnection" in result["msg"]
    assert len(records(migration, "clouds")) == 1


# --- transport servers, source hosts, vSphere platforms -----------------------------------------------------
CHAIN_TASKS = [
    {"converge.platforms.migration_transport_server": {"name": "edge", "server_type": "Cloud", "cloud": "prod",
                                                       "address": "127.0.0.2"}},
    {"converge.platforms.migration_source_host": {"name": "web-01", "transport_server": "edge",
                                                  "address": "127.0.0.11"}},
    {"converge.platforms.migration_vsphere_platform": {"name": "vc", "address": "127.0.0.21",
                                                       "vsphere_username": "administrator@vsphere.local",
                                                       "vsphere_password": "password", "transport_server": "edge"}},
]


def test_transport_server_source_host_and_vsphere_platform_are_added_once(migration):
    play(migration, [cloud_task()])
    migration.actions.clear()
    run = play(migration, CHAIN_TASKS + CHAIN_TASKS)
    assert [r["changed"] for r in run.results] == [True, True, True, False, False, False], run.output
    (transport,) = records(migration, "transports")
    (host,) = [h for h in records(migration, "hosts") if h["Agent"]]
    (platform,) = records(migration, "platforms")
    assert (transport["Name"], transport["ServType"], transport["MgntAddr"]) == ("edge", "Cloud", "127.0.0.2")
    assert host["Name"] == "web-01" and host["TransId"] == transport["Id"]
    assert platform["Name"] == "vc" and platform["Ip"] == "127.0.0.21"
    assert migration.actions.writes() == ["AddTransportServer", "AddPackerHost", "AddVSPlatform"]
    assert run.results[1]["source_host"]["transport_server"] == "edge"
    assert run.results[2]["vsphere_platform"]["is_vcenter"] is True


def test_a_source_host_moves_to_another_transport_server(migration):
    chain(migration)
    client_of(migration).add_transport_server("dc1", "On-Premises", "127.0.0.3")
    migration.actions.clear()
    task = {"converge.platforms.migration_source_host": {"name": "web-01", "transport_server": "dc1"}}
    result = play(migration, [task], diff=True).results[0]
    assert result["diff"] == {"before": {"transport_server": "edge"}, "after": {"transport_server": "dc1"}}, result
    assert migration.actions.writes() == ["UpdatePackerHost"]
    dc1 = [t for t in records(migration, "transports") if t["Name"] == "dc1"][0]
    assert [h["TransId"] for h in records(migration, "hosts") if h["Name"] == "web-01"] == [dc1["Id"]]


def test_an_address_change_fails_naming_the_option_and_writes_nothing(migration):
    chain(migration)
    task = {"converge.platforms.migration_transport_server": {"name": "edge", "address": "127.0.0.4"}}
    result = play(migration, [task]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("address: transport server 'edge'"), result
    assert "UpdateTransportServer changes only the name" in result["msg"]
    assert_no_writes(migration)


def test_refreshed_refreshes_on_every_run(migration):
    chain(migration)
    task = {"converge.platforms.migration_source_host": {"name": "web-01", "state": "refreshed"}}
    run = play(migration, [task, task])
    assert [(r["changed"], r["action"]) for r in run.results] == [(True, "refresh"), (True, "refresh")], run.output
    assert migration.actions.writes() == ["RefreshPackerHost", "RefreshPackerHost"]


def test_a_vsphere_password_is_sent_again_only_with_update_password_always(migration):
    play(migration, [cloud_task()] + CHAIN_TASKS)
    migration.actions.clear()
    options = dict(CHAIN_TASKS[2]["converge.platforms.migration_vsphere_platform"], update_password="always")
    result = play(migration, [{"converge.platforms.migration_vsphere_platform": options}], diff=True).results[0]
    assert result["changed"] is True and result["diff"]["after"] == {"vsphere_password": "(sensitive value)"}
    assert migration.actions.writes() == ["UpdateVSPlatform"]


# --- tasks ------------------------------------------------------------------------------------------------
def test_a_task_is_created_once_and_takes_a_credit(migration):
    chain(migration)
    run = play(migration, [task_task(start_time=utc_in(3600)), task_task(start_time=utc_in(3600))])
    first, second = run.results
    assert first["changed"] is True and first["task"]["name"] == "mig-web", run.output
    assert second["changed"] is False
    (task,) = records(migration, "tasks")
    assert task["Config"]["MaxSnapNum"] == 2 and task["Config"]["FlavorId"] == BUILTIN_FLAVOR
    assert migration.actions.writes() == ["PrepareTaskWorkload"]
    assert client_of(migration).get_license()["Used"] == 1


def test_a_task_change_shows_only_what_changes_and_check_mode_writes_nothing(migration):
    chain(migration)
    start = utc_in(3600)
    play(migration, [task_task(start_time=start)])
    migration.actions.clear()
    checked = play(migration, [task_task(start_time=start, priority=7, max_snapshots=4)], check=True,
                   diff=True).results[0]
    assert checked["changed"] is True and checked["diff"]["after"] == {"priority": 7, "max_snapshots": 4}, checked
    assert_no_writes(migration)
    result = play(migration, [task_task(start_time=start, priority=7, max_snapshots=4)], diff=True).results[0]
    assert result["diff"] == {"before": {"priority": 0, "max_snapshots": 2}, "after": {"priority": 7,
                                                                                       "max_snapshots": 4}}
    assert records(migration, "tasks")[0]["Config"]["MaxSnapNum"] == 4
    assert migration.actions.writes() == ["UpdateTask"]


def test_the_schedule_cannot_change_within_60_s_of_the_start(migration):
    chain(migration)
    # the window is 60 s either side of the start: 30 s ahead leaves 90 s for the two plays, however loaded
    start = utc_in(30)
    play(migration, [task_task(start_time=start)])
    migration.actions.clear()
    result = play(migration, [task_task(start_time=start, interval_minutes=30)]).results[0]
    assert result.get("failed") is True, result
    assert result["msg"].startswith("interval_minutes: cannot be changed within 60 s of the task's start time")
    assert_no_writes(migration)


def test_creation_settings_cannot_change(migration):
    chain(migration)
    play(migration, [task_task(start_time=utc_in(3600))])
    migration.actions.clear()
    result = play(migration, [task_task(qos_limit=20)]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("qos_limit: task 'mig-web' was created with")
    assert_no_writes(migration)


def test_a_name_clash_fails_naming_the_option(migration):
    chain(migration)
    result = play(migration, [task_task(target_server_name="legacy-web")]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("target_server_name:"), result
    assert result["changed"] is False  # the platform refused the only write: nothing changed
    assert "legacy-web" in result["msg"] and records(migration, "tasks") == []


def test_completed_waits_for_the_first_copy_and_the_cloud_server(migration):
    chain(migration)
    run = play(migration, [task_task(), task_task(state="completed", wait=True, wait_timeout=60),
                           task_task(state="completed", wait=True)], diff=True)
    created, completed, again = run.results
    assert created["changed"] is True, run.output
    assert completed["changed"] is True and completed["action"] == "complete", completed
    assert completed["task"]["action_state"] == 1009 and completed["task"]["instance"]["name"] == "web-cloud"
    # the diff shows what did change: the state reached, the final sync and the cloud server created
    before, after = completed["diff"]["before"], completed["diff"]["after"]
    assert after["action_state"] == 1009 and before["action_state"] in (1001, 1002)
    assert after["last_sync"] == 2 and before["last_sync"] == 0
    assert before["instance"] is None and after["instance"]["name"] == "web-cloud"
    assert before["server_id"] == "" and after["server_id"] == after["instance"]["id"]
    assert set(before) == set(after) and "name" not in after
    assert again["changed"] is False and again["task"]["instance"]["name"] == "web-cloud"
    assert records(migration, "tasks")[0]["Instance"]["Name"] == "web-cloud"


def test_completed_without_wait_refuses_before_the_first_copy(migration):
    chain(migration)
    play(migration, [task_task(start_time=utc_in(3600))])
    migration.actions.clear()
    result = play(migration, [{"converge.platforms.migration_task": {"name": "mig-web", "state": "completed",
                                                                     "wait": False}}]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("state: task 'mig-web' cannot be completed")
    assert_no_writes(migration)


def test_running_resumes_a_task_paused_by_an_error(migration):
    chain(migration)
    play(migration, [task_task(start_time=utc_in(300))])
    migration.app.set_agent_offline("127.0.0.11", True)
    migration.app.advance_clock(400)
    assert client_of(migration).list_tasks()[0]["ActionState"] == 1003
    migration.app.set_agent_offline("127.0.0.11", False)
    migration.actions.clear()
    run = play(migration, [{"converge.platforms.migration_task": {"name": "mig-web", "state": "running"}}], diff=True)
    result = run.results[0]
    assert result["changed"] is True and result["action"] == "continue", run.output
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["action_state"] == 1003 and after["action_state"] in (1001, 1002)
    assert before["status"].startswith("Data copy failed") and after["status"] != before["status"]
    assert set(before) == set(after)
    assert migration.actions.writes() == ["ContinueTask"]
    assert records(migration, "tasks")[0]["ActionState"] != 1003


def test_absent_deletes_the_task_and_gives_its_credit_back(migration):
    chain(migration)
    play(migration, [task_task(start_time=utc_in(3600))])
    gone = {"converge.platforms.migration_task": {"name": "mig-web", "state": "absent"}}
    run = play(migration, [gone, gone])
    assert [r["changed"] for r in run.results] == [True, False], run.output
    assert "license credit back" in run.results[0]["note"]
    assert records(migration, "tasks") == [] and client_of(migration).get_license()["Used"] == 0


# --- license and password -------------------------------------------------------------------------------------
def test_a_license_key_is_installed_once(migration):
    task = {"converge.platforms.migration_license": {"activation_key": KEY, "license_id": KEY_ID}}
    checked = play(migration, [task], check=True, diff=True).results[0]
    assert checked["changed"] is True and checked["diff"]["after"] == {"license_id": KEY_ID}
    assert_no_writes(migration)
    run = play(migration, [task, task])
    assert [r["changed"] for r in run.results] == [True, False], run.output
    assert run.results[0]["license"]["id"] == KEY_ID and migration.state()["license"]["Id"] == KEY_ID
    assert migration.actions.writes() == ["UpdateLicense"]


def test_a_key_without_license_id_is_sent_each_run_and_absent_deletes_the_license(migration):
    keep = {"converge.platforms.migration_license": {"activation_key": KEY}}
    gone = {"converge.platforms.migration_license": {"state": "absent"}}
    run = play(migration, [keep, keep, gone, gone], diff=True)
    assert [r["changed"] for r in run.results] == [True, False, True, False], run.output
    installed = run.results[0]
    assert installed["license"]["id"] == KEY_ID and installed["diff"]["after"]["id"] == KEY_ID
    assert migration.state()["license"] is None
    assert migration.actions.writes() == ["UpdateLicense", "UpdateLicense", "DeleteLicense"]


@pytest.mark.parametrize("check", [False, True], ids=["run", "check-mode"])
def test_a_key_the_platform_refuses_fails_naming_activation_key_while_a_license_is_installed(migration, check):
    before = migration.state()["license"]
    wrong = {"converge.platforms.migration_license": {"activation_key": "not a key!"}}
    result = play(migration, [wrong], check=check).results[0]
    if check:
        # the platform cannot test a key without installing it: check mode says that it will send it
        assert result["changed"] is True and "the key is sent" in result["note"], result
        assert_no_writes(migration)
    else:
        assert result.get("failed") is True and result["changed"] is False, result
        assert result["msg"] == ("activation_key: the platform refuses this activation key: UpdateLicense: "
                                 "Invalid activation key.")
        assert "not a key!" not in json.dumps(result)
    assert migration.state()["license"] == before


def test_the_password_changes_once(migration):
    task = {"converge.platforms.migration_password": {"new_password": "N3w-admin-pw"}}
    run = play(migration, [task, task])
    assert [r["changed"] for r in run.results] == [True, False], run.output
    assert migration.state()["account"]["Password"] == "N3w-admin-pw"
    assert migration.actions.writes() == ["ChangePassword"]


# --- bad options -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "options", "option"), [
    ("migration_cloud_connection", {"name": "x"}, "name"),
    ("migration_cloud_connection", dict(CLOUD, cloud_type="AWS"), "cloud_type"),
    ("migration_cloud_connection", {"name": "new-cloud", "address": "127.0.0.1"}, "cloud_type"),
    ("migration_transport_server", {"name": "e", "server_type": "On-Premises", "cloud": "prod"}, "cloud"),
    ("migration_source_host", {"name": "h", "address": "127.0.0.12"}, "transport_server"),
    ("migration_vsphere_platform", {"name": "vc", "address": "127.0.0.21"}, "vsphere_username"),
    ("migration_task", dict(TASK, start_time="soon"), "start_time"),
    ("migration_task", dict(TASK, volumes=[{"name": "/dev/vda", "iops": 3}]), "volumes[0]"),
    ("migration_task", {"name": "mig-web", "state": "stopped"}, "state"),
    ("migration_license", {"activation_key": KEY, "activation_key_file": "/nonexistent"}, "activation_key"),
    ("migration_password", {"new_password": "weak"}, "new_password"),
])
def test_bad_options_fail_naming_the_option_and_write_nothing(migration, module, options, option):
    result = play(migration, [{"converge.platforms." + module: options}]).results[0]
    assert result.get("failed") is True and option in result["msg"], result
    assert_no_writes(migration)


def test_a_bad_url_fails_naming_the_option(migration):
    result = run_playbook([{"converge.platforms.migration_info": {"url": "ftp://127.0.0.1:1",
                                                                  "password": "x"}}]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("url:")


def test_a_wrong_password_fails_with_the_platform_message(migration):
    task = {"converge.platforms.migration_info": {"password": "wrong-admin-pw", "gather_subset": ["license"]}}
    result = run_playbook([task], env={"MIGRATION_URL": migration.url}).results[0]
    assert result.get("failed") is True
    assert result["msg"] == "POST /Login: HTTP 200: code -1: Login: UserName or Password is wrong."


# --- info ----------------------------------------------------------------------------------------------------------
def test_info_reads_every_list_and_one_task_cloud_and_host(migration):
    chain(migration)
    play(migration, [task_task(start_time=utc_in(3600))])
    migration.actions.clear()
    info = {"converge.platforms.migration_info": {"task": "mig-web", "cloud": "prod", "source_host": "web-01"}}
    result = play(migration, [info], check=True).results[0]
    assert result["changed"] is False, result
    assert result["license"]["credits"] == 100 and result["license"]["used"] == 1
    assert [c["name"] for c in result["cloud_connections"]] == ["prod"]
    assert result["cloud_connections"][0]["cloud_password"] == "(sensitive value)"
    assert [t["name"] for t in result["transport_servers"]] == ["edge"]
    assert [h["name"] for h in result["source_hosts"]] == ["web-01"]
    assert [t["name"] for t in result["tasks"]] == ["mig-web"]
    assert result["task"]["history"][0]["Number"] == 1000 and result["task"]["max_snapshots"] == 2
    assert BUILTIN_FLAVOR in [f["ID"] for f in result["cloud"]["flavors"]]
    assert result["source_host"]["volumes"] and "Openstack" in result["cloud_types"]
    assert migration.actions.writes() == []


def test_info_takes_all_and_exclusions_in_gather_subset(migration):
    run = play(migration, [{"converge.platforms.migration_info": {"gather_subset": ["all"]}},
                           {"converge.platforms.migration_info": {"gather_subset": ["!tasks", "!vsphere_hosts"]}},
                           {"converge.platforms.migration_info": {"gather_subset": ["!all", "license"]}}])
    every, most, one = run.results
    lists = {"license", "cloud_types", "cloud_connections", "transport_servers", "source_hosts", "vsphere_platforms",
             "vsphere_hosts", "tasks"}
    assert not every.get("failed") and lists <= set(every), run.output
    assert lists - {"tasks", "vsphere_hosts"} <= set(most) and not {"tasks", "vsphere_hosts"} & set(most)
    assert "license" in one and not (lists - {"license"}) & set(one)
    assert all(r["changed"] is False for r in run.results)


# --- secrets -------------------------------------------------------------------------------------------------------
def test_no_password_token_key_or_cloud_password_in_verbose_output(migration):
    tasks = [cloud_task(cloud_password="Cl0ud-secret-91"), cloud_task(cloud_password="Cl0ud-secret-92"),
             {"converge.platforms.migration_license": {"activation_key": KEY, "license_id": KEY_ID}},
             {"converge.platforms.migration_password": {"new_password": "N3w-admin-pw"}},
             {"converge.platforms.migration_info": {"gather_subset": ["cloud_connections"],
                                                    "password": "N3w-admin-pw"}}]
    run = play(migration, tasks, verbosity=3, diff=True)
    assert [bool(r.get("failed")) for r in run.results] == [False] * 5, run.output
    assert [r["changed"] for r in run.results] == [True, True, True, True, False]
    tokens = list(migration.state()["tokens"])
    secrets = [ADMIN_PASSWORD, "Cl0ud-secret-91", "Cl0ud-secret-92", KEY, "N3w-admin-pw"] + tokens
    for secret in secrets:
        assert secret not in run.output
    for encoded in ("Cl0ud-secret-91", "Cl0ud-secret-92"):
        assert base64.b64encode(encoded.encode()).decode() not in run.output


# --- the example -----------------------------------------------------------------------------------------------
def test_the_example_desired_state_file_fits_the_specs():
    from reconciler.platforms import kinds

    document = yaml.safe_load((ROOT / "examples" / "migration.yml").read_text(encoding="utf-8"))
    assert document["version"] == 1 and document["endpoints"]["migration"] == {"embedded": True}
    known = kinds()
    for kind, entries in document["resources"].items():
        spec = known[kind]
        for entry in entries:
            assert set(entry) <= set(spec.argument_spec())
            spec.validate(spec.normalize(entry))
