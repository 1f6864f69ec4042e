"""The migration specs without a server: validation, plans, the platform's update rules, diffs, docs."""

from __future__ import annotations

import base64
import datetime

import pytest
from ansible_collections.converge.platforms.plugins.module_utils import migration_info
from ansible_collections.converge.platforms.plugins.module_utils.http import TransportError
from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationError
from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    cloud_facts,
    task_facts,
    transport_facts,
    volume_info,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import (
    SPECS,
    CloudConnectionSpec,
    LicenseSpec,
    PasswordSpec,
    SourceHostSpec,
    TaskSpec,
    TransportServerSpec,
    VspherePlatformSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.license import expired
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    DELETE,
    NOOP,
    SECRET_MASK,
    UPDATE,
    SpecError,
)


def desired(spec, **options):
    data = spec.normalize(options)
    spec.validate(data)
    return data


def error_of(call):
    with pytest.raises(SpecError) as caught:
        call()
    return caught.value


# --- cloud connections ------------------------------------------------------------------------------
LIVE_CLOUD = cloud_facts({"ID": "c1", "Name": "prod", "CloudType": "openstack", "ProjectName": "admin",
                          "CloudUser": "admin", "CloudPass": base64.b64encode(b"passw0rd").decode(),
                          "CloudAddr": "127.0.0.1", "IdentityPort": "5000", "CreatedTime": "2026-01-01 10:00:00"})


def test_cloud_facts_decode_the_base64_password_and_keep_unsent_keys_out():
    assert LIVE_CLOUD["cloud_password"] == "passw0rd" and LIVE_CLOUD["identity_port"] == 5000
    assert "zone_id" not in LIVE_CLOUD and LIVE_CLOUD["id"] == "c1"


def test_an_unchanged_cloud_is_a_noop_whatever_the_case_of_its_type():
    spec = CloudConnectionSpec()
    want = desired(spec, name="prod", cloud_type="Openstack", cloud_user="admin", cloud_password="passw0rd",
                   address="127.0.0.1", identity_port=5000, zone_id="z1")
    assert spec.plan(want, LIVE_CLOUD).action == NOOP


def test_a_new_password_is_an_update_whose_diff_masks_it():
    spec = CloudConnectionSpec()
    change = spec.plan(desired(spec, name="prod", cloud_password="new-pass", cloud_user="ops"), LIVE_CLOUD)
    assert change.action == UPDATE and sorted(change.fields) == ["cloud_password", "cloud_user"]
    assert change.diff() == {"before": {"cloud_password": SECRET_MASK, "cloud_user": "admin"},
                             "after": {"cloud_password": SECRET_MASK, "cloud_user": "ops"}}


def test_a_different_cloud_type_fails_naming_the_option():
    spec = CloudConnectionSpec()
    error = error_of(lambda: spec.plan(desired(spec, name="prod", cloud_type="Huayun"), LIVE_CLOUD))
    assert error.option == "cloud_type" and "cannot change it" in error.message


@pytest.mark.parametrize(("options", "option"), [
    ({"name": "x"}, "name"),
    ({"name": "a" * 21}, "name"),
    ({"name": "prod", "identity_port": 70000}, "identity_port"),
    ({"name": "prod", "address": " "}, "address"),
    ({"name": "prod", "cloud_type": "AWS"}, "cloud_type"),
])
def test_bad_cloud_options_fail_naming_the_option(options, option):
    spec = CloudConnectionSpec()
    assert error_of(lambda: spec.validate(spec.normalize(options))).option == option


def test_adding_a_cloud_needs_its_type_and_address():
    spec = CloudConnectionSpec()
    assert error_of(lambda: spec.plan(desired(spec, name="prod", address="127.0.0.1"), None)).option == "cloud_type"
    assert spec.plan(desired(spec, name="prod", cloud_type="Openstack", address="127.0.0.1"), None).action == CREATE


# --- transport servers, source hosts, vSphere -------------------------------------------------------------
LIVE_TRANSPORT = transport_facts({"Id": "t1", "Name": "edge", "CloudName": "prod", "ServType": "cloud",
                                  "MgntAddr": "127.0.0.2"})


def test_transport_type_compares_without_case_and_other_fields_are_locked():
    spec = TransportServerSpec()
    assert LIVE_TRANSPORT["server_type"] == "Cloud"
    same = desired(spec, name="edge", server_type="Cloud", cloud="prod", address="127.0.0.2")
    assert spec.plan(same, LIVE_TRANSPORT).action == NOOP
    moved = desired(spec, name="edge", address="127.0.0.3")
    error = error_of(lambda: spec.plan(moved, LIVE_TRANSPORT))
    assert error.option == "address" and "UpdateTransportServer changes only the name" in error.message


def test_transport_rules_on_type_and_cloud():
    spec = TransportServerSpec()
    assert error_of(lambda: desired(spec, name="e", server_type="On-Premises", cloud="prod")).option == "cloud"
    no_cloud = desired(spec, name="e", server_type="Cloud", address="127.0.0.2")
    assert error_of(lambda: spec.plan(no_cloud, None)).option == "cloud"


def test_refreshed_refreshes_an_existing_server_and_adds_a_missing_one():
    spec = TransportServerSpec()
    want = desired(spec, name="edge", server_type="Cloud", cloud="prod", address="127.0.0.2", state="refreshed")
    assert spec.plan(want, LIVE_TRANSPORT).action == "refresh"
    assert spec.plan(want, None).action == CREATE


def test_a_source_host_can_move_to_another_transport_server_but_not_to_another_address():
    spec = SourceHostSpec()
    live = {"id": "h1", "name": "web", "address": "127.0.0.11", "transport_server": "edge"}
    change = spec.plan(desired(spec, name="web", transport_server="edge-2"), live)
    assert change.action == UPDATE and change.fields == {"transport_server": ("edge", "edge-2")}
    assert error_of(lambda: spec.plan(desired(spec, name="web", address="127.0.0.12"), live)).option == "address"
    assert error_of(lambda: desired(spec, name="w" * 33)).option == "name"


class HostClient:
    """One Packer host behind transport server edge; moving it to edge-2 takes effect, but its answer is lost."""

    def __init__(self):
        self.host = {"ID": "h1", "Name": "web", "MgntAddr": "127.0.0.11", "TransName": "edge"}
        self.sent = []

    def list_hosts(self, name=None):
        return {"AgentHosts": [dict(self.host)], "VSPlatforms": []}

    def get_packer_host(self, host_id):
        return dict(self.host)

    def list_transport_servers(self, name=None):
        return [{"Id": "t2", "Name": "edge-2"}]

    def update_packer_host(self, host_id, name, trans_id):
        self.sent.append(("UpdatePackerHost", host_id, name, trans_id))
        self.host["TransName"] = "edge-2"
        raise TransportError("the migration platform did not answer: connection reset", "POST", "/portal")

    def refresh_packer_host(self, host_id):
        self.sent.append(("RefreshPackerHost", host_id))


def test_a_refresh_moves_the_host_through_the_verified_update_then_refreshes_it():
    spec = SourceHostSpec()
    client = HostClient()
    want = desired(spec, name="web", transport_server="edge-2", state="refreshed")
    change = spec.plan(want, spec.read(client, want))
    assert change.action == "refresh" and change.fields == {"transport_server": ("edge", "edge-2")}
    assert spec.apply(client, change)["transport_server"] == "edge-2"
    assert client.sent == [("UpdatePackerHost", "h1", "web", "t2"), ("RefreshPackerHost", "h1")]


def test_vsphere_credentials_are_sent_on_every_run_only_with_update_password_always():
    spec = VspherePlatformSpec()
    live = {"id": "p1", "name": "vc", "address": "127.0.0.21", "is_vcenter": True}
    base = dict(name="vc", address="127.0.0.21", vsphere_username="u", vsphere_password="pw-1", transport_server="t")
    assert spec.plan(desired(spec, **base), live).action == NOOP
    change = spec.plan(desired(spec, update_password="always", **base), live)
    assert change.action == UPDATE and change.diff() == {"before": {"vsphere_password": None},
                                                         "after": {"vsphere_password": SECRET_MASK}}
    missing = error_of(lambda: spec.plan(desired(spec, name="vc", address="127.0.0.21"), None))
    assert missing.option == "vsphere_username"


# --- tasks ------------------------------------------------------------------------------------------
DETAIL = {
    "Id": "k1", "Name": "mig", "Priority": 1, "CloudId": "c1", "CloudName": "prod", "IntervalMinutes": 60,
    "StartTime": "2026-01-01 10:00:00", "SnapTimes": 1, "MaxSnapNumber": 3, "ProgressPrecent": "40%", "LastSync": 0,
    "Status": "copying", "ActionState": 1001, "IsCompressed": False, "QosBW": 0,
    "SourceHost": {"Name": "web", "MgntAddr": "127.0.0.11", "NetInterfaces": []},
    "TargetHost": {"Flavor": "f1", "Network": "n1", "Subnet": "s1", "SecGroup": "default", "CPU": 2, "Memory": 4,
                   "ServerName": "web-cloud", "StorageId": "st1"},
    "TransHost": {"Name": "edge", "MgntAddr": "127.0.0.2"}, "SrcTransHost": {"Name": "", "MgntAddr": ""},
}
LONG_AFTER = datetime.datetime(2026, 1, 2, 10, 0, 0)


def task(**overrides):
    detail = dict(DETAIL)
    detail.update(overrides)
    return task_facts(detail)


def test_task_facts_read_the_detail_under_option_names():
    live = task()
    assert (live["max_snapshots"], live["flavor_id"], live["security_group_id"], live["target_transport_server"]) == \
        (3, "f1", "default", "edge")
    assert live["source_host"] == "web" and live["cloud"] == "prod" and live["source_transport_server"] is None


def test_start_time_compares_with_or_without_seconds():
    spec = TaskSpec()
    assert spec.plan(desired(spec, name="mig", start_time="2026-01-01 10:00"), task()).action == NOOP


def test_a_schedule_change_is_refused_within_60_s_of_the_start_time():
    spec = TaskSpec()
    live = task()
    update = spec.plan(desired(spec, name="mig", interval_minutes=30), dict(live, start_time="2999-01-01 00:00:00"))
    assert update.action == UPDATE and update.fields == {"interval_minutes": (60, 30)}
    update.live = live
    near = datetime.datetime(2026, 1, 1, 9, 59, 30)
    error = error_of(lambda: spec.check_allowed(update, now=near))
    assert error.option == "interval_minutes"
    assert "within 60 s of the task's start time (2026-01-01 10:00:00)" in error.message
    spec.check_allowed(update, now=LONG_AFTER)
    soon = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(seconds=20)
    starting = dict(live, start_time=soon.strftime("%Y-%m-%d %H:%M:%S"))
    assert error_of(lambda: spec.plan(desired(spec, name="mig", max_snapshots=5), starting)).option == "max_snapshots"


def test_target_settings_are_locked_once_the_task_waits_for_recovery():
    spec = TaskSpec()
    want = desired(spec, name="mig", flavor_id="f2", priority=5)
    assert spec.plan(want, task(ActionState=1002)).fields == {"flavor_id": ("f1", "f2"), "priority": (1, 5)}
    error = error_of(lambda: spec.plan(want, task(ActionState=1007)))
    assert error.option == "flavor_id" and "waiting for recovery" in error.message and "1007" in error.message
    assert spec.plan(desired(spec, name="mig", priority=5), task(ActionState=1007)).action == UPDATE


@pytest.mark.parametrize("option", ["storage_id", "cloud", "compressed", "target_transport_server"])
def test_creation_settings_can_never_change(option):
    spec = TaskSpec()
    value = {"storage_id": "st2", "cloud": "other", "compressed": True, "target_transport_server": "t9"}[option]
    error = error_of(lambda: spec.plan(desired(spec, name="mig", **{option: value}), task()))
    assert error.option == option and "a task cannot change it" in error.message


def test_creating_a_task_needs_its_source_cloud_and_transport():
    spec = TaskSpec()
    error = error_of(lambda: spec.plan(desired(spec, name="mig", source_host="web", cloud="prod"), None))
    assert error.option == "target_transport_server"


@pytest.mark.parametrize(("overrides", "wait", "action"), [
    ({"SnapTimes": 2, "ProgressPrecent": "30%"}, False, "complete"),
    ({"SnapTimes": 1, "ProgressPrecent": "100%"}, False, "complete"),
    ({"SnapTimes": 1}, True, "complete"),
    ({"LastSync": 1, "SnapTimes": 3}, False, NOOP),
    ({"ActionState": 1008}, False, NOOP),
    ({"ActionState": 1009}, False, NOOP),
    ({"ActionState": 1003, "LastSync": 2}, False, "create_instance"),
])
def test_completed_plans(overrides, wait, action):
    spec = TaskSpec()
    assert spec.plan(desired(spec, name="mig", state="completed", wait=wait), task(**overrides)).action == action


def test_completing_with_wait_predicts_the_state_reached_and_the_outcome_replaces_the_plan():
    spec = TaskSpec()
    live = task(SnapTimes=2, ActionState=1002)
    change = spec.plan(desired(spec, name="mig", state="completed", wait=True), live)
    assert change.diff() == {"before": {"last_sync": 0, "action_state": 1002},
                             "after": {"last_sync": 1, "action_state": 1009}}
    after = dict(live, action_state=1009, last_sync=2, server_id="s1", instance={"id": "s1", "name": "web"})
    assert TaskSpec.outcome(change, after) is after
    assert change.diff() == {"before": {"action_state": 1002, "last_sync": 0, "server_id": live["server_id"],
                                        "instance": None},
                             "after": {"action_state": 1009, "last_sync": 2, "server_id": "s1",
                                       "instance": {"id": "s1", "name": "web"}}}


def test_completed_before_the_first_full_copy_fails_without_wait():
    spec = TaskSpec()
    error = error_of(lambda: spec.plan(desired(spec, name="mig", state="completed", wait=False), task()))
    assert error.option == "state" and "first full copy" in error.message and "wait=true" in error.message
    paused = error_of(lambda: spec.plan(desired(spec, name="mig", state="completed"), task(ActionState=1003)))
    assert "state=running" in paused.message
    assert error_of(lambda: spec.plan(desired(spec, name="mig", state="completed"), None)).option == "name"


def test_running_resumes_a_paused_task_and_leaves_a_running_one_alone():
    spec = TaskSpec()
    want = desired(spec, name="mig", state="running")
    assert spec.plan(want, task()).action == NOOP
    change = spec.plan(want, task(ActionState=1003, Status="agent offline"))
    assert change.action == "continue" and "agent offline" in change.note
    assert spec.predict(change)["action_state"] == "running"


def test_deleting_an_unfinished_task_says_its_credit_comes_back():
    spec = TaskSpec()
    change = spec.plan(desired(spec, name="mig", state="absent"), task())
    assert change.action == DELETE and "license credit back" in change.note


@pytest.mark.parametrize(("options", "option"), [
    ({"start_time": "tomorrow"}, "start_time"),
    ({"interval_minutes": 0}, "interval_minutes"),
    ({"volumes": [{"size": 10}]}, "volumes[0].name"),
    ({"volumes": [{"name": "/dev/vda", "iops": 1}]}, "volumes[0].iops"),
    ({"volumes": [{"name": "/dev/vda"}, "/dev/vdb"]}, "volumes[1]"),
    ({"net_interfaces": [{"NetworkId": "n1", "Subnets": []}]}, "net_interfaces[0].Subnets"),
    ({"wait_timeout": 0}, "wait_timeout"),
    ({"state": "stopped"}, "state"),
])
def test_bad_task_options_fail_naming_the_option(options, option):
    spec = TaskSpec()
    assert error_of(lambda: spec.validate(spec.normalize(dict(name="mig", **options)))).option == option


def test_the_create_body_uses_the_prepare_names():
    spec = TaskSpec()

    class Catalogue:
        def list_hosts(self, name=None):
            return {"AgentHosts": [{"ID": "h1", "Name": "web"}], "VSPlatforms": []}

        def list_cloud_connections(self, name=None):
            return [{"ID": "c1", "Name": "prod"}]

        def list_transport_servers(self, name=None):
            return [{"Id": "t1", "Name": "edge"}]

    want = desired(spec, name="mig", source_host="web", cloud="prod", target_transport_server="edge",
                   start_time="2026-03-01 22:00:00", max_snapshots=3, qos_limit=50,
                   volumes=[{"name": "/dev/vda", "size": "40", "type": "ssd"}])
    assert spec.create_fields(Catalogue(), want) == {
        "Name": "mig", "HostId": "h1", "CloudId": "c1", "TargetTransId": "t1", "MaxSnapsNum": 3,
        "StartTime": "2026-03-01 22:00", "QosLimit": 50,
        "VolumeInfos": [{"VolumeName": "/dev/vda", "VolumeSize": "40", "VolumeType": "ssd"}]}
    assert spec.update_fields(dict(want, max_snapshots=4), {"max_snapshots": (3, 4), "start_time": (None, None)}) == \
        {"MaxSnapNum": 4, "StartTime": "2026-03-01 22:00:00"}


def test_a_volume_size_given_as_a_number_is_sent_as_the_text_the_platform_takes():
    assert volume_info({"name": "/dev/vda", "size": 40, "prealloc": True}) == {
        "VolumeName": "/dev/vda", "VolumeSize": "40", "PreAlloc": True}
    assert volume_info({"name": "/dev/vdb", "size": 0.5})["VolumeSize"] == "0.5"


# --- license and password ------------------------------------------------------------------------------
L1 = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
L2 = "6fa459ea-ee8a-3ca4-894e-db77e160355e"
LIVE_LICENSE = {"id": L1, "credits": 100, "used": 2, "expire_time": "2999-01-01T00:00:00+00:00"}


def test_license_plans():
    spec = LicenseSpec()
    key = dict(activation_key="KEY-0001-0002")
    assert spec.plan(desired(spec, **key), None).action == CREATE
    verify = spec.plan(desired(spec, **key), LIVE_LICENSE)
    assert verify.action == "verify" and "the key is sent" in verify.note
    assert spec.plan(desired(spec, license_id=L1, **key), LIVE_LICENSE).action == NOOP
    change = spec.plan(desired(spec, license_id=L2, **key), LIVE_LICENSE)
    assert change.action == UPDATE and change.diff() == {"before": {"license_id": L1}, "after": {"license_id": L2}}
    old = dict(LIVE_LICENSE, expire_time="2020-01-10T16:10:10+08:00")
    assert spec.plan(desired(spec, **key), old).note == "the installed license has expired"
    assert spec.plan(desired(spec, state="absent"), LIVE_LICENSE).action == DELETE
    assert spec.plan(desired(spec, state="absent"), None).action == NOOP



class LostAnswerClient:
    """One task's GetTaskDetail; each action changes the task as the platform does, then its answer is lost."""

    def __init__(self, **detail):
        self.detail = dict(DETAIL, **detail)
        self.sent = []

    def list_tasks(self, name=None):
        return [{"Id": "k1", "Name": "mig"}]

    def get_task_detail(self, task_id):
        return dict(self.detail)

    def get_instance(self, task_id):
        return {"ID": "srv-1", "Name": "web-cloud"}

    def lost(self, action, **changes):
        self.sent.append(action)
        self.detail.update(changes)
        raise TransportError("the migration platform did not answer: connection reset", "POST", "/MgmtTask")

    def continue_task(self, task_id):
        self.lost("ContinueTask", ActionState=1001, Status="copying")

    def complete_task(self, task_id):
        self.lost("CompleteTask", LastSync=1, ActionState=1006)

    def create_instance(self, task_id, fields):
        self.lost("CreateInstance", ActionState=1009)


@pytest.mark.parametrize(("detail", "options", "action", "state"), [
    ({"ActionState": 1003, "Status": "agent offline"}, {"state": "running"}, "ContinueTask", 1001),
    ({"SnapTimes": 2}, {"state": "completed", "wait": False}, "CompleteTask", 1006),
    ({"ActionState": 1003, "LastSync": 1, "Status": "no quota"}, {"state": "completed"}, "CreateInstance", 1009),
])
def test_a_task_action_whose_answer_was_lost_is_read_back_and_not_sent_again(detail, options, action, state):
    client = LostAnswerClient(**detail)
    spec = TaskSpec()
    want = desired(spec, name="mig", **options)
    change = spec.plan(want, spec.read(client, want))
    after = spec.apply(client, change)
    assert client.sent == [action] and after["action_state"] == state


class LicenseClient:
    """Answers UpdateLicense with `answer` (a license's Data, or a MigrationError to raise)."""

    def __init__(self, answer):
        self.answer = answer
        self.keys = []

    def update_license(self, key):
        self.keys.append(key)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


LIVE_DATA = {"Id": L1, "Credits": 100, "Used": 2, "ExpireTime": "2999-01-01T00:00:00+00:00"}


def test_verifying_the_key_of_the_installed_license_is_no_change():
    spec = LicenseSpec()
    change = spec.plan(desired(spec, activation_key="KEY-0001-0002"), LIVE_LICENSE)
    client = LicenseClient(LIVE_DATA)
    assert spec.apply(client, change)["id"] == L1
    assert client.keys == ["KEY-0001-0002"] and change.action == NOOP and not change.changed


def test_verifying_a_key_of_another_license_is_a_change_with_its_diff():
    spec = LicenseSpec()
    change = spec.plan(desired(spec, activation_key="KEY-0001-0002"), LIVE_LICENSE)
    spec.apply(LicenseClient(dict(LIVE_DATA, Id=L2, Credits=50)), change)
    assert change.changed and change.diff() == {"before": {"id": L1, "credits": 100},
                                                "after": {"id": L2, "credits": 50}}


@pytest.mark.parametrize("live", [None, LIVE_LICENSE], ids=["none-installed", "one-installed"])
def test_a_key_the_platform_refuses_fails_naming_activation_key(live):
    spec = LicenseSpec()
    change = spec.plan(desired(spec, activation_key="WRONG"), live)
    refused = MigrationError("UpdateLicense: Invalid activation key.", "POST", "/MgntSetting", 200, code=-1,
                             action="UpdateLicense")
    caught = error_of(lambda: spec.apply(LicenseClient(refused), change))
    assert caught.option == "activation_key"
    assert caught.message == "the platform refuses this activation key: UpdateLicense: Invalid activation key."


def test_license_options(tmp_path):
    spec = LicenseSpec()
    assert error_of(lambda: desired(spec)).option == "activation_key"
    key_file = tmp_path / "key"
    key_file.write_text("KEY-FROM-FILE\n")
    both = error_of(lambda: desired(spec, activation_key="K", activation_key_file=str(key_file)))
    assert both.option == "activation_key" and "mutually exclusive" in both.message
    assert spec.key_text(desired(spec, activation_key_file=str(key_file))) == "KEY-FROM-FILE"
    assert error_of(lambda: desired(spec, activation_key_file=str(tmp_path / "none"))).option == "activation_key_file"
    assert spec.argument_spec()["activation_key"]["no_log"] is True


def test_expired_reads_rfc_3339():
    now = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
    assert expired("2020-01-10T16:10:10+08:00", now) and not expired("2027-01-10T16:10:10Z", now)


@pytest.mark.parametrize("password", ["short", "onlyletters", "12345678", "a" * 21])
def test_a_weak_new_password_fails_naming_the_option(password):
    spec = PasswordSpec()
    assert error_of(lambda: desired(spec, new_password=password)).option == "new_password"


def test_password_plans_mask_the_new_password():
    spec = PasswordSpec()
    want = desired(spec, new_password="n3w-pass")
    assert spec.plan(want, {"username": "admin", "password_set": True}).action == NOOP
    change = spec.plan(want, {"username": "admin", "password_set": False})
    assert change.action == UPDATE and change.diff()["after"] == {"new_password": SECRET_MASK}
    assert "state" not in spec.argument_spec() and spec.argument_spec()["new_password"]["no_log"] is True


# --- docs and registries ---------------------------------------------------------------------------------
def test_every_secret_option_is_no_log():
    for spec in SPECS:
        for name in spec.secret_fields():
            assert spec.argument_spec()[name]["no_log"] is True, (spec.kind, name)
    assert {s.kind for s in SPECS if s.secret_fields()} == {"migration_cloud_connection", "migration_vsphere_platform",
                                                             "migration_license", "migration_password"}


def test_the_info_module_options():
    spec = migration_info.argument_spec()
    subsets = {"license", "cloud_types", "cloud_connections", "transport_servers", "source_hosts", "vsphere_platforms",
               "vsphere_hosts", "tasks"}
    assert set(spec["gather_subset"]["choices"]) == subsets | {"all", "!all"} | {"!" + name for name in subsets}
    assert spec["gather_subset"]["default"] == ["all"]
    assert {"task", "cloud", "source_host", "task_free"} <= set(spec)


@pytest.mark.parametrize("given, chosen", [
    (None, migration_info.DEFAULT_SUBSETS),
    (["all"], migration_info.DEFAULT_SUBSETS),
    (["license", "tasks"], ["license", "tasks"]),
    (["!tasks", "!vsphere_hosts"], [s for s in migration_info.DEFAULT_SUBSETS if s not in ("tasks", "vsphere_hosts")]),
    (["all", "!license"], [s for s in migration_info.DEFAULT_SUBSETS if s != "license"]),
    (["!all"], []),
    (["!all", "license"], ["license"]),
    (["license", "!license"], []),
])
def test_gather_subset_takes_all_and_exclusions(given, chosen):
    assert migration_info.chosen_subsets(given) == chosen


def test_a_tasks_volumes_and_interfaces_are_declared_nested_options():
    spec = TaskSpec().argument_spec()
    assert spec["volumes"]["options"]["name"] == {"type": "str", "required": True, "no_log": False}
    assert sorted(spec["volumes"]["options"]) == ["cloud_volume_name", "name", "prealloc", "size", "type"]
    assert sorted(spec["net_interfaces"]["options"]["SubNets"]["options"]) == ["Ip", "SubnetId"]
    task = TaskSpec()
    given = task.validate(task.normalize({"name": "mig", "volumes": [{"name": "/dev/vda", "size": 40,
                                                                      "prealloc": "yes"}]}))
    assert given["volumes"] == [{"name": "/dev/vda", "size": 40, "prealloc": True}]
    assert volume_info(given["volumes"][0]) == {"VolumeName": "/dev/vda", "VolumeSize": "40", "PreAlloc": True}
