"""Prune with ownership: only what this owner created and no file names any more is deleted."""

from __future__ import annotations

import textwrap

import pytest

import emulators
from reconciler.api import Options, reconcile
from reconciler.desired import DocumentError, load
from reconciler.ownership import default_owner
from tests.support import run_cli, writes

pytestmark = pytest.mark.slow

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
VM2 = "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81"


def tag_file(path, url: str, owner: str, tags: list[str], extra: str = "") -> str:
    entries = "".join(f'\n    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "{tag}"}}' for tag in tags)
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {url}, username: admin, password: password}}
        settings: {{owner: {owner}, inline_secrets: true}}
        resources:
          zstack_user_tag:""") + entries + "\n" + extra, encoding="utf-8")
    return str(path)


def user_tags(handle) -> list[str]:
    return sorted(t["tag"] for t in handle.state()["tags"].values() if t["kind"].lower() == "user")


def test_prune_deletes_only_what_this_owner_created(zstack, tmp_path):
    ours = tag_file(tmp_path / "ours.yml", zstack.url, "team-a", ["tier::web", "tier::db"])
    theirs = tag_file(tmp_path / "theirs.yml", zstack.url, "team-b", ["team::b"])
    assert not reconcile(Options([ours], apply=True)).failed
    assert not reconcile(Options([theirs], apply=True)).failed
    reconcile(Options([tag_file(tmp_path / "hand.yml", zstack.url, "hand", ["by::hand"])], apply=True))
    # a tag made by hand carries no record: drop the record the reconciler wrote for it
    record = "converge::owner::hand::user::by::hand"
    by_hand = [uuid for uuid, t in zstack.state()["tags"].items() if t["tag"] == record]
    zstack.app.state.tags.pop(by_hand[0])

    tag_file(tmp_path / "ours.yml", zstack.url, "team-a", ["tier::web"])
    planned = reconcile(Options([ours], prune=True)).plan
    assert [(c.title, c.change.action, c.prune) for c in planned.pending] == [
        (f"zstack_user_tag[resource_uuid={VM}, resource_type=VmInstanceVO, tag=tier::db]", "delete", True)]
    assert planned.pending[0].entry.where == "owned by team-a, in no file"

    zstack.clear_requests()
    assert not reconcile(Options([ours], apply=True, prune=True)).failed
    assert user_tags(zstack) == sorted(["tier::web", "converge::owner::team-a::user::tier::web", "team::b",
                                        "converge::owner::team-b::user::team::b", "by::hand"])
    assert reconcile(Options([ours], prune=True)).plan.pending == []


def test_without_prune_nothing_is_deleted_and_prune_is_off_under_target(zstack, tmp_path):
    ours = tag_file(tmp_path / "ours.yml", zstack.url, "team-a", ["tier::web", "tier::db"])
    reconcile(Options([ours], apply=True))
    tag_file(tmp_path / "ours.yml", zstack.url, "team-a", ["tier::web"])
    assert reconcile(Options([ours])).plan.pending == []
    assert reconcile(Options([ours], prune=True, targets=["zstack_user_tag"])).plan.pending == []
    zstack.clear_requests()
    assert reconcile(Options([ours], apply=True)).report.outcomes == []
    assert writes(zstack.requests) == []
    assert "tier::db" in user_tags(zstack)


def test_settings_prune_and_the_cli_flags(zstack, tmp_path):
    ours = tag_file(tmp_path / "ours.yml", zstack.url, "team-a", ["tier::web", "tier::db"])
    reconcile(Options([ours], apply=True))
    tag_file(tmp_path / "ours.yml", zstack.url, "team-a", ["tier::web"])
    shown = run_cli(["reconciler", "plan", "--prune", "--detailed-exitcode", ours])
    assert shown.returncode == 2, shown.stderr
    assert f"  - zstack_user_tag[resource_uuid={VM}, resource_type=VmInstanceVO, tag=tier::db]: delete (prune)" \
        in shown.stdout
    assert "1 to delete" in shown.stdout
    off = run_cli(["reconciler", "plan", "--no-prune", "--detailed-exitcode", ours])
    assert off.returncode == 0, off.stdout + off.stderr


def test_adopt_writes_the_owner_onto_an_existing_object(zstack, tmp_path):
    hand = tag_file(tmp_path / "hand.yml", zstack.url, "hand", ["legacy::1"])
    reconcile(Options([hand], apply=True))
    for uuid in [u for u, t in zstack.state()["tags"].items() if t["tag"].startswith("converge::owner::")]:
        zstack.app.state.tags.pop(uuid)
    adopt = tag_file(tmp_path / "ours.yml", zstack.url, "team-a", [],
                     f'    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "legacy::1", adopt: true}}\n')
    planned = reconcile(Options([adopt])).plan
    assert [(c.change.action, c.change.note) for c in planned.pending] == [("adopt", "records team-a as the owner")]
    assert not reconcile(Options([adopt], apply=True)).failed
    assert "converge::owner::team-a::user::legacy::1" in user_tags(zstack)
    assert reconcile(Options([adopt])).plan.pending == []
    # once adopted, leaving the files prunes it
    empty = tag_file(tmp_path / "ours.yml", zstack.url, "team-a", ["other::1"])
    assert not reconcile(Options([empty], apply=True, prune=True)).failed
    assert "legacy::1" not in user_tags(zstack)


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


def opendcp_file(path, url: str, owner: str, services: bool, cluster: str = "web") -> str:
    lines = ["version: 1", "endpoints:", f"  opendcp: {{url: {url}, operator: converge}}",
             f"settings: {{owner: {owner}, prune: true}}", "resources:", "  opendcp_cluster:",
             f"    - {{name: {cluster}, desc: web services}}"]
    if services:
        lines += ["  opendcp_service:",
                  '    - {name: frontend, cluster: web, desc: the site, service_type: java, docker_image: "img:1"}',
                  '    - {name: backend, cluster: web, service_type: java, docker_image: "img:1"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_description_carries_the_owner_and_prune_deletes_children_first(opendcp, tmp_path):
    path = opendcp_file(tmp_path / "dcp.yml", opendcp.url, "team-a", services=True)
    assert not reconcile(Options([path], apply=True)).failed
    descs = {s["name"]: s["desc"] for s in opendcp.state()["services"].values()}
    assert descs == {"frontend": "the site [converge:team-a]", "backend": "[converge:team-a]"}
    assert reconcile(Options([path])).plan.pending == []

    # the cluster and its services leave the file: the services go first (a cluster with services cannot be
    # deleted), and the cluster of another owner stays
    opendcp_file(tmp_path / "theirs.yml", opendcp.url, "team-b", services=False, cluster="theirs")
    assert not reconcile(Options([str(tmp_path / "theirs.yml")], apply=True)).failed
    opendcp_file(tmp_path / "dcp.yml", opendcp.url, "team-a", services=False, cluster="api")
    planned = reconcile(Options([path])).plan
    deletes = [(c.title, c.change.action) for c in planned.pending][-3:]
    assert sorted(deletes[:2]) == [("opendcp_service[name=backend]", "delete"),
                                   ("opendcp_service[name=frontend]", "delete")]
    assert deletes[2] == ("opendcp_cluster[name=web]", "delete")
    assert not reconcile(Options([path], apply=True)).failed
    assert opendcp.state()["services"] == {}
    assert sorted(c["name"] for c in opendcp.state()["clusters"].values()) == ["api", "theirs"]


def test_an_owner_is_a_name_and_the_default_depends_on_the_place(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("version: 1\nsettings: {owner: 'two words'}\n", encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load([str(bad)])
    assert caught.value.problems[0].startswith(f"{bad}:2: settings.owner:")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = default_owner([str(tmp_path / "a" / "x.yml")]), default_owner([str(tmp_path / "b" / "x.yml")])
    assert first != second and first.startswith("a-") and second.startswith("b-")


def test_adopting_many_tags_reads_the_owners_records_once(zstack, tmp_path):
    tags = [f"legacy::{n}" for n in range(12)]
    assert not reconcile(Options([tag_file(tmp_path / "hand.yml", zstack.url, "hand", tags)], apply=True)).failed
    for uuid in [u for u, t in zstack.state()["tags"].items() if t["tag"].startswith("converge::owner::")]:
        zstack.app.state.tags.pop(uuid)
    entries = "".join(f'\n    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "{tag}", adopt: true}}'
                      for tag in tags)
    adopt = tag_file(tmp_path / "ours.yml", zstack.url, "team-a", [], entries.lstrip("\n") + "\n")
    zstack.clear_requests()
    planned = reconcile(Options([adopt])).plan
    assert planned.summary()["adopt"] == 12 and planned.changing == []
    record_reads = [r for r in zstack.requests if r["method"] == "GET" and "converge::owner::" in str(r["query"])]
    assert len(record_reads) == 1, record_reads
