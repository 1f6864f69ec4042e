"""The migration model's rules, without HTTP: tokens, license credits, the task timeline, UpdateTask locks."""

from __future__ import annotations

import random
import uuid

import pytest

from emulators.migration.state import (
    BUILTIN_BIG_FLAVOR,
    BUILTIN_FLAVOR,
    BUILTIN_NETWORK,
    BUILTIN_SUBNET,
    BUILTIN_SUBNET_2,
    AuthFailure,
    MigrationFailure,
    MigrationState,
    Settings,
    check_new_password,
    format_time,
    license_id,
    parse_time,
)

START = 1_800_000_000.0
STEP = 5.0


class Clock:
    def __init__(self):
        self.t = START

    def now(self):
        return self.t


@pytest.fixture
def clock():
    return Clock()


def make_state(clock, fixtures=None, **settings):
    rng = random.Random(1)
    state = MigrationState(Settings(**{"task_seconds": STEP, **settings}), clock.now,
                           lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    state.load(fixtures or {}, "admin", "password")
    return state


@pytest.fixture
def state(clock):
    return make_state(clock)


@pytest.fixture
def world(state):
    cloud = state.add_cloud({"CloudName": "cloud1", "CloudType": "openstack", "CloudUser": "admin",
                             "CloudPass": "password", "CloudAddr": "127.0.0.1"})
    target = state.add_transport({"ServType": "Cloud", "Name": "t-cloud", "CloudId": cloud, "MgntAddr": "127.0.0.2"})
    source = state.add_transport({"ServType": "On-Premises", "Name": "t-local", "MgntAddr": "127.0.0.3"})
    host = state.add_packer_host({"Name": "web01", "TransId": source, "MgntAddr": "127.0.0.11"})
    return {"cloud": cloud, "target": target, "source": source, "host": host}


def prepare(state, world, **extra):
    body = {"Name": "task1", "HostId": world["host"], "CloudId": world["cloud"], "TargetTransId": world["target"],
            "IntervalMinutes": 10, "MaxSnapsNum": 2, "FlavorId": BUILTIN_FLAVOR, "NetworkId": BUILTIN_NETWORK,
            "SubnetId": BUILTIN_SUBNET}
    body.update(extra)
    return state.prepare_task(body)


def at(state, clock, seconds):
    """Move the clock on and let the tasks catch up, as every request does."""
    clock.t += seconds
    state.tick()


def action_state(state, task_id):
    return state.tasks[task_id]["ActionState"]


# --- helpers -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("password", ["abc123", "abc!def", "123-456", "Aa1!Aa1!Aa1!Aa1!Aa1!"])
def test_new_passwords_with_two_kinds_of_characters_are_accepted(password):
    assert check_new_password(password) == password


@pytest.mark.parametrize("password, reason", [("abcdefgh", "at least two"), ("12345678", "at least two"),
                                              ("a1", "6-20"), ("a1" * 11, "6-20"), (None, "6-20")])
def test_weak_new_passwords_are_refused(password, reason):
    with pytest.raises(MigrationFailure, match=reason):
        check_new_password(password)


def test_times_parse_with_or_without_seconds_as_utc():
    assert parse_time("2027-01-15 08:30", "StartTime") == parse_time("2027-01-15 08:30:00", "StartTime")
    assert format_time(parse_time("2027-01-15 08:30:05", "StartTime")) == "2027-01-15 08:30:05"
    with pytest.raises(MigrationFailure, match="StartTime 'tomorrow' is not a time"):
        parse_time("tomorrow", "StartTime")


# --- tokens ------------------------------------------------------------------------------------------
def test_tokens_expire_and_reauth_keeps_the_old_token_until_its_own_expiry(clock):
    state = make_state(clock, token_seconds=100)
    with pytest.raises(MigrationFailure, match="UserName or Password is wrong"):
        state.login("admin", "wrong")
    first = state.login("admin", "password")["Token"]
    clock.t += 60
    second = state.reauth(first)["Token"]
    state.check_token(first)
    clock.t += 50
    with pytest.raises(AuthFailure):
        state.check_token(first)
    state.check_token(second)
    with pytest.raises(AuthFailure):
        state.reauth(first)
    state.expire_tokens()
    with pytest.raises(AuthFailure):
        state.check_token(second)


def test_change_password_ends_first_login(state):
    assert state.login("admin", "password")["IsFirstLogin"] is True
    state.change_password("admin", "password", "n3w-pass")
    assert state.login("admin", "n3w-pass")["IsFirstLogin"] is False


# --- license credits ----------------------------------------------------------------------------------
def test_a_task_takes_a_credit_and_deleting_it_unfinished_gives_it_back(state, world):
    task_id = prepare(state, world)
    assert state.get_license()["Used"] == 1
    state.delete_task(task_id)
    assert state.get_license()["Used"] == 0


def test_deleting_a_completed_task_keeps_its_credit_used(state, clock, world):
    task_id = prepare(state, world)
    at(state, clock, STEP)
    state.complete_task(task_id)
    for _ in range(5):
        at(state, clock, STEP)
    assert action_state(state, task_id) == 1009
    state.delete_task(task_id)
    assert state.get_license()["Used"] == 1
    assert state.host_task(world["host"]) is None


def test_license_from_fixtures_and_activation_keys(clock):
    state = make_state(clock, {"license": {"credits": 1, "days": 1},
                               "activation_keys": {"lab-key": {"credits": 7, "days": 30}}})
    assert state.get_license()["Credits"] == 1
    assert state.update_license("lab-key")["Credits"] == 7
    assert state.update_license("ABCDEFGH-12345678")["Id"] == license_id("ABCDEFGH-12345678")
    with pytest.raises(MigrationFailure, match="Invalid activation key"):
        state.update_license("x")
    assert make_state(clock, {"license": None}).get_license() is None


def test_refused_tasks_take_no_credit(state, world):
    state.license["Credits"] = 0
    with pytest.raises(MigrationFailure, match="No migration credits left"):
        prepare(state, world)
    assert state.tasks == {} and state.get_license()["Used"] == 0


# --- the task timeline ---------------------------------------------------------------------------------
def test_a_task_waits_for_its_start_time_then_copies_every_interval(state, clock, world):
    task_id = prepare(state, world, StartTime=format_time(START + 120)[:16])
    task = state.tasks[task_id]
    assert (task["ActionState"], task["SnapTimes"], state.progress(task)) == (1000, 0, 0.0)
    at(state, clock, 120)
    assert (task["ActionState"], task["SnapTimes"]) == (1001, 1)
    at(state, clock, 2)
    assert state.progress(task) == pytest.approx(40.0)
    at(state, clock, 3)
    assert (task["ActionState"], state.progress(task)) == (1002, 100.0)
    at(state, clock, 595)
    assert (task["ActionState"], task["SnapTimes"]) == (1001, 2)
    at(state, clock, 3 * 600)
    assert task["SnapTimes"] == 5 and len(state.snapshots(task_id)) == 2  # MaxSnapsNum 2


def test_complete_needs_the_first_full_copy(state, clock, world):
    task_id = prepare(state, world)
    at(state, clock, 1)
    with pytest.raises(MigrationFailure, match="first full data copy has not finished"):
        state.complete_task(task_id)
    at(state, clock, STEP)
    state.complete_task(task_id)
    task = state.tasks[task_id]
    assert (task["LastSync"], task["SnapTimes"], task["ActionState"]) == (2, 2, 1001)


def test_complete_during_a_copy_waits_for_it_with_last_sync_1(state, clock, world):
    task_id = prepare(state, world)
    at(state, clock, 600 + 1)  # the second copy runs
    task = state.tasks[task_id]
    assert task["SnapTimes"] == 2 and task["ActionState"] == 1001
    state.complete_task(task_id)
    assert task["LastSync"] == 1
    at(state, clock, STEP)
    assert (task["LastSync"], task["SnapTimes"]) == (2, 3)
    states = []
    for _ in range(4):
        at(state, clock, STEP)
        states.append(task["ActionState"])
    assert states == [1006, 1007, 1008, 1009]
    assert state.instance(task_id)["Name"] == "web01"
    assert [h["Number"] for h in state.history(task_id)][-2:] == [1005, 1009]


def test_an_offline_host_fails_the_copy_and_continue_restarts_it(state, clock, world):
    task_id = prepare(state, world, StartTime=format_time(START + 60))
    state.set_agent_offline("127.0.0.11", True)
    at(state, clock, 60)
    assert action_state(state, task_id) == 1003
    with pytest.raises(MigrationFailure, match="still offline"):
        state.continue_task(task_id)
    state.set_agent_offline("127.0.0.11", False)
    state.continue_task(task_id)
    assert (action_state(state, task_id), state.tasks[task_id]["SnapTimes"]) == (1001, 1)


def test_a_recovery_beyond_the_quota_fails_and_create_instance_retries_it(state, clock, world):
    task_id = prepare(state, world, FlavorId=BUILTIN_BIG_FLAVOR)
    at(state, clock, STEP)
    state.complete_task(task_id)
    for _ in range(5):
        at(state, clock, STEP)
    assert action_state(state, task_id) == 1003
    assert "quota exceeded (CPU, Memory)" in state.tasks[task_id]["Status"]
    state.continue_task(task_id)  # the same flavour fails again
    at(state, clock, STEP)
    assert action_state(state, task_id) == 1003
    state.create_instance({"Id": task_id, "FlavorId": BUILTIN_FLAVOR})
    at(state, clock, STEP)
    assert action_state(state, task_id) == 1009
    assert state.quota(world["cloud"]) == {"CPU": 30, "Memory": 60, "Disk": 2000 - 140}


# --- UpdateTask ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("offset, allowed", [(-120, True), (-61, True), (-59, False), (0, False), (59, False),
                                             (61, True)])
def test_schedule_fields_are_locked_within_60_s_of_the_start(state, clock, world, offset, allowed):
    task_id = prepare(state, world, StartTime=format_time(START + 600))
    clock.t = START + 600 + offset
    if allowed:
        state.update_task({"Id": task_id, "MaxSnapNum": 4})
        assert state.tasks[task_id]["Config"]["MaxSnapNum"] == 4
    else:
        with pytest.raises(MigrationFailure, match="within 60 seconds"):
            state.update_task({"Id": task_id, "MaxSnapNum": 4})


def test_sending_current_values_is_no_change(state, world):
    task_id = prepare(state, world)
    config = dict(state.tasks[task_id]["Config"])
    state.update_task({"Id": task_id, "IntervalMinutes": 10, "MaxSnapNum": 2, "StartTime": config["StartTime"]})
    assert state.tasks[task_id]["Config"] == config


def test_target_fields_lock_once_recovery_is_reached(state, clock, world):
    task_id = prepare(state, world)
    state.update_task({"Id": task_id, "SubnetId": BUILTIN_SUBNET_2})
    at(state, clock, STEP)
    state.complete_task(task_id)
    at(state, clock, STEP)
    assert action_state(state, task_id) == 1006
    state.update_task({"Id": task_id, "SubnetId": BUILTIN_SUBNET})  # v2v is before 1007
    at(state, clock, STEP)
    assert action_state(state, task_id) == 1007
    with pytest.raises(MigrationFailure, match="FlavorId cannot be changed"):
        state.update_task({"Id": task_id, "FlavorId": BUILTIN_BIG_FLAVOR})
    state.update_task({"Id": task_id, "Name": "renamed"})


def test_changing_the_interval_moves_the_next_copy(state, clock, world):
    task_id = prepare(state, world)
    at(state, clock, 61)
    state.update_task({"Id": task_id, "IntervalMinutes": 2})
    at(state, clock, 60)
    assert state.tasks[task_id]["SnapTimes"] == 2


# --- references between objects ---------------------------------------------------------------------
def test_deletions_are_refused_while_something_depends_on_the_object(state, world):
    with pytest.raises(MigrationFailure, match="has Transport servers"):
        state.delete_cloud(world["cloud"])
    with pytest.raises(MigrationFailure, match="has source hosts"):
        state.delete_transport(world["source"])
    task_id = prepare(state, world)
    with pytest.raises(MigrationFailure, match="used by unfinished tasks"):
        state.delete_transport(world["target"])
    with pytest.raises(MigrationFailure, match="in a migration task"):
        state.delete_packer_host(world["host"])
    state.delete_task(task_id)
    state.delete_packer_host(world["host"])
    state.delete_transport(world["source"])


def test_a_full_transport_refuses_more_tasks(state, world):
    state.transports[world["target"]]["MaxSupportedTasks"] = 1
    prepare(state, world)
    state.add_packer_host({"Name": "win01", "TransId": world["source"], "MgntAddr": "127.0.0.12"})
    win = next(h for h in state.hosts.values() if h["Name"] == "win01")
    with pytest.raises(MigrationFailure, match="maximum of 1 tasks"):
        prepare(state, world, Name="task2", HostId=win["Id"], TargetServerName="win01")


def test_hosts_that_cannot_migrate_are_refused(clock):
    fixtures = {"packer_agents": [{"uuid": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d", "address": "127.0.0.14",
                                   "can_not_migrate": True, "cnm_reason": "unsupported kernel",
                                   "volumes": [{"Path": "/dev/sda", "Capacity": 1024, "UseType": "root"}]}]}
    state = make_state(clock, fixtures)
    cloud = state.add_cloud({"CloudName": "c1", "CloudType": "Huayun", "CloudUser": "admin", "CloudPass": "password",
                             "CloudAddr": "127.0.0.1"})
    target = state.add_transport({"ServType": "cloud", "Name": "t", "CloudId": cloud, "MgntAddr": "127.0.0.2"})
    host = state.add_packer_host({"Name": "old", "TransId": target, "MgntAddr": "127.0.0.14"})
    with pytest.raises(MigrationFailure, match="cannot be migrated: unsupported kernel"):
        prepare(state, {"host": host, "cloud": cloud, "target": target})


# --- fixtures and persistence --------------------------------------------------------------------------
def test_fixtures_extend_the_built_in_catalogue(clock):
    state = make_state(clock, {"cloud_endpoints": [{"uuid": "e1", "address": "127.0.0.50",
                                                    "credentials": {"ak": "sk"},
                                                    "flavors": [{"ID": "f1", "Name": "tiny", "vCPU": 1, "Ram": 512}]}]})
    assert state.endpoint_at("127.0.0.50", "ak", "sk")["flavors"][0]["Name"] == "tiny"
    assert state.endpoint_at("127.0.0.1", "admin", "password")  # the built-in cloud is still there
    with pytest.raises(ValueError, match="needs an 'address'"):
        make_state(clock, {"transport_agents": [{"uuid": "t9"}]})
    with pytest.raises(ValueError, match="must be a list"):
        make_state(clock, {"packer_agents": {"uuid": "x"}})


def test_export_and_restore_round_trip(state, clock, world):
    task_id = prepare(state, world)
    exported = state.export()
    other = make_state(clock)
    other.restore(exported)
    assert other.task_detail(task_id)["Name"] == "task1"
    assert other.get_license()["Used"] == 1
    with pytest.raises(ValueError, match="unsupported migration state format"):
        other.restore({**exported, "format": 99})


def test_the_shipped_fixtures_file_loads(clock):
    from pathlib import Path

    from emulators.common.app import EmulatorApp

    path = Path(__file__).resolve().parents[2] / "emulators" / "migration" / "fixtures.yml"
    state = make_state(clock, EmulatorApp.load_fixtures(str(path)))
    assert state.get_license()["Credits"] == 20
    assert state.update_license("LAB-KEY-0001")["Credits"] == 5
    assert state.endpoint_by_credentials("ak-lab", "sk-lab")["regions"] == [{"Name": "上海", "ID": "cn-shanghai1"}]
    assert state.packer_agent("127.0.0.15")["can_not_migrate"] is True
    assert len(state.vsphere_endpoints) == 2
