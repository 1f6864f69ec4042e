"""Every write lands: after apply, the emulator's own state holds what the desired state says.

Generated over every kind of the registry, through the reconciler's library API (`writes.converge`): a
create holds every given field, an update the new value of each field the spec updates in place (and the
other fields keep theirs), a delete and a prune leave nothing, a kind's own states (refreshed, running,
current, triggered, reloaded, cancelled...) leave their effect in the state or the request log. The values
are read back from the emulator's model (`writes.WIRE`), never through a converge client or the plan.
"""

from __future__ import annotations

import copy
import datetime

import pytest

import emulators
from reconciler.platforms import kinds
from tests.contract.test_every_kind import KINDS
from tests.contract.writes import (
    BEFORE_DELETE,
    CREATE_WITH,
    NOT_UPDATED,
    UNSTORED,
    UPDATES,
    WIRE,
    converge,
    stored,
    updated_in_place,
    wrongly_held,
)

DELETABLE = [kind for kind in KINDS if "absent" in kinds()[kind].states]
PRUNABLE = [kind for kind in KINDS if kinds()[kind].ownership is not None]
FIRST_STATE = {"zstack_gc_job": "triggered"}


def site(platform_of, kind, needs=None):
    """An emulator of `kind`'s platform and a desired state of its own (the catalogue's entries copied, so a test
    may change them), with the entries of `needs` added."""
    platform = platform_of(kind)
    platform.resources = copy.deepcopy(platform.resources)
    for needed, items in (needs or {}).items():
        platform.resources.setdefault(needed, []).extend(copy.deepcopy(items))
    platform.write()
    return platform


def applied(platform, prune=False):
    """Converge the platform's desired state; fail naming what failed."""
    result = converge(platform, prune=prune)
    assert not result.failed, [o.as_dict().get("error") for o in result.report.failed] + result.plan.blocked
    return result


def held(platform, entry):
    """The object `entry` names, as the platform's emulator holds it (None when it holds none)."""
    return stored(platform.kind, platform.spec, platform.handle.state(), entry)


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_is_read_back_from_the_emulator_or_named_unstored(kind):
    spec = kinds()[kind]
    unstored = set(UNSTORED.get(kind, {}))
    assert set(WIRE[kind].fields) | unstored == set(spec.fields), "add the field to writes.WIRE or UNSTORED"
    assert not set(WIRE[kind].fields) & unstored


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_updated_in_place_has_a_new_value(kind):
    tested = [name for step in UPDATES.get(kind, []) for name in list(step)[:1]]
    tested += [name for known, name in NOT_UPDATED if known == kind]
    assert sorted(tested) == sorted(updated_in_place(kinds()[kind])), "add the field to writes.UPDATES"


@pytest.mark.parametrize("kind", KINDS)
def test_a_create_holds_every_given_field(kind, platform_of):
    platform = site(platform_of, kind)
    platform.resources[kind][0].update(CREATE_WITH.get(kind, {}))
    platform.write()
    entries = [entry for entry in platform.resources[kind] if entry.get("state", "present") == "present"]
    applied(platform)
    state = platform.handle.state()
    for entry in entries:
        assert wrongly_held(kind, platform.spec, state, entry) == {}, entry


@pytest.mark.parametrize("kind", sorted(UPDATES))
def test_an_update_holds_the_new_value_and_keeps_the_others(kind, platform_of):
    platform = site(platform_of, kind)
    applied(platform)
    entry = platform.resources[kind][0]
    for step in UPDATES[kind]:
        before = held(platform, entry)
        entry.update(step)
        platform.write()
        applied(platform)
        after = held(platform, entry)
        assert after is not None, f"{kind}: the object is gone after changing {step}"
        assert wrongly_held(kind, platform.spec, platform.handle.state(), step | {
            name: entry[name] for name in platform.spec.identity if name in entry}) == {}, step
        kept = {name: (before[name], after[name]) for name in before
                if name not in step and before[name] != after[name]}
        assert kept == {}, f"{kind}: changing {list(step)} also changed these fields"


def test_migration_cloud_connection_verify_checks_the_values_an_update_sends(platform_of):
    """With verify, the cloud checks the credentials an update would send: a wrong new password is refused
    before the write, and the platform keeps the old one."""
    platform = site(platform_of, "migration_cloud_connection")
    applied(platform)
    entry = platform.resources["migration_cloud_connection"][0]
    entry.update(cloud_password="not-the-password", verify=True)
    platform.write()
    result = converge(platform)
    errors = [outcome.as_dict().get("error") or "" for outcome in result.report.failed]
    # the run redacts the secret "password" wherever it appears, the platform's wording included
    refusal = "VerifyCloudConnection: Authentication failed on cloud 127.0.0.1: wrong user or "
    assert len(errors) == 1 and refusal in errors[0], errors
    assert held(platform, entry)["cloud_password"] == "password"


@pytest.mark.xfail(strict=True, reason=NOT_UPDATED[("opendcp_service", "cluster")])
def test_a_service_given_another_cluster_moves_there(platform_of):
    platform = site(platform_of, "opendcp_service", {"opendcp_cluster": [{"name": "batch", "desc": "batch jobs"}]})
    applied(platform)
    entry = platform.resources["opendcp_service"][0]
    entry["cluster"] = "batch"
    platform.write()
    applied(platform)
    state = platform.handle.state()
    clusters = {str(item["id"]): item["name"] for item in state["clusters"].values()}
    services = [(item["name"], clusters[str(item["cluster_id"])]) for item in state["services"].values()]
    assert services == [("frontend", "batch")]


def emptied_then_deleted(platform, entries, prune=False):
    """Apply what a kind's delete needs first (`BEFORE_DELETE`), then the deletion (`absent`, or prune)."""
    for entry in entries:
        entry.update(BEFORE_DELETE.get(platform.kind, {}))
    platform.write()
    applied(platform)
    if prune:
        platform.resources.pop(platform.kind)
    else:
        for entry in entries:
            entry["state"] = "absent"
    platform.write()
    applied(platform, prune=prune)


@pytest.mark.parametrize("kind", DELETABLE)
def test_a_delete_leaves_nothing(kind, platform_of):
    platform = site(platform_of, kind)
    entries = platform.resources[kind]
    for entry in entries:
        entry["state"] = FIRST_STATE.get(kind, platform.spec.states[0])
    platform.write()
    applied(platform)
    assert all(held(platform, entry) is not None for entry in entries)
    emptied_then_deleted(platform, entries)
    assert [entry for entry in entries if held(platform, entry) is not None] == []


@pytest.mark.parametrize("kind", PRUNABLE)
def test_a_prune_deletes_what_no_entry_names(kind, platform_of):
    platform = site(platform_of, kind)
    applied(platform)
    entries = platform.resources[kind]
    assert all(held(platform, entry) is not None for entry in entries)
    emptied_then_deleted(platform, entries, prune=True)
    assert [entry for entry in entries if held(platform, entry) is not None] == []


def write_state(platform, state, index=0, **options):
    """Set entry `index` of the platform's kind to `state` (with `options`) and apply it."""
    platform.resources[platform.kind][index].update(options, state=state)
    platform.write()
    platform.handle.clear_requests()
    applied(platform)


def sent(platform, action):
    """How many answered requests of the emulator's log called the platform action `action`."""
    return len([r for r in platform.handle.requests if r.get("action") == action and r["status"] == 200])


def emulated_time(platform, seconds):
    """The emulator's time `seconds` from now, as a migration task's start_time (UTC, to the minute)."""
    moment = datetime.datetime.fromtimestamp(platform.handle.now() + seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


def moved_on(platform, seconds):
    """Step the migration emulator's clock and move its tasks to the new time, as its next request would."""
    platform.handle.advance_clock(seconds)
    with platform.handle.app.lock:
        platform.handle.app.state.tick()


def migration_task_by_name(platform, name):
    """The migration emulator's task record named `name`."""
    (task,) = [t for t in platform.handle.state()["tasks"].values() if t["Config"]["Name"] == name]
    return task


def refreshed(action):
    """state=refreshed sends the platform's refresh action once per entry."""
    def check(platform):
        applied(platform)
        write_state(platform, "refreshed")
        assert sent(platform, action) == 1
    return check


def task_running(platform):
    """state=running resumes a task an offline host paused (ActionState 1003): ContinueTask, and it copies again."""
    name = platform.resources["migration_task"][0]["name"]
    platform.resources["migration_task"][0]["start_time"] = emulated_time(platform, 120)
    platform.write()
    applied(platform)
    platform.handle.app.set_agent_offline("127.0.0.11", True)
    moved_on(platform, 400)
    assert migration_task_by_name(platform, name)["ActionState"] == 1003
    platform.handle.app.set_agent_offline("127.0.0.11", False)
    write_state(platform, "running")
    assert sent(platform, "ContinueTask") == 1
    assert migration_task_by_name(platform, name)["ActionState"] != 1003


def task_completed(platform):
    """state=completed (without wait) after the first full copy: CompleteTask, and the task is completing."""
    name = platform.resources["migration_task"][0]["name"]
    platform.resources["migration_task"][0]["start_time"] = emulated_time(platform, 120)
    platform.write()
    applied(platform)
    moved_on(platform, 7200)
    assert not migration_task_by_name(platform, name)["Completing"]
    write_state(platform, "completed", wait=False)
    assert sent(platform, "CompleteTask") == 1
    assert migration_task_by_name(platform, name)["Completing"] is True


def snapshot_current(platform):
    """state=current rolls the VM back to the snapshot: the VM's head is the snapshot."""
    applied(platform)
    entries = platform.resources["vsd_snapshot"]
    heads = {vm["name"]: vm["head"] for vm in platform.handle.state()["vms"].values()}
    vms = [held(platform, entry)["compute_name"] for entry in entries]
    index = next(i for i, entry in enumerate(entries) if heads[vms[i]] != entry["name"])
    write_state(platform, "current", index)
    heads = {vm["name"]: vm["head"] for vm in platform.handle.state()["vms"].values()}
    assert heads[vms[index]] == entries[index]["name"]


def gc_job_triggered(platform):
    """state=triggered runs the GC job: its status is Done."""
    uuid = platform.resources["zstack_gc_job"][0]["uuid"]
    assert platform.handle.state()["gc_jobs"][uuid]["status"] != "Done"
    write_state(platform, "triggered")
    assert platform.handle.state()["gc_jobs"][uuid]["status"] == "Done"


def license_reloaded(platform):
    """state=reloaded reloads the license once."""
    applied(platform)
    before = platform.handle.state()["license"]["reloads"]
    write_state(platform, "reloaded")
    assert platform.handle.state()["license"]["reloads"] == before + 1


def long_job_cancelled(platform):
    """state=cancelled cancels the running job: the platform records when."""
    platform.handle.stop()  # an emulator whose jobs take an hour: still running when the cancel comes
    platform.handle = emulators.start("zstack", port=0, long_job_seconds=3600.0)
    write_state(platform, "submitted", wait=False)
    name = platform.resources["zstack_long_job"][0]["name"]
    (job,) = [j for j in platform.handle.state()["long_jobs"].values() if j["name"] == name]
    assert job["canceledAt"] is None
    write_state(platform, "cancelled", wait=False)
    assert platform.handle.state()["long_jobs"][job["uuid"]]["canceledAt"] is not None


#: (kind, state) -> what applying it must leave on the platform; every state beyond present/absent is here
STATE_EFFECTS = {
    ("migration_source_host", "refreshed"): refreshed("RefreshPackerHost"),
    ("migration_transport_server", "refreshed"): refreshed("RefreshTransportServer"),
    ("migration_vsphere_platform", "refreshed"): refreshed("RefreshVSPlatform"),
    ("migration_task", "running"): task_running,
    ("migration_task", "completed"): task_completed,
    ("vsd_snapshot", "current"): snapshot_current,
    ("zstack_gc_job", "triggered"): gc_job_triggered,
    ("zstack_license", "reloaded"): license_reloaded,
    ("zstack_long_job", "cancelled"): long_job_cancelled,
}
#: states the create and delete tests already cover
PLAIN_STATES = {"present", "absent", "submitted"}


def test_every_state_of_every_kind_has_its_effect_checked():
    states = {(kind, state) for kind in KINDS for state in kinds()[kind].states if state not in PLAIN_STATES}
    assert states == set(STATE_EFFECTS)


@pytest.mark.parametrize("kind, state", sorted(STATE_EFFECTS), ids=[f"{k}-{s}" for k, s in sorted(STATE_EFFECTS)])
def test_a_state_leaves_its_effect_on_the_platform(kind, state, platform_of):
    STATE_EFFECTS[(kind, state)](site(platform_of, kind))


def test_opendcp_pool_tasks_given_by_id_land(platform_of):
    """Task templates given by id instead of name: a new pool and an updated one hold the templates of those ids."""
    platform = site(platform_of, "opendcp_pool")
    applied(platform)
    template_ids = {item["name"]: int(key) for key, item in platform.handle.state()["templates"].items()}
    pools = platform.resources["opendcp_pool"]
    pools[0]["tasks"] = {"expand": template_ids["shrink-frontend"], "shrink": template_ids["expand-frontend"]}
    pools.append({"name": "by-id-pool", "service": "frontend", "desc": "task templates given by id", "vm_type": 1,
                  "sd_id": 1, "tasks": {"expand": template_ids["expand-frontend"],
                                        "deploy": template_ids["shrink-frontend"]}})
    platform.write()
    applied(platform)
    assert held(platform, pools[0])["tasks"] == {"expand": "shrink-frontend", "shrink": "expand-frontend"}
    assert held(platform, pools[1])["tasks"] == {"expand": "expand-frontend", "deploy": "shrink-frontend"}


def test_vsd_snapshot_rollback_restores_the_memory_a_snapshot_holds(platform_of):
    """state=current on a memory snapshot, memory left out: the rollback restores the memory (the snapshot's own
    default), so the VM comes back running; a rollback to a snapshot without memory, or with memory=false, leaves
    it shut down."""
    platform = site(platform_of, "vsd_snapshot")
    applied(platform)
    platform.handle.advance_clock(60)  # the memory snapshot's memory is saved
    entries = platform.resources["vsd_snapshot"]
    disk_only, with_memory = 0, 1  # the catalogue's two snapshots of test-templ
    vm_uuid = held(platform, entries[with_memory])["compute_uuid"]
    assert held(platform, entries[disk_only])["compute_uuid"] == vm_uuid
    write_state(platform, "current", disk_only, force=True)  # rolled back even where the VM's head is already it
    assert platform.handle.state()["vms"][vm_uuid]["power_state"] == "stopped"
    entries[disk_only].update(state="present", force=False)
    write_state(platform, "current", with_memory)
    vm = platform.handle.state()["vms"][vm_uuid]
    assert (vm["head"], vm["power_state"]) == (entries[with_memory]["name"], "running")
    write_state(platform, "current", with_memory, memory=False, force=True)  # the disks only: the VM shut down
    assert platform.handle.state()["vms"][vm_uuid]["power_state"] == "stopped"


def test_migration_task_whose_server_failed_gets_it_created_again(platform_of):
    """A task whose cloud server could not be created (the cloud's quota exceeded) and state=completed again with
    a smaller server: CreateInstance (not CompleteTask) with the new CPU, and the server exists."""
    platform = site(platform_of, "migration_task")
    entry = platform.resources["migration_task"][1]
    entry.update(start_time=emulated_time(platform, 120), cpu=40)
    platform.write()
    applied(platform)
    moved_on(platform, 7200)
    write_state(platform, "completed", 1, wait=False)
    moved_on(platform, 7200)
    assert migration_task_by_name(platform, entry["name"])["FailedStep"] == "recovery"
    write_state(platform, "completed", 1, wait=False, cpu=4)
    assert (sent(platform, "CreateInstance"), sent(platform, "CompleteTask")) == (1, 0)
    moved_on(platform, 7200)
    assert migration_task_by_name(platform, entry["name"])["Instance"]["Uses"]["CPU"] == 4
