"""`--exclude` leaves entries out with what depends on them, `--replace` makes an object again, and a plan with
prune off names the owned objects in no file: each proved on the emulator's state and request log."""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml

import emulators
from reconciler.api import Options, reconcile
from tests.support import ROOT, run_cli, writes

pytestmark = pytest.mark.slow

WEB = "opendcp_cluster[name=web]"
BATCH = "opendcp_cluster[name=batch]"
FRONTEND = "opendcp_service[name=frontend]"
SERVICE = """\
    - name: frontend
      cluster: web
      desc: the public web site
      service_type: java
      docker_image: registry.example.invalid/frontend:1.0
"""


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


def desired(tmp_path, url: str, clusters: list[str], service: bool = True) -> str:
    """A file of OpenDCP clusters (owner team-a) and, when `service`, the service `frontend` in cluster web."""
    body = "".join(f"    - {{name: {name}, desc: {name} hosts, biz: '1'}}\n" for name in clusters)
    path = tmp_path / "dcp.yml"
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          opendcp: {{url: {url}, operator: converge}}
        settings: {{owner: team-a}}
        resources:
          opendcp_cluster:
        """) + body + ("  opendcp_service:\n" + SERVICE if service else ""), encoding="utf-8")
    return str(path)


def cluster_ids(handle) -> dict[str, int]:
    return {c["name"]: c["id"] for c in handle.state()["clusters"].values()}


def service_names(handle) -> list[str]:
    return sorted(s["name"] for s in handle.state()["services"].values())


def test_exclude_leaves_out_the_entry_and_what_depends_on_it(opendcp, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web", "batch"])
    done = run_cli(["reconciler", "apply", "--exclude", "opendcp_cluster/web", path])
    assert done.returncode == 0, done.stderr
    assert f"{FRONTEND} ({path}:10) excluded: it depends on {WEB}" in done.stderr.splitlines()
    assert list(cluster_ids(opendcp)) == ["batch"]
    assert service_names(opendcp) == []
    assert [r["path"] for r in writes(opendcp.requests)] == ["/cluster/create"]


def test_exclude_of_a_kind_and_the_graph_and_plan_say_what_it_left_out(opendcp, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web", "batch"])
    shown = run_cli(["reconciler", "plan", "--format", "json", "--exclude", "opendcp_cluster", path])
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["changes"] == []
    assert shown.stderr.splitlines() == [f"{FRONTEND} ({path}:10) excluded: it depends on {WEB}"]
    picture = run_cli(["reconciler", "graph", "--format", "mermaid", "--exclude", "opendcp_service", path])
    assert picture.returncode == 0, picture.stderr
    assert WEB in picture.stdout and BATCH in picture.stdout and FRONTEND not in picture.stdout
    assert writes(opendcp.requests) == []


def test_an_exclude_that_names_no_entry_is_an_error_and_nothing_is_written(opendcp, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web"])
    refused = run_cli(["reconciler", "apply", "--exclude", "opendcp_cluster/nowhere", path])
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("--exclude opendcp_cluster/nowhere: no entry of the desired state matches it "
                                      "(use KIND or KIND/NAME)")
    assert opendcp.requests == []


def test_prune_is_off_under_exclude(opendcp, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web", "batch", "old"], service=False)
    assert not reconcile(Options([path], apply=True, lock=False)).failed
    desired(tmp_path, opendcp.url, ["web", "batch"], service=False)
    opendcp.clear_requests()
    result = reconcile(Options([path], apply=True, lock=False, prune=True, excludes=["opendcp_cluster/web"]))
    assert result.plan.pending == [] and not result.failed
    assert writes(opendcp.requests) == []
    assert sorted(cluster_ids(opendcp)) == ["batch", "old", "web"]


def test_replace_deletes_and_makes_the_object_again(opendcp, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web", "batch"])
    assert not reconcile(Options([path], apply=True, lock=False)).failed
    before = cluster_ids(opendcp)
    shown = run_cli(["reconciler", "plan", "--replace", "opendcp_cluster/batch", path])
    assert shown.returncode == 0, shown.stderr
    assert f"  -/+ {BATCH}: replace   ({path}:8)" in shown.stdout.splitlines()
    assert "      note: replace asked for with --replace" in shown.stdout.splitlines()
    assert "Plan: 0 to create, 0 to update, 1 to replace, 0 to delete" in shown.stdout
    opendcp.clear_requests()
    done = run_cli(["reconciler", "apply", "--format", "json", "--replace", "opendcp_cluster/batch", path])
    assert done.returncode == 0, done.stderr
    (change,) = json.loads(done.stdout)["plan"]["changes"]
    assert (change["action"], change["note"]) == ("replace", "replace asked for with --replace")
    after = cluster_ids(opendcp)
    assert [r["path"] for r in writes(opendcp.requests)] == [f"/cluster/delete/{before['batch']}", "/cluster/create"]
    assert after["web"] == before["web"] and after["batch"] != before["batch"]
    assert service_names(opendcp) == ["frontend"]


def test_a_replace_that_names_no_entry_or_a_kind_that_cannot_be_made_is_refused(opendcp, zstack, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web"])
    for asked, problem in [
            ("opendcp_cluster/nowhere", "--replace opendcp_cluster/nowhere: no entry of the desired state matches it "
                                        "(use KIND/NAME)"),
            ("opendcp_cluster", "--replace opendcp_cluster: no entry of the desired state matches it (use KIND/NAME)")]:
        refused = run_cli(["reconciler", "apply", "--replace", asked, path])
        assert (refused.returncode, refused.stderr.strip()) == (1, problem)
    assert opendcp.requests == []
    licensed = tmp_path / "license.yml"
    licensed.write_text(yaml.safe_dump({
        "version": 1, "endpoints": {"zstack": {"url": zstack.url, "username": "admin", "password": "password"}},
        "settings": {"inline_secrets": True},
        "resources": {"zstack_license": [{"management_node_uuid": "a" * 32, "state": "reloaded"}]}},
        sort_keys=False), encoding="utf-8")
    refused = run_cli(["reconciler", "apply", "--replace", f"zstack_license/{'a' * 32}", str(licensed)])
    line = licensed.read_text().splitlines().index(f"  - management_node_uuid: {'a' * 32}") + 1
    assert refused.returncode == 1
    assert refused.stderr.strip() == (f"--replace zstack_license/{'a' * 32}: zstack_license[management_node_uuid="
                                      f"{'a' * 32}] ({licensed}:{line}) cannot be replaced: zstack_license cannot be "
                                      "created")
    assert writes(zstack.requests) == []


def test_a_plan_without_prune_names_the_owned_objects_in_no_file(opendcp, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web", "batch", "old"], service=False)
    assert not reconcile(Options([path], apply=True, lock=False)).failed
    desired(tmp_path, opendcp.url, ["web"], service=False)
    opendcp.clear_requests()
    shown = run_cli(["reconciler", "plan", "--detailed-exitcode", path])
    assert shown.returncode == 0, shown.stderr  # a hint, not a change
    assert shown.stdout.splitlines()[-3:] == ["2 owned objects are in no file; `--prune` would delete them:",
                                              f"  {BATCH}", "  opendcp_cluster[name=old]"]
    assert "would delete" not in run_cli(["reconciler", "plan", "--no-owned-hint", path]).stdout
    as_json = json.loads(run_cli(["reconciler", "plan", "--format", "json", path]).stdout)
    assert as_json["unnamed"] == [BATCH, "opendcp_cluster[name=old]"]
    markdown = run_cli(["reconciler", "plan", "--format", "markdown", path]).stdout
    assert markdown == ("**No changes.** 1 resources match the desired state.\n\n"
                        "2 owned objects are in no file; `--prune` would delete them:\n\n"
                        "- <code>opendcp\\_cluster\\[name=batch\\]</code>\n"
                        "- <code>opendcp\\_cluster\\[name=old\\]</code>\n")
    pruning = run_cli(["reconciler", "plan", "--prune", path])
    assert "`--prune` would delete" not in pruning.stdout and "2 to delete" in pruning.stdout
    picture = run_cli(["reconciler", "graph", "--plan", "--prune", "--format", "mermaid", path])
    assert picture.returncode == 0, picture.stderr
    assert BATCH in picture.stdout and "opendcp_cluster[name=old]" in picture.stdout
    assert writes(opendcp.requests) == []
    assert sorted(cluster_ids(opendcp)) == ["batch", "old", "web"]


def test_a_saved_plan_keeps_its_replace_and_exclude(opendcp, tmp_path):
    path = desired(tmp_path, opendcp.url, ["web", "batch"], service=False)
    assert not reconcile(Options([path], apply=True, lock=False)).failed
    before = cluster_ids(opendcp)
    saved = tmp_path / "plan.json"
    shown = run_cli(["reconciler", "plan", "--out", str(saved), "--replace", "opendcp_cluster/batch",
                     "--exclude", "opendcp_cluster/web", path])
    assert shown.returncode == 0, shown.stderr
    opendcp.clear_requests()
    other = run_cli(["reconciler", "apply", "--plan", str(saved), "--replace", "opendcp_cluster/web", path])
    assert other.returncode == 1
    assert (f"{saved}: the plan was made for --replace ['opendcp_cluster/batch'], not ['opendcp_cluster/web']"
            in other.stderr)
    assert writes(opendcp.requests) == []
    done = run_cli(["reconciler", "apply", "--plan", str(saved), path])
    assert done.returncode == 0, done.stderr
    assert [r["path"] for r in writes(opendcp.requests)] == [f"/cluster/delete/{before['batch']}", "/cluster/create"]
    assert cluster_ids(opendcp)["web"] == before["web"]


def test_what_depends_on_an_excluded_entry_through_others_is_excluded_too():
    example = "examples/opendcp.yml"
    picture = run_cli(["reconciler", "graph", "--format", "mermaid", "--exclude", "opendcp_cluster/web", example],
                      cwd=ROOT)
    assert picture.returncode == 0, picture.stderr
    assert picture.stderr.splitlines() == [
        f"{FRONTEND} ({example}:15) excluded: it depends on {WEB}",
        f"opendcp_pool[name=frontend-pool] ({example}:43) excluded: it depends on {FRONTEND}"]
    assert "opendcp_pool" not in picture.stdout and "opendcp_task_template[name=expand-frontend]" in picture.stdout


def test_a_replace_names_the_field_that_forces_it_in_text_and_json(opendcp, tmp_path):
    path = tmp_path / "dcp.yml"
    path.write_text((ROOT / "examples/opendcp.yml").read_text(encoding="utf-8").replace(
        "opendcp: {embedded: true, operator: converge}", f"opendcp: {{url: {opendcp.url}, operator: converge}}"),
        encoding="utf-8")
    assert run_cli(["reconciler", "apply", str(path)]).returncode == 0
    backend = "    - {name: backend, cluster: web, service_type: java, docker_image: registry.example.invalid/b:1}\n"
    moved = path.read_text(encoding="utf-8").replace("      service: frontend\n", "      service: backend\n")
    path.write_text(moved.replace("  opendcp_action:", backend + "  opendcp_action:"), encoding="utf-8")
    opendcp.clear_requests()
    shown = run_cli(["reconciler", "plan", str(path)])
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    pool = lines.index(f"  -/+ opendcp_pool[name=frontend-pool]: replace   ({path}:44)")
    assert lines[pool + 2] == '      service: "frontend" -> "backend"   # forces replacement'
    asked = run_cli(["reconciler", "plan", "--format", "json", "--replace", "opendcp_pool/frontend-pool", str(path)])
    (replacing,) = [c for c in json.loads(asked.stdout)["changes"] if c["action"] == "replace"]
    assert replacing["forces_replacement"] == ["service"]
    assert replacing["note"] == "replace asked for with --replace"
    assert writes(opendcp.requests) == []
