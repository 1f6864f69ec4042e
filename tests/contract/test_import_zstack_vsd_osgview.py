"""What `reconciler import` takes from ZStack, VSD and OSG view: each kind's `read_all` against its emulator.

For every importable kind, objects are made through the platform's client, then `read_all` must list exactly
them (converge's own records left out, what the platform made itself marked so), read only, page by page; and
the entry `entry_of` writes for each must plan no change against its live object and pass validation.
"""

from __future__ import annotations

import base64
import json

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd.snapshot import VM_OPTION
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.license import NOT_RECORDED_NOTE
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from ansible_collections.converge.platforms.plugins.module_utils.vsd import VsdClient
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient

import emulators
from emulators.zstack.base import format_date
from reconciler.desired.secrets import REFERENCED
from reconciler.platforms import kinds
from tests.support import writes

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
OTHER_VM = "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81"
NODE = "8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b"
#: a host the fixtures add, with the system tags ZStack writes on it when it connects
HOST = "fcf1965050b44058867a81dd96438975"
HOST_TAGS = ["os::distribution::CentOS", "capability::liveSnapshot"]
GC_IDLE, GC_DONE = "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8", "4d5e6f7a8b9c4ad1e2f3a4b5c6d7e8f9"
LICENSE = base64.b64encode(json.dumps({"licenseType": "Paid", "user": "acme", "hostNum": 64}).encode()).decode()
#: what a test puts in place of a `{env: NAME}` placeholder before validating an entry
PLACEHOLDER_VALUE = base64.b64encode(b"any license").decode()
VSD_CLUSTER = "650ea11b-b7fb-4269-8232-aa53865aab3b"
VSD_RUNNING_VM = "b6b0e5b9-dacd-432b-9b83-c3e89799009d"
VSD_STOPPED_VM = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
#: the kinds of these platforms that `read_all` cannot list
REFUSED = {"osgview_vm_group"}


@pytest.fixture
def zstack(tmp_path):
    """A fresh ZStack emulator whose jobs finish at once, with a host carrying inherent system tags."""
    fixtures = tmp_path / "zstack.yml"
    fixtures.write_text(yaml.safe_dump({"hosts": [{"uuid": HOST, "zoneUuid": "d4a9c3eef54c4e6fbbad5ecf7a8b9ca3",
                                                   "clusterUuid": "e5bad4ff065d4f7acc6e6fd08b9cadb4",
                                                   "systemTags": HOST_TAGS}]}), encoding="utf-8")
    handle = emulators.start("zstack", port=0, fixtures_file=str(fixtures), job_delay=0)
    yield handle
    handle.stop()


@pytest.fixture
def zclient(zstack):
    """A ZStack client reading pages of two rows, so that every listing takes several pages."""
    client = ZStackClient(zstack.url, "admin", "password", page_size=2)
    yield client
    client.close()


@pytest.fixture
def vsd():
    handle = emulators.start("vsd", port=0)
    yield handle
    handle.stop()


def listed(handle, spec, client, within=None):
    """`spec.read_all`, proving it wrote nothing."""
    handle.clear_requests()
    lives = spec.read_all(client, within)
    assert writes(handle.requests) == []
    return lives


def entries_kept(spec, lives):
    """Each live object's entry, after checking that it plans no change and validates (placeholders filled)."""
    entries = []
    for live in lives:
        entry = spec.entry_of(live)
        change = spec.plan(spec.normalize(entry), live)
        assert change.action == "noop", (entry, change.as_dict())
        filled = dict((key, PLACEHOLDER_VALUE if isinstance(value, dict) and list(value) == ["env"] else value)
                      for key, value in entry.items())
        spec.validate(spec.normalize(filled))
        entries.append(entry)
    return entries


def pages_read(handle, path):
    """The `start` of each page of `path` the log holds."""
    return [r["query"]["start"][0] for r in handle.requests if r["path"] == path]


def test_every_kind_is_listed_or_says_why_not():
    importable = {kind for kind, spec in kinds().items() if spec.platform in ("zstack", "vsd", "osgview")}
    assert importable - REFUSED == {"zstack_system_tag", "zstack_user_tag", "zstack_license", "zstack_gc_job",
                                    "zstack_long_job", "zstack_notification", "vsd_snapshot"}
    assert {kind for kind in importable if kinds()[kind].import_refusal} == {"vsd_snapshot", "osgview_vm_group"}


def test_user_tags_are_listed_without_converges_records(zstack, zclient):
    spec = kinds()["zstack_user_tag"]
    for resource_type, uuid, text in [("VmInstanceVO", VM, "env::prod"), ("VmInstanceVO", OTHER_VM, "team::db"),
                                      ("HostVO", HOST, "rack::r12"),
                                      ("VmInstanceVO", VM, "converge::owner::ops::user::env::prod"),
                                      ("ManagementNodeVO", NODE, "converge::license::0123abcd::4567ef89")]:
        zclient.create_tag("user", resource_type, uuid, text)
    lives = listed(zstack, spec, zclient)
    assert sorted(live["tag"] for live in lives) == ["env::prod", "rack::r12", "team::db"]
    assert pages_read(zstack, "/zstack/v1/user-tags") == ["0", "2", "4"]
    assert not any(spec.platform_made(live) for live in lives)
    assert sorted(entries_kept(spec, lives), key=lambda entry: entry["tag"]) == [
        {"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "env::prod"},
        {"resource_uuid": HOST, "resource_type": "HostVO", "tag": "rack::r12"},
        {"resource_uuid": OTHER_VM, "resource_type": "VmInstanceVO", "tag": "team::db"},
    ]


def test_system_tags_the_platform_wrote_are_inherent_and_platform_made(zstack, zclient):
    spec = kinds()["zstack_system_tag"]
    zclient.create_tag("system", "HostVO", HOST, "reservedMemory::1G")
    lives = listed(zstack, spec, zclient)
    made = dict((live["tag"], spec.platform_made(live)) for live in lives)
    assert made == {"os::distribution::CentOS": True, "capability::liveSnapshot": True, "reservedMemory::1G": False}
    assert [live["inherent"] for live in lives if live["tag"] == "reservedMemory::1G"] == [False]
    assert pages_read(zstack, "/zstack/v1/system-tags") == ["0", "2"]
    assert sorted(row["tag"] for row in zclient.query_tags("system", ["inherent=true"])) == sorted(HOST_TAGS)
    assert sorted(entries_kept(spec, lives), key=lambda entry: entry["tag"]) == [
        {"resource_uuid": HOST, "resource_type": "HostVO", "tag": text}
        for text in ("capability::liveSnapshot", "os::distribution::CentOS", "reservedMemory::1G")]


def test_a_fixture_host_lists_its_inherent_tags_as_strings(tmp_path):
    fixtures = tmp_path / "zstack.yml"
    fixtures.write_text(yaml.safe_dump({"hosts": [{"uuid": HOST, "systemTags": "os::distribution::CentOS"}]}),
                        encoding="utf-8")
    with pytest.raises(ValueError) as err:
        emulators.start("zstack", port=0, fixtures_file=str(fixtures))
    assert str(err.value) == "zstack fixtures: host %s: systemTags must be a list of strings" % HOST


def test_gc_jobs_are_platform_made_and_kept_as_they_are(zstack, zclient):
    spec = kinds()["zstack_gc_job"]
    zclient.trigger_gc_job(GC_DONE)
    lives = listed(zstack, spec, zclient)
    assert dict((live["uuid"], live["status"]) for live in lives) == {GC_IDLE: "Idle", GC_DONE: "Done"}
    assert all(spec.platform_made(live) for live in lives)
    assert sorted(entries_kept(spec, lives), key=lambda entry: entry["uuid"]) == [
        {"uuid": GC_IDLE, "name": "gc-delete-volume-bits-on-local-storage", "state": "present"},
        {"uuid": GC_DONE, "name": "gc-detach-data-volume", "state": "present"},
    ]
    with pytest.raises(SpecError, match=r"^uuid: no such GC job \(GC jobs cannot be created\)$"):
        spec.plan(spec.normalize({"uuid": "0" * 32, "state": "present"}), None)


def test_notifications_are_platform_made_and_keep_their_status(zstack, zclient):
    spec = kinds()["zstack_notification"]
    zclient.update_notifications_status(["1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"], "Read")
    lives = listed(zstack, spec, zclient)
    assert pages_read(zstack, "/zstack/v1/notifications") == ["0", "2"]
    assert all(spec.platform_made(live) for live in lives)
    assert sorted(entries_kept(spec, lives), key=lambda entry: entry["uuid"]) == [
        {"uuid": "0f1e2d3c4b5a49688796a5b4c3d2e1f0", "status": "Unread"},
        {"uuid": "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6", "status": "Read"},
        {"uuid": "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7", "status": "Unread"},
    ]


def test_long_jobs_are_entries_that_submit_them_again_as_they_were(zstack, zclient):
    spec = kinds()["zstack_long_job"]
    zclient.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", json.dumps({"volumeUuid": VM}), name="migrate-db",
                            description="move the db volume [converge:ops]", target_resource_uuid=VM)
    zclient.submit_long_job("APIExportImageMsg", '["a", "b"]', name="export")
    lives = listed(zstack, spec, zclient)
    assert sorted(entries_kept(spec, lives), key=lambda entry: entry["name"]) == [
        {"name": "export", "job_name": "APIExportImageMsg", "job_data": '["a", "b"]'},
        {"name": "migrate-db", "job_name": "APIPrimaryStorageMigrateVolumeMsg", "job_data": {"volumeUuid": VM},
         "description": "move the db volume", "target_resource_uuid": VM},
    ]


def test_long_jobs_are_the_newest_of_each_name_and_named_ones_only(zstack, zclient):
    spec = kinds()["zstack_long_job"]
    data = json.dumps({"volumeUuid": VM})
    # the emulator's clock stepped to the next 8:00 PM (UTC), whatever the time the test runs at
    zstack.advance_clock((20 * 3600 - zstack.now() % 86400) % 86400 or 86400)
    older = zclient.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", data, name="move")["uuid"]
    # a later job of the same day whose date, as text, sorts before the first one's ("10:... PM" < "8:... PM")
    zstack.advance_clock(2 * 3600)
    assert format_date(zstack.now()) < format_date(zstack.now() - 2 * 3600)
    newer = zclient.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", data, name="move")["uuid"]
    zclient.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", data)
    lives = listed(zstack, spec, zclient)
    assert [(live["name"], live["uuid"]) for live in lives] == [("move", newer)]
    assert spec.read(zclient, {"name": "move"})["uuid"] == newer != older


def test_a_license_is_its_placeholder_and_a_trial_is_platform_made(zstack, zclient):
    spec = kinds()["zstack_license"]
    trial = listed(zstack, spec, zclient)
    assert [(live["license_type"], spec.platform_made(live)) for live in trial] == [("Trial", True)]
    zclient.update_license(NODE, LICENSE)
    lives = listed(zstack, spec, zclient)
    assert [(live["license_type"], spec.platform_made(live)) for live in lives] == [("Paid", False)]
    variable = "CONVERGE_ZSTACK_LICENSE_%s_LICENSE" % NODE.upper()
    assert entries_kept(spec, lives) == [{"management_node_uuid": NODE, "license": {"env": variable}}]
    # as the reconciler checks the placeholder before reading it, and plans it while its variable is unset
    assert spec.validate(spec.normalize({"management_node_uuid": NODE, "license": REFERENCED}))["license"] == REFERENCED
    assert spec.plan(spec.normalize({"management_node_uuid": NODE}), lives[0]).action == "noop"
    # the license installed by hand left no fingerprint: the license the variable gives is installed again
    change = spec.plan(spec.normalize({"management_node_uuid": NODE, "license": LICENSE}), lives[0])
    assert (change.action, change.note) == ("update", NOT_RECORDED_NOTE)


def vsd_snapshot(client, vm, name, description="", memory=False):
    client.create_snapshot({"cluster_uuid": VSD_CLUSTER, "compute_uuid": vm}, name, description, memory)


def test_vsd_snapshots_are_listed_per_vm_given(vsd):
    spec = kinds()["vsd_snapshot"]
    client = VsdClient(vsd.url, page_size=2)
    vsd_snapshot(client, VSD_RUNNING_VM, "origin", "before the upgrade")
    vsd_snapshot(client, VSD_RUNNING_VM, "live", memory=True)
    vsd_snapshot(client, VSD_RUNNING_VM, "after")
    vsd_snapshot(client, VSD_STOPPED_VM, "db-base")
    within = [{"cluster_uuid": VSD_CLUSTER, "compute_uuid": VSD_RUNNING_VM},
              {"cluster_uuid": VSD_CLUSTER, "compute_uuid": VSD_STOPPED_VM}]
    lives = listed(vsd, spec, client, within)
    assert [r["query"]["page_number"] for r in vsd.requests] == [["1"], ["2"], ["1"]]
    scope = {"cluster_uuid": VSD_CLUSTER, "compute_uuid": VSD_RUNNING_VM}
    assert entries_kept(spec, lives) == [
        dict(scope, name="origin", description="before the upgrade"),
        dict(scope, name="live", memory=True),
        dict(scope, name="after"),
        {"cluster_uuid": VSD_CLUSTER, "compute_uuid": VSD_STOPPED_VM, "name": "db-base"},
    ]


@pytest.mark.parametrize("within", [None, []])
def test_vsd_snapshots_without_vms_name_the_option(vsd, within):
    spec = kinds()["vsd_snapshot"]
    assert spec.import_refusal == "VSD lists snapshots only per VM: give the VMs with %s (repeatable)" % VM_OPTION
    with pytest.raises(SpecError) as err:
        spec.read_all(VsdClient(vsd.url), within)
    assert str(err.value) == spec.import_refusal
    assert vsd.requests == []


def test_a_vsd_vm_needs_its_cluster_and_uuid(vsd):
    with pytest.raises(SpecError) as err:
        kinds()["vsd_snapshot"].read_all(VsdClient(vsd.url), [{"cluster_uuid": VSD_CLUSTER}])
    assert str(err.value).startswith("a VM to read snapshots of needs a cluster_uuid and a compute_uuid, got "
                                     "{'cluster_uuid': '%s'}; VSD lists snapshots only per VM" % VSD_CLUSTER)
    assert vsd.requests == []


def test_osgview_groups_cannot_be_listed_and_the_document_says_why():
    spec = kinds()["osgview_vm_group"]
    with pytest.raises(SpecError) as err:
        spec.read_all(object())  # a client without a single call: read_all calls none
    assert str(err.value) == spec.import_refusal
    assert spec.import_refusal.startswith("OSG view lists no groups: of its calls (gclone, gperpare, gstart, "
                                          "gconnent) only gclone gives a group's id")
    assert '"第一个接口返回的"' in spec.import_refusal
