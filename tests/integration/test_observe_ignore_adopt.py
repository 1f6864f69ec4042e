"""Entries that watch and never write (`observe`), fields left to the platform (`ignore`), and adoption that writes
only the owner's marker: each proved on the emulator's request log."""

from __future__ import annotations

import json
import textwrap

import pytest
import requests

import emulators
from reconciler import report as reports
from reconciler.api import Options, reconcile
from tests.support import run_cli, writes

pytestmark = pytest.mark.slow


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


def made_by_hand(handle, path: str, body: dict) -> int:
    """An object made by raw HTTP, as a person at the console would: its id."""
    answer = requests.post(handle.url + path, json=body, timeout=10).json()
    assert answer["code"] == 0, answer
    return answer["data"]


def desired(tmp_path, url: str, body: str, settings: str = "", existing: str = "") -> str:
    """A desired-state file of `resources:` (`body`), with the owner team-a and `existing:` kinds when given."""
    path = tmp_path / "dcp.yml"
    path.write_text(textwrap.dedent("""\
        version: 1
        endpoints:
          opendcp: {url: %s, operator: converge}
        settings: {owner: team-a%s}
        """) % (url, settings) + (f"existing: {{{existing}}}\n" if existing else "")
        + "resources:\n" + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8")
    return str(path)


def clusters_by_hand(handle, descs: dict[str, str]) -> None:
    """OpenDCP clusters made by raw HTTP, name -> description."""
    for name, desc in descs.items():
        made_by_hand(handle, "/cluster/create", {"name": name, "desc": desc, "biz": "1"})


def clusters(handle) -> dict[str, dict]:
    return {c["name"]: c for c in handle.state()["clusters"].values()}


def services(handle) -> dict[str, dict]:
    return {s["name"]: s for s in handle.state()["services"].values()}


def test_an_observed_entry_shows_its_drift_and_is_never_written(opendcp, tmp_path):
    clusters_by_hand(opendcp, {"web": "by hand"})
    path = desired(tmp_path, opendcp.url, """\
        opendcp_cluster:
          - {name: web, desc: wanted, observe: true}
          - {name: gone, desc: never made, observe: true}
          - {name: api, desc: ours}
        """)
    plan = reconcile(Options([path])).plan
    assert [(c.title, c.change.action) for c in plan.pending] == [("opendcp_cluster[name=api]", "create")]
    assert [(c.title, c.change.action) for c in plan.drift] == [("opendcp_cluster[name=web]", "update"),
                                                                ("opendcp_cluster[name=gone]", "create")]
    text = reports.plan_text(plan)
    drift = text[text.index("Drift on observed entries (never written):"):].splitlines()
    assert drift[:3] == ["Drift on observed entries (never written):",
                         f"  ~ opendcp_cluster[name=web]: update   ({path}:7)",
                         '      desc: "by hand" -> "wanted"']
    assert text.splitlines()[-1] == ("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 actions. "
                                     "2 observed entries drifted. 0 unchanged.")
    opendcp.clear_requests()
    assert not reconcile(Options([path], apply=True, prune=True)).failed
    assert [(w["method"], w["path"]) for w in writes(opendcp.requests)] == [("POST", "/cluster/create")]
    assert clusters(opendcp)["web"]["desc"] == "by hand" and "gone" not in clusters(opendcp)
    # with only observed entries left, apply would change nothing: --detailed-exitcode says so
    only_observed = desired(tmp_path, opendcp.url, """\
        opendcp_cluster:
          - {name: web, desc: wanted, observe: true}
          - {name: api, desc: ours, observe: true}
        """)
    opendcp.clear_requests()
    run = run_cli(["reconciler", "plan", "--detailed-exitcode", "--prune", only_observed])
    assert run.returncode == 0, run.stdout + run.stderr
    applied = run_cli(["reconciler", "apply", "--prune", only_observed])
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert writes(opendcp.requests) == []
    assert sorted(clusters(opendcp)) == ["api", "web"]


def test_an_ignored_field_is_never_planned_and_an_update_keeps_its_live_value(opendcp, tmp_path):
    cluster = made_by_hand(opendcp, "/cluster/create", {"name": "web", "desc": "", "biz": "1"})
    made_by_hand(opendcp, "/service/create", {"name": "front", "desc": "by hand", "service_type": "java",
                                              "docker_image": "img:hotfix", "cluster_id": cluster})
    path = desired(tmp_path, opendcp.url, """\
        opendcp_service:
          - {name: front, cluster: web, desc: by hand, service_type: java, docker_image: "img:1",
             ignore: [docker_image]}
        """, existing="opendcp_cluster: [web]")
    text = open(path, encoding="utf-8").read()
    opendcp.clear_requests()
    plan = reconcile(Options([path])).plan
    assert plan.pending == [] and plan.summary()["ignored"] == 1
    assert reports.plan_text(plan) == "No changes. 1 resources match the desired state. 1 difference ignored."
    assert json.loads(reports.render_plan(plan, "json"))["ignored"] == [
        {"kind": "opendcp_service", "identity": {"name": "front"}, "fields": ["docker_image"], "source": f"{path}:8"}]
    cli = run_cli(["reconciler", "plan", "--detailed-exitcode", path])
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert writes(opendcp.requests) == []
    # another field changes: the update sends the live image, not the ignored desired one
    open(path, "w", encoding="utf-8").write(text.replace("desc: by hand", "desc: the shop"))
    assert not reconcile(Options([path], apply=True)).failed
    assert [(w["method"], w["path"]) for w in writes(opendcp.requests)] == [("POST", "/service/update/1")]
    front = services(opendcp)["front"]
    assert (front["desc"], front["docker_image"]) == ("the shop", "img:hotfix")


def test_settings_ignore_holds_for_every_entry_of_the_kind(opendcp, tmp_path):
    clusters_by_hand(opendcp, {"web": "resized in an incident", "api": "also by hand"})
    path = desired(tmp_path, opendcp.url, """\
        opendcp_cluster:
          - {name: web, desc: web}
          - {name: api, desc: api}
        """, settings=", ignore: {opendcp_cluster: [desc]}")
    opendcp.clear_requests()
    assert not reconcile(Options([path], apply=True)).failed
    assert writes(opendcp.requests) == []
    assert reports.quiet_plan_text(reconcile(Options([path])).plan) == "No changes. 2 differences ignored."
    assert clusters(opendcp)["web"]["desc"] == "resized in an incident"


def test_adopting_a_matching_object_writes_only_its_marker_and_is_not_a_change(opendcp, tmp_path):
    clusters_by_hand(opendcp, {"web": "the shop"})
    path = desired(tmp_path, opendcp.url, """\
        opendcp_cluster:
          - {name: web, desc: the shop, adopt: true}
        """)
    opendcp.clear_requests()
    plan = reconcile(Options([path])).plan
    assert [(c.change.action, c.change.note) for c in plan.pending] == [("adopt", "writes team-a as the owner")]
    assert plan.changing == [] and plan.summary()["adopt"] == 1
    assert reports.plan_text(plan).splitlines() == [
        "No changes. 0 resources match the desired state. 1 to adopt (the owner's marker only).", "",
        "To adopt (apply writes only the owner's marker or record):", "  opendcp_cluster: 1"]
    cli = run_cli(["reconciler", "plan", "--detailed-exitcode", path])
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert writes(opendcp.requests) == []
    assert not reconcile(Options([path], apply=True)).failed
    assert [(w["method"], w["path"]) for w in writes(opendcp.requests)] == [("POST", "/cluster/update/1")]
    assert clusters(opendcp)["web"]["desc"] == "the shop [converge:team-a]"
    assert reconcile(Options([path])).plan.pending == []


def test_an_adopted_entry_needs_its_unset_secret_only_for_a_write(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVERGE_CLOUD_PASSWORD", raising=False)
    with emulators.start("migration", port=0) as migration:
        seed = tmp_path / "seed.yml"
        seed.write_text(textwrap.dedent(f"""\
            version: 1
            endpoints:
              migration: {{url: {migration.url}, username: admin, password: password}}
            settings: {{inline_secrets: true}}
            resources:
              migration_cloud_connection:
                - {{name: cloud-a, cloud_type: Openstack, address: 127.0.0.5, cloud_user: admin,
                   cloud_password: secret-1, project_name: demo, identity_port: 5000}}
            """), encoding="utf-8")
        assert not reconcile(Options([str(seed)], apply=True)).failed
        adopted = seed.read_text(encoding="utf-8").replace(
            "cloud_password: secret-1", "cloud_password: {env: CONVERGE_CLOUD_PASSWORD}, adopt: true")
        seed.write_text(adopted, encoding="utf-8")
        migration.clear_requests()
        assert reconcile(Options([str(seed)])).plan.pending == []
        seed.write_text(adopted.replace("project_name: demo", "project_name: other"), encoding="utf-8")
        plan = reconcile(Options([str(seed)], apply=True))
        assert plan.failed and [c.blocked.reason for c in plan.plan.blocked] == [
            f"{seed}:8: migration_cloud_connection.cloud_password: environment variable CONVERGE_CLOUD_PASSWORD is "
            f"not set: the update would send it"]
        assert writes(migration.requests) == []


def test_plan_unmanaged_ends_with_the_count_of_objects_no_entry_names(opendcp, tmp_path):
    clusters_by_hand(opendcp, {"web": "", "legacy": "by hand"})
    path = desired(tmp_path, opendcp.url, """\
        opendcp_cluster:
          - {name: web, observe: true}
        """)
    counted = run_cli(["reconciler", "plan", "--unmanaged", path])
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.splitlines()[-1] == ("Unmanaged: 1 object on the platforms named by no entry "
                                               "(reconciler unmanaged lists them).")
    assert "Unmanaged" not in run_cli(["reconciler", "plan", path]).stdout


def test_plan_unmanaged_refuses_a_target(tmp_path):
    path = desired(tmp_path, "http://127.0.0.1:9", "opendcp_cluster:\n  - {name: web}\n")
    refused = run_cli(["reconciler", "plan", "--unmanaged", "--target", "opendcp_cluster", path])
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.strip().splitlines()[-1] == ("Error: --unmanaged counts what the whole desired state "
                                                       "names: it cannot go with --target")
