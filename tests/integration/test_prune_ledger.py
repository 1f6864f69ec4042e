"""Prune through the ledger: the kinds whose objects hold no marker (VSD snapshots, every migration object, OpenDCP
pool nodes and action implementations) are pruned from the owner's ledger, children before parents, with the file
backend and with PostgreSQL; what the ledger does not name is never touched (reconciler/ledger_owned.py)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import yaml

from reconciler.api import Options, apply, plan, reconcile
from reconciler.guardrails import Refused
from reconciler.state import open_backend
from tests.contract.platforms import endpoint
from tests.contract.test_import_zstack_vsd_osgview import vsd  # noqa: F401  (the fixture)
from tests.integration.test_prune import opendcp  # noqa: F401  (the fixture)
from tests.integration.test_state_wiring import migration, state  # noqa: F401  (the fixtures; state: file, PostgreSQL)
from tests.support import run_cli, writes

pytestmark = pytest.mark.slow

OWNER = "team-a"
CLUSTER = "650ea11b-b7fb-4269-8232-aa53865aab3b"
VM_UUID = "b6b0e5b9-dacd-432b-9b83-c3e89799009d"
LICENSE = {"activation_key": "CONVERGE-EXAMPLE-KEY-2030", "license_id": "b1b9dccc-ffcb-5512-9dcf-9366e302f6c7"}
CONNECTION = {"name": "openstack-prod", "cloud_type": "Openstack", "project_name": "admin", "cloud_user": "admin",
              "cloud_password": "password", "address": "127.0.0.1", "identity_port": 5000}
SERVER = {"name": "transport-cloud", "server_type": "Cloud", "cloud": "openstack-prod", "address": "127.0.0.2"}
MIGRATION = {
    "migration_license": [LICENSE],
    "migration_cloud_connection": [CONNECTION],
    "migration_transport_server": [SERVER],
    "migration_source_host": [{"name": "web-01", "transport_server": "transport-cloud", "address": "127.0.0.11"}],
    "migration_vsphere_platform": [{"name": "vcenter-dc1", "address": "127.0.0.21",
                                    "vsphere_username": "administrator@vsphere.local", "vsphere_password": "password",
                                    "transport_server": "transport-cloud"}],
    "migration_task": [{"name": "migrate-web-01", "source_host": "web-01", "cloud": "openstack-prod",
                        "target_transport_server": "transport-cloud", "start_time": "2030-01-01 22:00",
                        "interval_minutes": 60, "max_snapshots": 3, "flavor_id": "7f3e2d1c-0b9a-4876-9543-210fedcba987",
                        "network_id": "3a90ae79-9b69-4b79-b7b9-5ad5f105bfd5",
                        "subnet_id": "2d6e3002-410e-4dd2-98cd-04c7f310a4d0", "target_server_name": "web-01-cloud"}],
}
#: a snapshot named by the VM's uuid, one by the VM's name (the ledger keeps each under the identity its entry gave)
SNAPSHOTS = [{"cluster_uuid": CLUSTER, "compute_uuid": VM_UUID, "name": "baseline"},
             {"cluster_uuid": CLUSTER, "compute_name": "db-01", "name": "nightly"}]
OPENDCP_KEPT = {
    "opendcp_cluster": [{"name": "web", "desc": "web"}],
    "opendcp_service": [{"name": "frontend", "cluster": "web", "service_type": "java", "docker_image": "img:1"}],
    "opendcp_pool": [{"name": "frontend-pool", "service": "frontend", "vm_type": 1, "sd_id": 1}],
    "opendcp_action": [{"name": "echo", "params": {"echo_word": "string"}}],
}
OPENDCP_PRUNED = {
    "opendcp_pool_nodes": [{"pool": "frontend-pool", "nodes": ["127.0.0.31", "127.0.0.32"]}],
    "opendcp_actimpl": [{"action": "echo", "template": {"action": {"module": "shell", "args": "echo {{echo_word}}"}}}],
}


def site(path: Path, handles: dict, resources: dict, owner: str = OWNER, settings: dict | None = None) -> str:
    """A desired state of `resources` on the emulators `handles` (platform -> handle), written to `path`."""
    endpoints = {name: endpoint(name, handle.url) for name, handle in handles.items()}
    path.write_text(yaml.safe_dump({"version": 1, "endpoints": endpoints,
                                    "settings": {"owner": owner, "inline_secrets": True, **(settings or {})},
                                    "resources": resources}, sort_keys=False), encoding="utf-8")
    return str(path)


def by_hand(tmp_path: Path, handles: dict, resources: dict) -> str:
    """The desired state of another owner, in a directory of its own, that makes objects as a person would: none
    of them is in team-a's ledger."""
    (tmp_path / "hand").mkdir(exist_ok=True)
    return site(tmp_path / "hand" / "hand.yml", handles, resources, owner="someone")


def named(handle, table: str, key: str = "Name") -> list[str]:
    """The names of the objects of an emulator's table."""
    return sorted(item[key] for item in handle.state()[table].values())


def snapshots(handle) -> list[str]:
    """Every snapshot of the VSD emulator, as `vm/name`."""
    return sorted(f"{vm}/{name}" for vm, by_name in handle.state()["snapshots"].items() for name in by_name)


def ledger_kinds(url: str, root: Path) -> list[str]:
    """The kinds of the owner's ledger entries."""
    with open_backend(url, root) as backend:
        return sorted(entry.kind for entry in backend.ledger(OWNER))


def add_nodes_by_hand(handle, pool_id: int, nodes: list[str]) -> None:
    """Add nodes to a pool straight through the OpenDCP API, as a person would."""
    request = urllib.request.Request(f"{handle.url}/pool/{pool_id}/add_nodes", json.dumps({"nodes": nodes}).encode(),
                                     {"Content-Type": "application/json", "Authorization": "someone"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.load(answer)["code"] == 0


def before(order: list[str], first: str, then: str) -> bool:
    """Whether the request `first` was sent before `then`, both sent."""
    return first in order and then in order and order.index(first) < order.index(then)


def test_prune_deletes_exactly_the_ledgers_objects_children_first(state, migration, vsd, opendcp, tmp_path):  # noqa: F811
    handles = {"migration": migration, "vsd": vsd, "opendcp": opendcp}
    path = tmp_path / "site.yml"
    full = {**MIGRATION, "vsd_snapshot": SNAPSHOTS, **OPENDCP_KEPT, **OPENDCP_PRUNED}
    assert not reconcile(Options([site(path, handles, full)], apply=True, state=state)).failed
    # made by hand (another owner, another state): the same kinds, in no ledger of team-a
    hand = {"migration_cloud_connection": [dict(CONNECTION, name="hand-cloud")],
            "migration_transport_server": [{"name": "hand-dc", "server_type": "On-Premises", "address": "127.0.0.3"}],
            "vsd_snapshot": [{"cluster_uuid": CLUSTER, "compute_uuid": VM_UUID, "name": "by-hand"}]}
    assert not reconcile(Options([by_hand(tmp_path, handles, hand)], apply=True,
                                 state=f"file://{tmp_path / 'hand-state'}")).failed
    add_nodes_by_hand(opendcp, 1, ["127.0.0.33"])

    kept = {"migration_license": [LICENSE], **OPENDCP_KEPT}
    site(path, handles, kept)
    for handle in handles.values():
        handle.clear_requests()
    planned = reconcile(Options([str(path)], prune=True, state=state)).plan
    assert sorted((c.title, c.change.action, c.prune) for c in planned.pending) == sorted([
        ("migration_task[name=migrate-web-01]", "delete", True),
        ("migration_source_host[name=web-01]", "delete", True),
        ("migration_vsphere_platform[name=vcenter-dc1]", "delete", True),
        ("migration_transport_server[name=transport-cloud]", "delete", True),
        ("migration_cloud_connection[name=openstack-prod]", "delete", True),
        (f"vsd_snapshot[cluster_uuid={CLUSTER}, compute_uuid={VM_UUID}, name=baseline]", "delete", True),
        (f"vsd_snapshot[cluster_uuid={CLUSTER}, compute_name=db-01, name=nightly]", "delete", True),
        ("opendcp_pool_nodes[pool=frontend-pool]", "delete", True),
        ("opendcp_actimpl[action=echo]", "delete", True)])
    assert all(c.entry.where == f"owned by {OWNER}, in no file" for c in planned.pending)
    assert [writes(handle.requests) for handle in handles.values()] == [[], [], []]

    assert not reconcile(Options([str(path)], apply=True, prune=True, state=state)).failed
    order = [request["action"] for request in writes(migration.requests)]
    assert sorted(order) == ["DeleteCloudConnection", "DeletePackerHost", "DeleteTask", "DeleteTransportServer",
                             "DeleteVSPlatform"]
    for first, then in (("DeleteTask", "DeletePackerHost"), ("DeleteTask", "DeleteVSPlatform"),
                        ("DeletePackerHost", "DeleteTransportServer"), ("DeleteVSPlatform", "DeleteTransportServer"),
                        ("DeleteTransportServer", "DeleteCloudConnection")):
        assert before(order, first, then), order
    assert [request["path"] for request in writes(vsd.requests)] == ["/v1/compute/vsd/snapshot/delete"] * 2
    assert sorted(request["path"] for request in writes(opendcp.requests)) == ["/actimpl/delete/1",
                                                                               "/pool/1/remove_nodes"]
    # exactly those: what was made by hand, and what the files keep, is still there
    assert named(migration, "clouds") == ["hand-cloud"]
    assert named(migration, "transports") == ["hand-dc"]
    assert (named(migration, "hosts"), named(migration, "platforms"), migration.state()["tasks"]) == ([], [], {})
    assert migration.state()["license"]
    assert snapshots(vsd) == [f"{VM_UUID}/by-hand"]
    assert sorted(node["ip"] for node in opendcp.state()["nodes"].values()) == ["127.0.0.33"]
    assert opendcp.state()["actimpls"] == {}
    assert named(opendcp, "pools", "name") == ["frontend-pool"]
    # the ledger forgot them, and a second apply changes nothing
    assert ledger_kinds(state, tmp_path) == ["migration_license", "opendcp_action", "opendcp_cluster",
                                             "opendcp_pool", "opendcp_service"]
    for handle in handles.values():
        handle.clear_requests()
    again = reconcile(Options([str(path)], apply=True, prune=True, state=state))
    assert not again.failed and again.report.outcomes == []
    assert [writes(handle.requests) for handle in handles.values()] == [[], [], []]


def refused(args: list[str]) -> str:
    """The stderr of a command refused by a guardrail (exit 1, nothing on stdout)."""
    finished = run_cli(args)
    assert finished.returncode == 1, finished.stdout + finished.stderr
    return finished.stderr


def test_protection_and_the_delete_budget_refuse_a_pruned_ledger_object(migration, tmp_path):  # noqa: F811
    handles = {"migration": migration}
    path = tmp_path / "site.yml"
    both = {"migration_cloud_connection": [CONNECTION], "migration_transport_server": [SERVER]}
    assert not reconcile(Options([site(path, handles, both)], apply=True)).failed
    protect = {"protect": ["migration_transport_server/transport-*"]}
    site(path, handles, {"migration_cloud_connection": [CONNECTION]}, settings=protect)
    migration.clear_requests()
    assert refused(["reconciler", "apply", "--prune", str(path)]).splitlines()[0] == (
        f"migration_transport_server[name=transport-cloud] (owned by {OWNER}, in no file): delete (prune): refused, "
        f"the object is protected (settings.protect 'migration_transport_server/transport-*' at {path}:11)")
    with pytest.raises(Refused):
        reconcile(Options([str(path)], apply=True, prune=True))
    site(path, handles, {}, settings={"max_deletes": 1})
    assert refused(["reconciler", "apply", "--prune", str(path)]).splitlines()[1:] == [
        f"  migration_cloud_connection[name=openstack-prod] (owned by {OWNER}, in no file): delete (prune)",
        f"  migration_transport_server[name=transport-cloud] (owned by {OWNER}, in no file): delete (prune)"]
    assert writes(migration.requests) == []
    assert named(migration, "transports") == ["transport-cloud"]
    assert named(migration, "clouds") == ["openstack-prod"]


def test_an_object_gone_from_the_platform_is_forgotten_by_the_next_apply(migration, tmp_path):  # noqa: F811
    handles = {"migration": migration}
    path = tmp_path / "site.yml"
    both = {"migration_cloud_connection": [CONNECTION], "migration_transport_server": [SERVER]}
    assert not reconcile(Options([site(path, handles, both)], apply=True)).failed
    site(path, handles, {"migration_cloud_connection": [CONNECTION]})
    # deleted on the platform by a person
    transports = migration.app.state.transports
    transports.pop(next(iter(transports)))
    migration.clear_requests()
    made = reconcile(Options([str(path)], prune=True)).plan
    assert made.pending == []
    assert [(entry.kind, entry.identity) for entry in made.gone] == [("migration_transport_server",
                                                                      ["transport-cloud"])]
    assert ledger_kinds(None, tmp_path) == ["migration_cloud_connection", "migration_transport_server"]
    assert not reconcile(Options([str(path)], apply=True, prune=True)).failed
    assert writes(migration.requests) == []
    assert ledger_kinds(None, tmp_path) == ["migration_cloud_connection"]


def test_an_intent_owns_nothing(migration, tmp_path):  # noqa: F811
    handles = {"migration": migration}
    path = tmp_path / "site.yml"
    site(path, handles, {"migration_cloud_connection": [CONNECTION]})
    with plan(Options([str(path)], apply=True)) as run:
        migration.set_faults(fault_rate=1.0, modes=["html"], seed=1)
        assert [outcome.status for outcome in apply(run).outcomes] == ["failed"]
    migration.set_faults(fault_rate=0.0)
    with open_backend(None, tmp_path) as backend:
        assert [entry.status for entry in backend.ledger(OWNER)] == ["intent"]
    # the object under that name is made by hand: the cut-short create never made it this owner's
    assert not reconcile(Options([by_hand(tmp_path, handles, {"migration_cloud_connection": [CONNECTION]})],
                                 apply=True)).failed
    site(path, handles, {})
    migration.clear_requests()
    assert reconcile(Options([str(path)], apply=True, prune=True)).report.outcomes == []
    assert writes(migration.requests) == []
    assert named(migration, "clouds") == ["openstack-prod"]


def test_adopt_takes_a_ledger_kinds_object_over_and_prune_then_deletes_it(migration, tmp_path):  # noqa: F811
    handles = {"migration": migration}
    assert not reconcile(Options([by_hand(tmp_path, handles, {"migration_cloud_connection": [CONNECTION]})],
                                 apply=True)).failed
    path = tmp_path / "site.yml"
    site(path, handles, {"migration_cloud_connection": [dict(CONNECTION, adopt=True)]})
    migration.clear_requests()
    planned = reconcile(Options([str(path)])).plan
    assert [(c.title, c.change.action, c.change.note) for c in planned.pending] == [
        ("migration_cloud_connection[name=openstack-prod]", "adopt", f"records {OWNER} as the owner in converge's "
                                                                     f"ledger")]
    assert not reconcile(Options([str(path)], apply=True)).failed
    assert writes(migration.requests) == []  # the ledger is all an adopt writes
    assert ledger_kinds(None, tmp_path) == ["migration_cloud_connection"]
    assert reconcile(Options([str(path)])).plan.pending == []
    # once adopted, leaving the files prunes it
    site(path, handles, {})
    assert not reconcile(Options([str(path)], apply=True, prune=True)).failed
    assert named(migration, "clouds") == []
    assert ledger_kinds(None, tmp_path) == []


def test_unmanaged_names_this_owner_for_a_ledger_object_whose_entry_left_the_files(migration, tmp_path):  # noqa: F811
    handles = {"migration": migration}
    path = tmp_path / "site.yml"
    both = {"migration_cloud_connection": [CONNECTION], "migration_transport_server": [SERVER]}
    assert not reconcile(Options([site(path, handles, both)], apply=True)).failed
    other = dict(SERVER, name="by-hand", address="127.0.0.3")
    hand = by_hand(tmp_path, handles, {"migration_cloud_connection": [CONNECTION],  # already there: no write
                                       "migration_transport_server": [other]})
    assert not reconcile(Options([hand], apply=True)).failed
    site(path, handles, {"migration_cloud_connection": [CONNECTION]})
    migration.clear_requests()
    listed = run_cli(["reconciler", "unmanaged", "--format", "json", "--kind", "migration_transport_server",
                      str(path)])
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)["kinds"]["migration_transport_server"]
    # the one team-a's ledger names is team-a's; the other's ledger is not team-a's to read
    assert sorted((item["identity"]["name"], item["owner"]) for item in found) == [("by-hand", None),
                                                                                  ("transport-cloud", OWNER)]
    assert writes(migration.requests) == []
