"""The VSD emulator over raw HTTP: the nine operations, their Output shapes, status codes and rules."""

from __future__ import annotations

import json

import pytest
import requests

import emulators
from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM, BUILTIN_STOPPED_VM, BUILTIN_TENANT
from tests.support import emulator_fixture

SNAP = "/v1/compute/vsd/snapshot"
VOLUME_ROLLBACK = "/v1/compute/volume/snapshot/rollback"
RUNNING = {"cluster_uuid": BUILTIN_CLUSTER, "tenant": BUILTIN_TENANT, "compute_uuid": BUILTIN_RUNNING_VM}
STOPPED = {"cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_STOPPED_VM}
OUTPUT_KEYS = {"scode", "desc", "message", "message_cn", "stack", "data"}
SNAPSHOT_KEYS = {"tenant", "tenant_name", "namespace", "uuid", "compute_uuid", "name", "description", "ctime",
                 "vm_detail", "screenshot_url", "domain_remote_url", "disk_snapshot_list", "attr"}


vsd = emulator_fixture("vsd", "A fresh VSD emulator whose memory snapshots take 0.3 s to save.",
                       memory_save_seconds=0.3)


def get(vsd, op, **params):
    response = requests.get(f"{vsd.url}{SNAP}/{op}", params=params, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def post(vsd, op, path=None, **body):
    response = requests.post(vsd.url + (path or f"{SNAP}/{op}"), json=body, timeout=10)
    assert response.status_code == 200
    return response.json()


def ok(envelope):
    """The data of a successful Output, after checking the envelope's shape."""
    assert set(envelope) == OUTPUT_KEYS
    assert envelope["scode"] == 0, envelope
    assert (envelope["message"], envelope["message_cn"]) == ("success", "成功")
    return envelope["data"]


def failed(envelope, scode=None):
    """A failed Output: non-zero scode, an English and a Chinese message."""
    assert set(envelope) == OUTPUT_KEYS
    assert envelope["scode"] != 0
    if scode is not None:
        assert envelope["scode"] == scode
    assert envelope["message"] and envelope["message"].isascii()
    assert envelope["message_cn"] and not envelope["message_cn"].isascii()
    return envelope


def create(vsd, scope, name, **extra):
    return ok(post(vsd, "create", **scope, name=name, **extra))


def head_name(vsd, scope):
    return ok(get(vsd, "tree", **scope))["tree"]["Parents"]["head"]


# --- create -----------------------------------------------------------------------------------
def test_create_makes_the_new_snapshot_a_child_of_the_head_and_the_head(vsd):
    assert create(vsd, RUNNING, "origin", description="first") == {}
    create(vsd, RUNNING, "second")
    tree = ok(get(vsd, "tree", **RUNNING))["tree"]
    assert tree["Parents"] == {"origin": "", "second": "origin", "head": "second"}
    assert ok(get(vsd, "head", **RUNNING))["name"] == "second"


def test_create_refuses_a_duplicate_name_and_the_reserved_name_head(vsd):
    create(vsd, RUNNING, "origin")
    assert failed(post(vsd, "create", **RUNNING, name="origin"))["scode"] == 20005
    failed(post(vsd, "create", **RUNNING, name="head"), 10001)
    failed(post(vsd, "create", **RUNNING, name=""), 10001)


def test_memory_snapshot_of_a_stopped_vm_is_refused(vsd):
    envelope = failed(post(vsd, "create", **STOPPED, name="mem", domain_memory=True), 20007)
    assert "running" in envelope["message"] and envelope["data"] is None
    assert vsd.state()["snapshots"][BUILTIN_STOPPED_VM] == {}


def test_memory_snapshot_is_unusable_until_its_memory_is_saved(vsd):
    create(vsd, RUNNING, "mem", domain_memory=True)
    snapshot = ok(get(vsd, "get", **RUNNING, name="mem"))
    assert snapshot["attr"]["domain_memory"] == "true" and snapshot["attr"]["memory_status"] == "saving"
    failed(post(vsd, "rollback", **RUNNING, name="mem", domain_memory=True), 20009)
    vsd.advance_clock(0.35)
    assert ok(get(vsd, "get", **RUNNING, name="mem"))["attr"]["memory_status"] == "ready"
    ok(post(vsd, "rollback", **RUNNING, name="mem", domain_memory=True))


def test_memory_snapshot_needs_the_tenants_memory_snapshot_space(tmp_path):
    fixtures = tmp_path / "vsd.yml"
    fixtures.write_text(json.dumps({"tenants": [{"uuid": BUILTIN_TENANT, "memory_snapshot": False}]}))
    with emulators.start("vsd", port=0, fixtures_file=str(fixtures)) as vsd:
        failed(post(vsd, "create", **RUNNING, name="mem", domain_memory=True), 20010)
        create(vsd, RUNNING, "disk-only")


def test_create_refuses_a_vm_with_disks_on_other_storage(tmp_path):
    fixtures = tmp_path / "vsd.yml"
    vm = {"uuid": "0c0c0c0c-1111-4222-8333-444455556666", "name": "lun-vm", "cluster_uuid": BUILTIN_CLUSTER,
          "power_state": "running", "disks": [{"volume_uuid": "0d0d0d0d-1111-4222-8333-444455556666", "drive": "sdc",
                                               "storage": "external"}]}
    fixtures.write_text(json.dumps({"vms": [vm]}))
    with emulators.start("vsd", port=0, fixtures_file=str(fixtures)) as vsd:
        scope = {"cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": vm["uuid"]}
        assert "sdc" in failed(post(vsd, "create", **scope, name="s"), 20011)["desc"]


def test_unknown_cluster_tenant_and_vm_are_errors_with_both_messages(vsd):
    missing = "00000000-0000-4000-8000-000000000000"
    failed(post(vsd, "create", **dict(RUNNING, cluster_uuid=missing), name="s"), 20001)
    failed(post(vsd, "create", **dict(RUNNING, tenant=missing), name="s"), 20002)
    failed(post(vsd, "create", **dict(RUNNING, compute_uuid=missing), name="s"), 20003)
    failed(get(vsd, "list", **dict(RUNNING, compute_uuid=missing), filter_name=""), 20003)
    failed(get(vsd, "tree", cluster_uuid=BUILTIN_CLUSTER), 10001)


def test_the_vm_can_be_named_by_compute_name(vsd):
    scope = {"cluster_uuid": BUILTIN_CLUSTER, "compute_name": "test-templ"}
    create(vsd, scope, "by-name")
    assert ok(get(vsd, "get", **RUNNING, name="by-name"))["compute_uuid"] == BUILTIN_RUNNING_VM
    failed(post(vsd, "create", cluster_uuid=BUILTIN_CLUSTER, compute_name="nope", name="s"), 20003)


# --- list / get / tree / head -----------------------------------------------------------------------
def test_list_has_the_documented_shape_filters_by_name_and_pages(vsd):
    for name in ("nightly-1", "nightly-2", "weekly-1", "nightly-3"):
        create(vsd, RUNNING, name)
    data = ok(get(vsd, "list", **RUNNING, filter_name=""))
    assert set(data) == {"list", "total_count"} and data["total_count"] == 4
    assert SNAPSHOT_KEYS <= set(data["list"][0])
    assert data["list"][0]["disk_snapshot_list"][0].keys() == {"VolumeUuid", "SnapshotUuid", "DiskDrive"}
    nightly = ok(get(vsd, "list", **RUNNING, filter_name="nightly", page_number=2, page_size=2))
    assert nightly["total_count"] == 3
    assert [s["name"] for s in nightly["list"]] == ["nightly-3"]
    # The document's example calls the page parameter page_num.
    assert [s["name"] for s in ok(get(vsd, "list", **RUNNING, filter_name="", page_num=1, page_size=1))["list"]] \
        == ["nightly-1"]
    failed(get(vsd, "list", **RUNNING, filter_name="", page_size="many"), 10001)


def test_get_answers_one_snapshot_and_an_error_for_a_missing_one(vsd):
    create(vsd, RUNNING, "origin", description="before upgrade")
    snapshot = ok(get(vsd, "get", **RUNNING, name="origin"))
    assert SNAPSHOT_KEYS <= set(snapshot)
    assert (snapshot["name"], snapshot["description"], snapshot["compute_uuid"]) == \
        ("origin", "before upgrade", BUILTIN_RUNNING_VM)
    assert snapshot["attr"] is None and isinstance(snapshot["ctime"], int)
    assert [d["DiskDrive"] for d in snapshot["disk_snapshot_list"]] == ["sda", "sdb"]
    failed(get(vsd, "get", **RUNNING, name="missing"), 20004)


def test_tree_has_the_documented_shape(vsd):
    tree = ok(get(vsd, "tree", **RUNNING))["tree"]
    assert tree == {"UUID": BUILTIN_RUNNING_VM, "Parents": {"head": ""}, "Children": {"": {"Children": ["head"]}}}
    create(vsd, RUNNING, "origin")
    tree = ok(get(vsd, "tree", **RUNNING))["tree"]
    assert tree["Parents"] == {"origin": "", "head": "origin"}
    assert tree["Children"] == {"": {"Children": ["origin"]}, "origin": {"Children": ["head"]}}


def test_head_is_an_error_before_the_first_snapshot(vsd):
    failed(get(vsd, "head", **RUNNING), 20004)
    create(vsd, RUNNING, "origin")
    assert SNAPSHOT_KEYS <= set(ok(get(vsd, "head", **RUNNING)))


# --- modify ---------------------------------------------------------------------------------
def test_modify_changes_the_description(vsd):
    create(vsd, RUNNING, "origin", description="old")
    assert ok(post(vsd, "modify", **RUNNING, name="origin", description="new")) == {}
    assert ok(get(vsd, "get", **RUNNING, name="origin"))["description"] == "new"
    failed(post(vsd, "modify", **RUNNING, name="missing", description="x"), 20004)


# --- rollback ---------------------------------------------------------------------------------
def test_rollback_moves_the_head_and_restores_disks_and_configuration(vsd):
    create(vsd, RUNNING, "origin")
    volume = vsd.state()["vms"][BUILTIN_RUNNING_VM]["disks"][0]["volume_uuid"]
    with vsd.app.lock:
        vsd.app.state.write_disk(BUILTIN_RUNNING_VM, volume, "changed")
        vsd.app.state.vms[BUILTIN_RUNNING_VM]["vcpu"] = 16
    create(vsd, RUNNING, "after")
    snapshot = ok(post(vsd, "rollback", **RUNNING, name="origin", domain_memory=False))
    assert snapshot["name"] == "origin" and SNAPSHOT_KEYS <= set(snapshot)
    assert head_name(vsd, RUNNING) == "origin"
    vm = vsd.state()["vms"][BUILTIN_RUNNING_VM]
    assert vm["disks"][0]["content"] == "initial" and vm["vcpu"] == 2
    assert vm["power_state"] == "stopped"  # no memory: the disks hold no running state
    tree = ok(get(vsd, "tree", **RUNNING))["tree"]
    assert tree["Children"]["origin"] == {"Children": ["after", "head"]}


def test_rollback_with_memory_brings_the_vm_back_running(vsd):
    create(vsd, RUNNING, "mem", domain_memory=True)
    vsd.advance_clock(0.35)
    with vsd.app.lock:
        vsd.app.state.set_power_state(BUILTIN_RUNNING_VM, "stopped")
    ok(post(vsd, "rollback", **RUNNING, name="mem", domain_memory=True))
    assert vsd.state()["vms"][BUILTIN_RUNNING_VM]["power_state"] == "running"


def test_rollback_to_a_missing_snapshot_is_an_error(vsd):
    failed(post(vsd, "rollback", **RUNNING, name="missing"), 20004)


# --- volume rollback --------------------------------------------------------------------------------
def test_volume_rollback_needs_a_shut_down_vm(vsd):
    create(vsd, RUNNING, "origin")
    disks = ok(get(vsd, "get", **RUNNING, name="origin"))["disk_snapshot_list"]
    envelope = failed(post(vsd, None, VOLUME_ROLLBACK, **RUNNING, disk_snapshot_list=disks), 20008)
    assert envelope["data"] is None


def test_volume_rollback_answers_a_batch_output_and_rolls_back_disk_data_only(vsd):
    create(vsd, STOPPED, "origin")
    disk = ok(get(vsd, "get", **STOPPED, name="origin"))["disk_snapshot_list"][0]
    with vsd.app.lock:
        vsd.app.state.write_disk(BUILTIN_STOPPED_VM, disk["VolumeUuid"], "changed")
        vsd.app.state.vms[BUILTIN_STOPPED_VM]["vcpu"] = 32
    create(vsd, STOPPED, "later")
    bogus = {"VolumeUuid": "0e0e0e0e-1111-4222-8333-444455556666", "SnapshotUuid": disk["SnapshotUuid"],
             "DiskDrive": "vdz"}
    batch = ok(post(vsd, None, VOLUME_ROLLBACK, **STOPPED, disk_snapshot_list=[disk, bogus]))
    assert (batch["success"], batch["fail"]) == (1, 1)
    first, second = batch["results"]
    assert ok(first) == disk
    assert failed(second, 20012)["data"] == bogus
    vm = vsd.state()["vms"][BUILTIN_STOPPED_VM]
    assert vm["disks"][0]["content"] == "initial"
    assert vm["vcpu"] == 32 and head_name(vsd, STOPPED) == "later"


def test_volume_rollback_needs_a_disk_snapshot_list(vsd):
    failed(post(vsd, None, VOLUME_ROLLBACK, **STOPPED, disk_snapshot_list=[]), 10001)
    bad = {"VolumeUuid": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "SnapshotUuid": "nope"}
    batch = ok(post(vsd, None, VOLUME_ROLLBACK, **STOPPED, disk_snapshot_list=[bad]))
    assert (batch["success"], batch["fail"]) == (0, 1)
    failed(batch["results"][0], 20013)


def test_volume_rollback_refuses_a_wrong_typed_disk_field_before_touching_any_volume(vsd):
    create(vsd, STOPPED, "origin")
    disk = vsd.state()["snapshots"][BUILTIN_STOPPED_VM]["origin"]["disks"][0]
    with vsd.app.lock:
        vsd.app.state.write_disk(BUILTIN_STOPPED_VM, disk["VolumeUuid"], "changed")
    good = {"VolumeUuid": disk["VolumeUuid"], "SnapshotUuid": disk["SnapshotUuid"], "DiskDrive": "vda"}
    answer = failed(post(vsd, None, VOLUME_ROLLBACK, **STOPPED, disk_snapshot_list=[good, dict(good, DiskDrive=5)]),
                    10001)
    assert answer["desc"] == "disk_snapshot_list[1].DiskDrive must be a string"
    assert vsd.state()["vms"][BUILTIN_STOPPED_VM]["disks"][0]["content"] == "changed"


def test_a_wrong_typed_snapshot_name_is_refused_naming_it(vsd):
    answer = failed(post(vsd, "create", **RUNNING, name=["origin"]), 10001)
    assert answer["desc"] == "name must be a string"
    assert vsd.state()["snapshots"][BUILTIN_RUNNING_VM] == {}


# --- delete -----------------------------------------------------------------------------------
def test_delete_is_refused_while_the_snapshot_has_two_children(vsd):
    create(vsd, RUNNING, "base")
    create(vsd, RUNNING, "left")
    ok(post(vsd, "rollback", **RUNNING, name="base"))
    create(vsd, RUNNING, "right")
    envelope = failed(post(vsd, "delete", **RUNNING, name="base"), 20006)
    assert "left" in envelope["desc"] and "right" in envelope["desc"]
    assert "base" in vsd.state()["snapshots"][BUILTIN_RUNNING_VM]


def test_the_current_state_counts_as_a_child_of_the_head(vsd):
    create(vsd, RUNNING, "base")
    create(vsd, RUNNING, "child")
    ok(post(vsd, "rollback", **RUNNING, name="base"))
    assert "head" in failed(post(vsd, "delete", **RUNNING, name="base"), 20006)["desc"]


def test_delete_with_one_child_reparents_it(vsd):
    for name in ("a", "b", "c"):
        create(vsd, RUNNING, name)
    assert ok(post(vsd, "delete", **RUNNING, name="b")) == {}
    assert ok(get(vsd, "tree", **RUNNING))["tree"]["Parents"] == {"a": "", "c": "a", "head": "c"}
    ok(post(vsd, "delete", **RUNNING, name="c"))  # the head: the VM's current state moves to its parent
    assert ok(get(vsd, "tree", **RUNNING))["tree"]["Parents"] == {"a": "", "head": "a"}
    ok(post(vsd, "delete", **RUNNING, name="a"))
    assert ok(get(vsd, "tree", **RUNNING))["tree"]["Parents"] == {"head": ""}
    failed(post(vsd, "delete", **RUNNING, name="a"), 20004)


# --- transport ----------------------------------------------------------------------------------
def test_unknown_paths_and_methods_answer_an_output_with_404_and_405(vsd):
    response = requests.get(f"{vsd.url}{SNAP}/nothing", timeout=10)
    assert response.status_code == 404 and failed(response.json(), 10004)
    response = requests.get(f"{vsd.url}{SNAP}/create", timeout=10)
    assert response.status_code == 405 and failed(response.json(), 10005)
    response = requests.post(f"{vsd.url}{SNAP}/create", data=b"{not json", timeout=10)
    assert response.status_code == 200 and failed(response.json(), 10001)


def test_control_api_resets_and_state_persists(tmp_path):
    state_file = tmp_path / "vsd.json"
    with emulators.start("vsd", port=0, state_file=str(state_file)) as vsd:
        create(vsd, RUNNING, "kept")
        assert requests.get(f"{vsd.url}/_emulator/state", timeout=10).json()["snapshots"][BUILTIN_RUNNING_VM]
    with emulators.start("vsd", port=0, state_file=str(state_file)) as vsd:
        assert ok(get(vsd, "head", **RUNNING))["name"] == "kept"
        assert requests.post(f"{vsd.url}/_emulator/reset", timeout=10).status_code == 200
        assert vsd.state()["snapshots"][BUILTIN_RUNNING_VM] == {}


def test_the_registry_knows_the_platform():
    assert emulators.PLATFORMS["vsd"] == ("emulators.vsd.api", "VsdEmulator", 18081)


def test_the_shipped_fixtures_add_clusters_tenants_and_vms():
    fixtures = emulators.__path__[0] + "/vsd/fixtures.yml"
    with emulators.start("vsd", port=0, fixtures_file=fixtures) as vsd:
        state = vsd.state()
        assert len(state["clusters"]) == 2 and len(state["vms"]) == 4
        lab = {"cluster_uuid": "8e2f6a1c-3b4d-4c5e-9f60-7a8b9c0d1e2f", "compute_name": "lab-desktop"}
        failed(post(vsd, "create", **lab, name="m", domain_memory=True), 20010)
        lun = {"cluster_uuid": BUILTIN_CLUSTER, "compute_name": "lun-vm"}
        failed(post(vsd, "create", **lun, name="s"), 20011)


def test_fixtures_naming_an_unknown_cluster_are_refused(tmp_path):
    fixtures = tmp_path / "vsd.yml"
    fixtures.write_text(json.dumps({"vms": [{"uuid": "x", "cluster_uuid": "nowhere"}]}))
    with pytest.raises(ValueError, match="unknown cluster"):
        emulators.start("vsd", port=0, fixtures_file=str(fixtures))
