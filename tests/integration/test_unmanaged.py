"""`reconciler unmanaged`: what is on the platforms that no entry names, read from emulators populated by raw HTTP."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

import emulators
from reconciler.cli import main
from reconciler.desired import load
from reconciler.planner import make_plan, remembering_reads
from reconciler.platforms import kinds
from reconciler.session import Session
from reconciler.unmanaged import count_unmanaged, find_unmanaged, named_by_plan
from tests.integration.test_zstack_emulator_http import ZStack
from tests.support import SteppedClock, writes

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
VM2 = "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81"
#: the kinds the exact reports narrow to: what these tests made, and nothing the emulators start with
MADE = ("--kind", "zstack_user_tag", "--kind", "opendcp_cluster")


@pytest.fixture
def dcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


@pytest.fixture
def populated(zstack, dcp):
    """Objects made by hand on ZStack and OpenDCP: some with another owner's marker or record, some with none,
    one with the marker of `team-a` (the owner of the tests' desired state) whose entry is gone."""
    for name, desc in [("web", "by hand"), ("db", "the database [converge:team-b]"), ("ops", ""),
                       ("old", "[converge:team-a]")]:
        answer = requests.post(dcp.url + "/cluster/create", json={"name": name, "desc": desc, "biz": "b"}, timeout=10)
        assert answer.json()["code"] == 0, answer.text
    made = ZStack(zstack.url)
    assert made.login().status_code == 200
    for resource, tag in [(VM, "tier::web"), (VM2, "tier::db"), (VM, "converge::owner::team-b::user::tier::web")]:
        assert made.create_tag("user", resource, tag).status_code == 200
    zstack.clear_requests()
    dcp.clear_requests()
    return zstack, dcp


def endpoints_file(tmp_path: Path, zstack, dcp) -> str:
    path = tmp_path / "endpoints.yml"
    path.write_text(f"zstack: {{url: {zstack.url}, username: admin, password: password}}\n"
                    f"opendcp: {{url: {dcp.url}, operator: converge}}\n", encoding="utf-8")
    return str(path)


def desired_file(tmp_path: Path, resources: str = "") -> str:
    path = tmp_path / "desired" / "state.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("version: 1\nsettings: {owner: team-a}\n" + textwrap.dedent(resources), encoding="utf-8")
    return str(path)


def reconciler(*args: str):
    """`reconciler ARGS` in this process (stdout and stderr apart)."""
    return CliRunner().invoke(main, list(args))


def test_a_file_that_names_nothing_sees_every_object_with_its_owner(populated, tmp_path):
    zstack, dcp = populated
    shown = reconciler("unmanaged", *MADE, "--endpoints", endpoints_file(tmp_path, zstack, dcp), desired_file(tmp_path))
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == textwrap.dedent(f"""\
        zstack_user_tag (2):
          zstack_user_tag[resource_uuid={VM}, resource_type=VmInstanceVO, tag=tier::web]   owner: team-b
          zstack_user_tag[resource_uuid={VM2}, resource_type=VmInstanceVO, tag=tier::db]    owner: none
        opendcp_cluster (4):
          opendcp_cluster[name=db]    owner: team-b
          opendcp_cluster[name=old]   owner: team-a
          opendcp_cluster[name=ops]   owner: none
          opendcp_cluster[name=web]   owner: none
        6 objects on the platforms are named by no entry.
        """)
    assert writes(zstack.requests) == [] and writes(dcp.requests) == []


def test_the_entries_named_hide_their_objects(populated, tmp_path):
    zstack, dcp = populated
    desired = desired_file(tmp_path, f"""\
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM2}, resource_type: VmInstanceVO, tag: "tier::db"}}
          opendcp_cluster:
            - {{name: ops}}
            - {{name: web, desc: by hand}}
            - {{name: gone, state: absent}}
        """)
    shown = reconciler("unmanaged", *MADE, "--format", "json", "--endpoints", endpoints_file(tmp_path, zstack, dcp),
                       desired)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == {
        "format_version": 1, "owner": "team-a",
        "kinds": {"zstack_user_tag": [{"identity": {"resource_uuid": VM, "resource_type": "VmInstanceVO",
                                                    "tag": "tier::web"}, "owner": "team-b"}],
                  "opendcp_cluster": [{"identity": {"name": "db"}, "owner": "team-b"},
                                      {"identity": {"name": "old"}, "owner": "team-a"}]},
        "not_listed": {}, "total": 3}
    assert writes(zstack.requests) == [] and writes(dcp.requests) == []


def test_nothing_unmanaged_and_a_kind_that_cannot_be_listed(dcp, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"opendcp: {{url: {dcp.url}, operator: converge}}\nvsd: {{url: http://127.0.0.1:9}}\n",
                         encoding="utf-8")
    shown = reconciler("unmanaged", "--kind", "opendcp_cluster", "--kind", "vsd_snapshot", "--kind", "zstack_license",
                       "--endpoints", str(endpoints), desired_file(tmp_path))
    assert shown.exit_code == 0, shown.output
    refusal = kinds()["vsd_snapshot"].import_refusal or "vsd_snapshot objects cannot be listed"
    assert shown.stdout == textwrap.dedent(f"""\
        Not listed:
          zstack_license: the desired state has no endpoint for zstack
          vsd_snapshot: {refusal}
        0 objects on the platforms are named by no entry.
        """)
    assert dcp.requests and writes(dcp.requests) == []


def test_what_the_platform_made_is_listed_only_for_a_kind_asked_for(zstack, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"zstack: {{url: {zstack.url}, username: admin, password: password}}\n", encoding="utf-8")
    desired = load([desired_file(tmp_path)], [str(endpoints)])
    with Session(desired) as session:
        everything = find_unmanaged(desired, session)
        asked = find_unmanaged(desired, session, ["zstack_gc_job"])
    gc_jobs = [job["uuid"] for job in zstack.state()["gc_jobs"].values()]
    assert gc_jobs and "zstack_gc_job" not in everything.as_dict()["not_listed"]
    assert everything.kinds["zstack_gc_job"] == []
    assert sorted(item.identity["uuid"] for item in asked.kinds["zstack_gc_job"]) == sorted(gc_jobs)
    assert list(asked.kinds) == ["zstack_gc_job"] and asked.total == len(gc_jobs)
    assert writes(zstack.requests) == []


def test_the_plan_count_reads_nothing_the_plan_read(populated, tmp_path):
    zstack, dcp = populated
    desired = load([desired_file(tmp_path, """\
        resources:
          opendcp_cluster:
            - {name: ops}
        """)], [endpoints_file(tmp_path, zstack, dcp)])
    with Session(desired) as session, remembering_reads(session, {"zstack", "opendcp"}):
        plan = make_plan(desired, session)
        dcp.clear_requests()
        count = count_unmanaged(desired, session, named_by_plan(plan))
    # the clusters' list the plan read is not sent again, and each other list once
    paths = [r["path"] for r in dcp.requests]
    assert "/cluster/list" not in paths and len(paths) == len(set(paths)), paths
    with Session(desired) as session:
        fresh = find_unmanaged(desired, session)
    assert count == fresh.total >= 5
    assert [item.identity["name"] for item in fresh.kinds["opendcp_cluster"]] == ["db", "old", "web"]
    assert writes(zstack.requests) == [] and writes(dcp.requests) == []


def test_bad_input_and_an_endpoint_that_does_not_answer(tmp_path, monkeypatch):
    stepped = SteppedClock.instead_of_the_system_clock(monkeypatch)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("opendcp: {url: http://127.0.0.1:9, operator: converge, timeout: 1}\n", encoding="utf-8")
    unknown = reconciler("unmanaged", "--kind", "opendcp_clusters", "--endpoints", str(endpoints),
                         desired_file(tmp_path))
    assert unknown.exit_code == 1
    assert "unknown kind 'opendcp_clusters' (did you mean 'opendcp_cluster'?)" in unknown.stderr
    bad = desired_file(tmp_path, "resources:\n  opendcp_cluster:\n    - {name: web, colour: blue}\n")
    refused = reconciler("unmanaged", "--endpoints", str(endpoints), bad)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr == f"{bad}:5: resources.opendcp_cluster[0].colour: unknown key 'colour'\n"
    down = reconciler("unmanaged", "--kind", "opendcp_cluster", "--endpoints", str(endpoints), desired_file(tmp_path))
    assert down.exit_code == 1 and down.stdout == ""
    assert down.stderr.startswith(f"{endpoints}:1: endpoints.opendcp: cannot reach http://127.0.0.1:9 after 5 "
                                  "attempts: GET /cluster/list: "), down.stderr
    assert stepped.sleeps and "Traceback" not in down.output


VSD_CLUSTER = "650ea11b-b7fb-4269-8232-aa53865aab3b"
VSD_RUNNING_VM = "b6b0e5b9-dacd-432b-9b83-c3e89799009d"
VSD_STOPPED_VM = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def test_vsd_snapshots_are_listed_for_the_vms_named(tmp_path):
    with emulators.start("vsd", port=0) as vsd:
        for vm, name in [(VSD_RUNNING_VM, "origin"), (VSD_RUNNING_VM, "after"), (VSD_STOPPED_VM, "db-base")]:
            answer = requests.post(vsd.url + "/v1/compute/vsd/snapshot/create", timeout=10, json={
                "cluster_uuid": VSD_CLUSTER, "compute_uuid": vm, "name": name, "description": "",
                "domain_memory": False})
            assert answer.status_code == 200, answer.text
        vsd.clear_requests()
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(f"vsd: {{url: {vsd.url}}}\n", encoding="utf-8")
        desired = desired_file(tmp_path, f"""\
            resources:
              vsd_snapshot:
                - {{cluster_uuid: {VSD_CLUSTER}, compute_uuid: {VSD_RUNNING_VM}, name: origin}}
            """)
        named = reconciler("unmanaged", "--kind", "vsd_snapshot", "--endpoints", str(endpoints), desired)
        given = reconciler("unmanaged", "--kind", "vsd_snapshot", "--vsd-vm", f"{VSD_CLUSTER}/{VSD_STOPPED_VM}",
                           "--endpoints", str(endpoints), desired)
        assert writes(vsd.requests) == []
    assert named.exit_code == 0 and given.exit_code == 0, named.output + given.output
    after = f"vsd_snapshot[cluster_uuid={VSD_CLUSTER}, compute_uuid={VSD_RUNNING_VM}, name=after]"
    base = f"vsd_snapshot[cluster_uuid={VSD_CLUSTER}, compute_uuid={VSD_STOPPED_VM}, name=db-base]"
    assert named.stdout == (f"vsd_snapshot (1):\n  {after}   owner: none\n"
                            "1 object on the platforms is named by no entry.\n")
    assert given.stdout == (f"vsd_snapshot (2):\n  {base}   owner: none\n  {after}     owner: none\n"
                            "2 objects on the platforms are named by no entry.\n")


def test_the_system_tags_zstack_wrote_stay_out_beside_entries_of_the_kind(tmp_path):
    """Entries of zstack_system_tag do not make the tags ZStack wrote itself unmanaged: only --kind asks for them."""
    host = "fcf1965050b44058867a81dd96438975"
    fixtures = tmp_path / "zstack.yml"
    fixtures.write_text(f"hosts: [{{uuid: {host}, systemTags: ['os::distribution::CentOS']}}]\n", encoding="utf-8")
    with emulators.start("zstack", port=0, fixtures_file=str(fixtures)) as zstack:
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(f"zstack: {{url: {zstack.url}, username: admin, password: password}}\n",
                             encoding="utf-8")
        desired = load([desired_file(tmp_path, f"""\
            resources:
              zstack_system_tag:
                - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "ha::NeverStop", state: absent}}
            """)], [str(endpoints)])
        with Session(desired) as session:
            beside = find_unmanaged(desired, session)
            asked = find_unmanaged(desired, session, ["zstack_system_tag"])
    assert beside.kinds["zstack_system_tag"] == []
    assert [item.identity["tag"] for item in asked.kinds["zstack_system_tag"]] == ["os::distribution::CentOS"]
