"""Every write lands through the modules too: one play per kind creates its entry, changes one field in place
and deletes it, and after each task the emulator's own state (`GET /_emulator/state`, fetched by the play
itself) holds what the task said, read back through `writes.WIRE`."""

from __future__ import annotations

import pytest

import emulators
from emulators.opendcp.flows import RUNNING, STOPPED
from reconciler.platforms import kinds
from tests.contract.test_every_kind import entries_for
from tests.contract.test_modules import module_env, untemplated
from tests.contract.test_writes_land import FIRST_STATE, KINDS, applied, site
from tests.contract.writes import BEFORE_DELETE, UPDATES, stored, wrongly_held
from tests.support import run_playbook

pytestmark = pytest.mark.slow


def module_task(kind, options):
    """A task of the kind's module with `options`."""
    return {f"converge.platforms.{kind}": untemplated(options)}


def state_task(platform):
    """A task fetching the emulator's whole state, registered with the others."""
    return {"ansible.builtin.uri": {"url": platform.handle.url + "/_emulator/state", "return_content": True}}


def steps(kind, entry):
    """(what each module task sets, whether the object is then gone): the create, one update, what a delete
    needs first, the delete."""
    spec = kinds()[kind]
    created = dict(entry, state=FIRST_STATE.get(kind, spec.states[0]))
    result = [(created, False)]
    if UPDATES.get(kind):
        result.append((dict(created, **UPDATES[kind][0]), False))
    if kind in BEFORE_DELETE:
        result.append((dict(result[-1][0], **BEFORE_DELETE[kind]), False))
    if "absent" in spec.states:
        result.append((dict(result[-1][0], state="absent"), True))
    return result


@pytest.mark.parametrize("kind", KINDS)
def test_each_module_write_lands_in_the_emulator(kind, platform_of, tmp_path):
    platform = site(platform_of, kind)
    entry = platform.resources[kind][0]
    platform.resources = {k: v for k, v in platform.resources.items() if k != kind}
    platform.write()
    if platform.resources:
        applied(platform)  # what the entry depends on
    planned = steps(kind, entry)
    tasks = [task for options, _gone in planned for task in (module_task(kind, options), state_task(platform))]
    results = run_playbook(tasks, env=module_env(platform), workdir=tmp_path).results
    assert len(results) == len(tasks)
    for index, (options, gone) in enumerate(planned):
        done, state = results[2 * index], results[2 * index + 1]["json"]
        assert not done.get("failed"), (options, done.get("msg"))
        if gone:
            assert stored(kind, platform.spec, state, options) is None, options
        else:
            assert wrongly_held(kind, platform.spec, state, options) == {}, options


# --- the kinds only a module manages -----------------------------------------------------------------------
def test_migration_password_change_lands(platform_of, tmp_path):
    platform = platform_of("migration_license")
    task = module_task("migration_password", {"new_password": "N3w-admin-pw"})
    (done,) = run_playbook([task], env=module_env(platform), workdir=tmp_path).results
    assert not done.get("failed") and done["changed"] is True, done.get("msg")
    assert platform.handle.state()["account"]["Password"] == "N3w-admin-pw"


def test_vsd_volume_snapshot_rollback_lands(platform_of, tmp_path):
    """A shut-down VM's volume changed since its snapshot is rolled back to the snapshot's content."""
    platform = site(platform_of, "vsd_snapshot")
    applied(platform)
    state = platform.handle.state()
    stopped = {vm["name"]: vm for vm in state["vms"].values() if vm["power_state"] != "running"}
    of_vm = [(entry, stored("vsd_snapshot", platform.spec, state, entry)["compute_name"])
             for entry in platform.resources["vsd_snapshot"]]
    entry, vm = next((entry, stopped[name]) for entry, name in of_vm if name in stopped)
    volume = vm["disks"][0]["volume_uuid"]
    with platform.handle.app.lock:
        platform.handle.app.state.write_disk(vm["uuid"], volume, "changed")
    options = {"cluster_uuid": entry["cluster_uuid"], "compute_uuid": vm["uuid"], "snapshot": entry["name"]}
    (done,) = run_playbook([module_task("vsd_volume_snapshot_rollback", options)], env=module_env(platform),
                           workdir=tmp_path).results
    assert not done.get("failed") and done["changed"] is True, done.get("msg")
    assert platform.handle.state()["vms"][vm["uuid"]]["disks"][0]["content"] == "initial"


def test_opendcp_flow_states_land(platform_of, tmp_path):
    """A flow created, paused, started and stopped by the module: the emulator's flow after each task."""
    ship = {"name": "ship", "steps": [{"name": "greet", "param_values": {"echo_word": "v2"}}]}
    needs = dict(entries_for("opendcp_remote_step"), opendcp_task_template=[ship])
    platform = site(platform_of, "opendcp_pool_nodes", needs)
    platform.handle.stop()  # flows of 30 s a batch: each task finds the flow where the one before left it
    platform.handle = emulators.start("opendcp", port=0, flow_seconds=30)
    platform.write()
    applied(platform)
    flow = {"name": "rollout"}
    tasks = [module_task("opendcp_flow", dict(flow, template="ship", pool="static-pool", wait=False)),
             module_task("opendcp_flow", dict(flow, state="paused")),
             module_task("opendcp_flow", dict(flow, state="started", wait=False)),
             module_task("opendcp_flow", dict(flow, state="stopped"))]
    results = run_playbook([t for task in tasks for t in (task, state_task(platform))], env=module_env(platform),
                           workdir=tmp_path).results
    assert [r.get("msg") for r in results[::2] if r.get("failed")] == []
    flows = [list(result["json"]["flows"].values()) for result in results[1::2]]
    assert [(f["task_name"], f["template_name"], f["pool_name"]) for f in flows[0]] == [("rollout", "ship",
                                                                                        "static-pool")]
    assert [f[0]["state"] for f in flows] == [RUNNING, STOPPED, RUNNING, STOPPED]
