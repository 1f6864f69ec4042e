"""`reconciler import` against five emulators populated by raw HTTP, as a team's platforms are before converge.

The estate holds every importable kind, references between them (a service's cluster, a pool's service and
templates, a template's steps, a remote step's actions, a task's hosts and servers) and secrets the platforms
never return (a cloud's and a vSphere platform's passwords, the activation key).
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import emulators
from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM
from emulators.zstack.base import HOST_UUID, NODE_UUID, VM_UUIDS
from reconciler import fast_yaml
from reconciler.cli import main
from reconciler.errors import DocumentError
from reconciler.import_writer import ImportedKind, ImportedPlatform, document
from reconciler.importer import ImportOptions, ImportResult, import_platforms, summary_lines
from reconciler.platforms import kinds
from tests.integration.test_migration_emulator_http import HOSTS, SETTING, VCENTER, Api, build_world, new_task
from tests.integration.test_opendcp_emulator_http import ok as dcp_ok
from tests.integration.test_opendcp_emulator_http import step
from tests.integration.test_vsd_emulator_http import create as vsd_snapshot
from tests.integration.test_zstack_emulator_http import ZStack
from tests.support import SteppedClock, run_cli, writes

PLATFORMS = ("zstack", "vsd", "osgview", "migration", "opendcp")
VM = f"{BUILTIN_CLUSTER}/{BUILTIN_RUNNING_VM}"
#: the paths an adoption of each OpenDCP kind that carries a marker updates (its `desc`), one per object imported
OPENDCP_MARKED = ("cluster", "service", "pool", "task_tpl", "task_tpl", "remote_step", "action")


def populate_zstack(handle) -> None:
    """Tags a person put on two VMs and a host, a long job with a description, and a paid license."""
    zs = ZStack(handle.url)
    zs.login()
    for kind, resource, tag, resource_type in (("user", VM_UUIDS[0], "tier::web", "VmInstanceVO"),
                                               ("user", VM_UUIDS[1], "tier::db", "VmInstanceVO"),
                                               ("user", HOST_UUID, "rack::a1", "HostVO"),
                                               ("system", VM_UUIDS[0], "ha::NeverStop", "VmInstanceVO")):
        assert zs.create_tag(kind, resource, tag, resource_type).status_code == 200
    assert zs.submit_long_job(name="move-volume", description="moves the web volume").status_code == 200
    paid = base64.b64encode(json.dumps({"user": "acme", "hostNum": 50, "expiredDate": "2999-01-01 00:00:00"})
                            .encode()).decode()
    assert zs.submit("PUT", f"/licenses/mn/{NODE_UUID}/actions",
                     json={"updateLicense": {"license": paid}}).status_code == 200


def populate_vsd(handle) -> None:
    """Two snapshots of the running VM, the second a child of the first."""
    scope = {"cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_RUNNING_VM}
    vsd_snapshot(handle, scope, "before-upgrade", description="the VM as delivered")
    vsd_snapshot(handle, scope, "after-upgrade")


def populate_migration(handle) -> None:
    """A cloud, its transport servers, a Packer host, a vSphere platform, a task and the license."""
    api = Api(handle)
    api.ok(SETTING, "UpdateLicense", ActivationKey="ABCD-EFGH-IJKL-MNOP")
    world = build_world(api)
    api.ok(HOSTS, "AddVSPlatform", Name="vcenter", TransId=world["source"], **VCENTER)
    new_task(api, world)


def populate_opendcp(handle) -> None:
    """A cluster, a service in it, an action with its implementation, a remote step running it, two templates and
    a pool of the service with those templates and two nodes."""
    cluster = dcp_ok(handle, "/cluster/create", {"name": "web", "desc": "web tier", "biz": "1"})
    service = dcp_ok(handle, "/service/create", {"name": "frontend", "desc": "the site", "service_type": "java",
                                                 "docker_image": "registry.example.invalid/web:1.0",
                                                 "cluster_id": cluster})
    action = dcp_ok(handle, "/action/create", {"name": "echo", "desc": "echo a word",
                                               "params": {"echo_word": "string"}})
    dcp_ok(handle, "/actimpl/create", {"action_id": action, "type": "ansible",
                                       "template": {"action": {"module": "shell", "args": "echo {{echo_word}}"}}})
    dcp_ok(handle, "/remote_step/create", {"name": "say_hello", "desc": "say it", "actions": ["echo"]})
    expand = dcp_ok(handle, "/task_tpl/create", {"name": "expand_web", "desc": "grow",
                                                 "steps": [step("create_vm"), step("say_hello", echo_word="hi")]})
    shrink = dcp_ok(handle, "/task_tpl/create", {"name": "shrink_web", "desc": "shrink",
                                                 "steps": [step("return_vm")]})
    pool = dcp_ok(handle, "/pool/create", {"name": "web-pool", "desc": "pool", "vm_type": 3, "sd_id": 7,
                                           "service_id": service, "tasks": {"expand": expand, "shrink": shrink}})
    dcp_ok(handle, f"/pool/{pool}/add_nodes", {"nodes": ["127.0.0.31", "127.0.0.32"]})


POPULATE = {"zstack": populate_zstack, "vsd": populate_vsd, "migration": populate_migration,
            "opendcp": populate_opendcp}


class Estate:
    """Five emulators holding what people made by hand, the endpoints file naming them, and the CLI run on them."""

    def __init__(self, root: Path, handles: dict[str, Any]):
        self.root = root
        self.handles = handles
        self.endpoints = root / "endpoints.yml"
        credentials = {"zstack": {"username": "admin", "password": "password"},
                       "migration": {"username": "admin", "password": "password"},
                       "opendcp": {"operator": "converge"}}
        self.endpoints.write_text(yaml.safe_dump({name: {"url": handle.url, **credentials.get(name, {})}
                                                  for name, handle in handles.items()}), encoding="utf-8")

    def run(self, *args: str, env: dict[str, str] | None = None):
        """`reconciler ARGS --endpoints <the estate's file>`, from the estate's directory."""
        return run_cli(["reconciler", *args, "--endpoints", str(self.endpoints)], cwd=self.root, env=env)

    def import_into(self, out: str, *args: str):
        """`reconciler import --out OUT ARGS`; the files it wrote, by name, as bytes."""
        result = self.run("import", "--out", out, *args)
        return result, {path.name: path.read_bytes() for path in sorted((self.root / out).glob("*.yml"))}

    def clear_requests(self) -> None:
        for handle in self.handles.values():
            handle.clear_requests()

    def writes(self) -> dict[str, list[dict[str, Any]]]:
        return {name: writes(handle.requests) for name, handle in self.handles.items()}


def zstack_fixtures(directory: Path) -> str:
    """The ZStack emulator's own fixtures, its first host carrying system tags ZStack writes itself (`inherent`)."""
    fixtures = yaml.safe_load((Path(emulators.__file__).parent / "zstack" / "fixtures.yml").read_text(encoding="utf-8"))
    fixtures["hosts"][0]["systemTags"] = ["os::distribution::CentOS", "capability::liveSnapshot"]
    path = directory / "zstack-fixtures.yml"
    path.write_text(yaml.safe_dump(fixtures), encoding="utf-8")
    return str(path)


@contextmanager
def started_estate(root: Path, zstack_options: dict[str, Any]) -> Iterator[Estate]:
    """The five emulators started and populated, their request logs cleared; stopped on leaving."""
    handles: dict[str, Any] = {}
    try:
        options = {"migration": {"time_scale": 1e-6, "task_seconds": 5}, "zstack": zstack_options}
        for name in PLATFORMS:
            handles[name] = emulators.start(name, port=0, **options.get(name, {}))
        for name, populate in POPULATE.items():
            populate(handles[name])
        made = Estate(root, handles)
        made.clear_requests()
        yield made
    finally:
        for handle in handles.values():
            handle.stop()


@pytest.fixture
def estate(tmp_path):
    with started_estate(tmp_path, {}) as made:
        yield made


@pytest.fixture
def estate_with_inherent_tags(tmp_path):
    """The estate, a ZStack host carrying the system tags ZStack writes itself."""
    with started_estate(tmp_path, {"fixtures_file": zstack_fixtures(tmp_path)}) as made:
        yield made


def resources(data: bytes) -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load(data)["resources"]


def unmanaged_total(estate: Estate, files: str) -> dict[str, Any]:
    listed = estate.run("unmanaged", files, "--format", "json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    return yaml.safe_load(listed.stdout)


def test_import_takes_over_five_populated_platforms(estate):
    """The issue's done-means: the files validate, the plan is empty, a second import is byte-identical, apply
    writes only owners' markers, prune deletes exactly the entry removed, unmanaged lists all before, none after."""
    (estate.root / "nothing.yml").write_text("version: 1\n", encoding="utf-8")
    before = unmanaged_total(estate, "nothing.yml")

    imported, files = estate.import_into("desired", "--vsd-vm", VM)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    entries = sum(len(items) for data in files.values() for items in resources(data).values())
    kinds = sum(len(resources(data)) for data in files.values())
    assert imported.stdout.splitlines()[0] == f"imported {entries} entries of {kinds} kinds; plan: no changes"
    assert sorted(files) == ["migration.yml", "opendcp.yml", "vsd.yml", "zstack.yml"]
    assert "note: osgview_vm_group not imported: OSG view lists no groups" in imported.stderr
    by_kind = {kind: len(items) for data in files.values() for kind, items in resources(data).items()}
    listed = {kind: len(objects) for kind, objects in before["kinds"].items() if objects}
    assert listed == {kind: count for kind, count in by_kind.items() if kind != "vsd_snapshot"}
    assert estate.writes() == {name: [] for name in PLATFORMS}

    validated = estate.run("validate", "desired")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    planned = estate.run("plan", "--detailed-exitcode", "desired")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert estate.import_into("again", "--vsd-vm", VM)[1] == files

    estate.clear_requests()
    applied = estate.run("apply", "desired")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    made = {name: sorted((write["method"], re.sub(r"/\d+$", "/ID", write["path"])) for write in log)
            for name, log in estate.writes().items()}
    assert made == {"zstack": [("POST", "/zstack/v1/user-tags")] * 4, "vsd": [], "osgview": [], "migration": [],
                    "opendcp": sorted(("POST", f"/{path}/update/ID") for path in OPENDCP_MARKED)}
    again = estate.run("plan", "--detailed-exitcode", "desired")
    assert again.returncode == 0 and "adopt" not in again.stdout, again.stdout + again.stderr
    assert estate.import_into("after-apply", "--vsd-vm", VM)[1] == files
    assert unmanaged_total(estate, "desired")["total"] == 0

    zstack_file = estate.root / "desired" / "zstack.yml"
    kept = zstack_file.read_text(encoding="utf-8").replace(
        f"  - resource_uuid: {HOST_UUID}\n    resource_type: HostVO\n    tag: rack::a1\n    adopt: true\n", "")
    assert kept != zstack_file.read_text(encoding="utf-8")
    zstack_file.write_text(kept, encoding="utf-8")
    pruned = estate.run("apply", "--prune", "desired")
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    tags = [tag["tag"] for tag in estate.handles["zstack"].state()["tags"].values()]
    assert "rack::a1" not in tags and {"tier::web", "tier::db", "ha::NeverStop"} <= set(tags)
    assert estate.import_into("after-prune", "--vsd-vm", VM)[1] == dict(files, **{"zstack.yml": kept.encode()})


def import_files(estate: Estate, out: str = "desired", **options: Any) -> tuple[ImportResult, dict[str, Any]]:
    """`import_platforms` in-process; the result and each file written, by platform, as YAML data."""
    result = import_platforms(ImportOptions([str(estate.endpoints)], str(estate.root / out), **options))
    return result, {Path(path).stem: yaml.safe_load(Path(path).read_text(encoding="utf-8")) for path in result.files}


def test_kind_narrows_the_import_and_existing_names_what_its_entries_reference(estate):
    result, files = import_files(estate, kinds=["opendcp_pool", "migration_task"])
    assert files == {
        "migration": {"version": 1, "existing": {
            "migration_cloud_connection": ["cloud1"], "migration_transport_server": ["trans-cloud", "trans-local"],
            "migration_source_host": ["web01"]}, "resources": {"migration_task": [files["migration"]["resources"][
                "migration_task"][0]]}},
        "opendcp": {"version": 1, "existing": {"opendcp_service": ["frontend"],
                                               "opendcp_task_template": ["expand_web", "shrink_web"]},
                    "resources": {"opendcp_pool": [{"name": "web-pool", "service": "frontend", "desc": "pool",
                                                    "vm_type": 3, "sd_id": 7, "size": 2, "adopt": True,
                                                    "tasks": {"expand": "expand_web", "shrink": "shrink_web"}}]}}}
    assert (result.entries, result.kinds, result.problems, result.changes) == (2, 2, [], [])
    assert summary_lines(result)[0] == "imported 2 entries of 2 kinds; plan: no changes"
    assert estate.writes() == {name: [] for name in PLATFORMS}


def test_match_keeps_the_objects_of_a_kind_whose_name_matches(estate):
    _, files = import_files(estate, kinds=["zstack_user_tag", "opendcp_task_template"],
                            matches=["zstack_user_tag/tier::*", "opendcp_task_template/shrink*"])
    assert [tag["tag"] for tag in files["zstack"]["resources"]["zstack_user_tag"]] == ["tier::web", "tier::db"]
    assert [template["name"] for template in files["opendcp"]["resources"]["opendcp_task_template"]] == ["shrink_web"]


def test_secrets_are_placeholders_listed_at_the_top_of_their_file_and_the_plan_runs_without_them(estate):
    result, files = import_files(estate, kinds=["migration_cloud_connection", "migration_vsphere_platform"])
    text = Path(result.files[0]).read_text(encoding="utf-8")
    cloud = "CONVERGE_MIGRATION_CLOUD_CONNECTION_CLOUD1_CLOUD_PASSWORD"
    vsphere = "CONVERGE_MIGRATION_VSPHERE_PLATFORM_VCENTER_VSPHERE_PASSWORD"
    assert text.splitlines()[:7] == [
        "# The objects of the migration endpoint, written by `reconciler import`: every entry adopts its",
        "# object (apply writes this desired state's owner on it). The endpoint comes from --endpoints.",
        "#",
        "# Secrets the platform never returns are read from these variables; set each one before an",
        "# apply that creates or changes its object:",
        f"#   {cloud}: migration_cloud_connection[name=cloud1] cloud_password",
        f"#   {vsphere}: migration_vsphere_platform[name=vcenter] vsphere_password"]
    assert f"    cloud_password: {{env: {cloud}}}\n" in text
    assert files["migration"]["resources"]["migration_vsphere_platform"][0]["vsphere_password"] == {"env": vsphere}
    assert cloud not in os.environ and (result.problems, result.changes) == ([], [])


def test_objects_the_platform_made_are_imported_only_when_their_kind_is_named(estate_with_inherent_tags):
    estate = estate_with_inherent_tags
    _, default = import_files(estate, "default")
    zstack = default["zstack"]["resources"]
    assert [tag["tag"] for tag in zstack["zstack_system_tag"]] == ["ha::NeverStop"]
    assert not {"zstack_gc_job", "zstack_notification"} & set(zstack)
    result, named = import_files(estate, "named", kinds=["zstack_system_tag", "zstack_gc_job", "zstack_notification"])
    state = estate.handles["zstack"].state()
    assert len(named["zstack"]["resources"]["zstack_gc_job"]) == len(state["gc_jobs"])
    assert len(named["zstack"]["resources"]["zstack_notification"]) == len(state["notifications"])
    inherent = sorted(tag["tag"] for tag in state["tags"].values() if tag.get("inherent"))
    assert inherent and sorted(tag["tag"] for tag in named["zstack"]["resources"]["zstack_system_tag"]) == sorted(
        inherent + ["ha::NeverStop"])
    assert result.problems == []


def test_kinds_that_cannot_be_imported_are_noted_and_said_in_help(estate):
    result, files = import_files(estate)
    refused = {kind: spec.import_refusal for kind, spec in kinds().items() if spec.import_refusal}
    assert sorted(refused) == ["osgview_vm_group", "vsd_snapshot"]
    assert result.notes == [f"note: {kind} not imported: {reason}" for kind, reason in refused.items()]
    assert sorted(files) == ["migration", "opendcp", "zstack"]
    shown = run_cli(["reconciler", "import", "--help"])
    assert shown.returncode == 0
    flat = "".join(shown.stdout.split())  # as click wraps it, a word may be cut at its hyphen
    assert all("".join(f"{kind} {reason}".split()) in flat for kind, reason in refused.items()), shown.stdout


def test_a_file_that_does_not_validate_is_reported_and_not_planned(estate, monkeypatch):
    spec = kinds()["opendcp_cluster"]
    monkeypatch.setattr(type(spec), "entry_of", lambda self, live: {"name": live["name"], "biz": ["not", "text"]})
    result, _ = import_files(estate, kinds=["opendcp_cluster"])
    assert result.plan is None and result.files == [str(estate.root / "desired" / "opendcp.yml")]
    assert result.problems == [f"{result.files[0]}:7: resources.opendcp_cluster[0].biz: must be a string, got a list "
                               f"['not', 'text']"]


@pytest.mark.parametrize(("args", "error"), [
    (["--kind", "opendcp_services"], "--kind opendcp_services: unknown kind 'opendcp_services' (did you mean "
                                     "'opendcp_service'?)"),
    (["--kind", "vsd_snapshot"], "--kind vsd_snapshot: the endpoints file(s) name no vsd endpoint"),
    (["--match", "opendcp_service"], "--match opendcp_service: give KIND/GLOB, such as opendcp_service/web-*"),
    (["--match", "opendcp_servise/web"], "--match opendcp_servise/web: unknown kind 'opendcp_servise' (did you mean "
                                         "'opendcp_service'?)"),
    (["--vsd-vm", "only-a-cluster"], "--vsd-vm only-a-cluster: give CLUSTER_UUID/COMPUTE_UUID, the VM whose "
                                     "snapshots to import"),
])
def test_bad_options_are_one_line_errors_and_nothing_is_written(tmp_path, args, error):
    (tmp_path / "endpoints.yml").write_text("opendcp: {url: 'http://127.0.0.1:9'}\n", encoding="utf-8")
    shown = run_cli(["reconciler", "import", "--endpoints", "endpoints.yml", "--out", "desired", *args], cwd=tmp_path)
    assert (shown.returncode, shown.stderr, shown.stdout) == (1, error + "\n", "")
    assert not (tmp_path / "desired").exists()


def test_no_endpoints_file_is_an_error(tmp_path):
    shown = run_cli(["reconciler", "import", "--out", "desired"], cwd=tmp_path, env={"CONVERGE_ENDPOINTS": ""})
    assert (shown.returncode, shown.stderr) == (1, "no endpoints file: give --endpoints FILE (or list the files in "
                                                   "CONVERGE_ENDPOINTS)\n")
    assert not (tmp_path / "desired").exists()


@pytest.mark.parametrize("value", ["0o17", "1_000", "1e3", ".inf", "true", "null", "~", "", "2026-01-01", "yes",
                                   "0x1F", "12:30", "- item", "a: b", "#hash", "né"])
def test_the_files_read_back_every_string_as_written(value):
    """YAML 1.2's core schema (the reconciler's reader) reads each value back as the string it was."""
    spec = kinds()["opendcp_cluster"]
    imported = ImportedPlatform("opendcp", [ImportedKind(spec, [{"name": value, "desc": value, "adopt": True}])])
    read = fast_yaml.load(document(imported, {}))
    assert read["resources"]["opendcp_cluster"] == [{"name": value, "desc": value, "adopt": True}]


def test_a_difference_the_import_could_not_avoid_is_printed_with_its_reason(estate, monkeypatch):
    spec = kinds()["opendcp_cluster"]
    monkeypatch.setattr(type(spec), "entry_of", lambda self, live: {"name": live["name"], "desc": "not as it is"})
    result, _ = import_files(estate, kinds=["opendcp_cluster"])
    assert summary_lines(result) == [
        "imported 1 entry of 1 kind; plan: 1 change",
        "  opendcp_cluster[name=web]: update (the entry's desc differs from the platform's, which it cannot hold)"]
    assert estate.writes() == {name: [] for name in PLATFORMS}


def test_a_match_of_a_kind_that_kind_leaves_out_is_an_error(tmp_path):
    (tmp_path / "endpoints.yml").write_text("opendcp: {url: 'http://127.0.0.1:9'}\n", encoding="utf-8")
    with pytest.raises(DocumentError) as raised:
        import_platforms(ImportOptions([str(tmp_path / "endpoints.yml")], str(tmp_path / "desired"),
                                       kinds=["opendcp_pool"], matches=["opendcp_service/web-*"]))
    assert raised.value.problems == ["--match opendcp_service/web-*: opendcp_service is not imported (--kind names "
                                     "opendcp_pool)"]
    assert not (tmp_path / "desired").exists()


def test_the_command_exits_1_naming_each_problem_when_its_files_do_not_validate(estate, monkeypatch):
    spec = kinds()["opendcp_cluster"]
    monkeypatch.setattr(type(spec), "entry_of", lambda self, live: {"name": live["name"], "biz": ["not", "text"]})
    monkeypatch.chdir(estate.root)
    shown = CliRunner().invoke(main, ["import", "--endpoints", "endpoints.yml", "--out", "desired", "--kind",
                                      "opendcp_cluster"])
    assert shown.exit_code == 1
    assert shown.output == ("desired/opendcp.yml:7: resources.opendcp_cluster[0].biz: must be a string, got a list "
                            "['not', 'text']\nimport: the files written into desired do not validate\n")


def test_an_endpoint_that_does_not_answer_is_named_with_its_line_and_nothing_is_written(tmp_path, monkeypatch):
    stepped = SteppedClock.instead_of_the_system_clock(monkeypatch)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("opendcp: {url: 'http://127.0.0.1:9', operator: converge, timeout: 1}\n", encoding="utf-8")
    shown = CliRunner().invoke(main, ["import", "--endpoints", str(endpoints), "--out", str(tmp_path / "desired")])
    assert shown.exit_code == 1 and stepped.sleeps
    assert shown.output.startswith(f"{endpoints}:1: endpoints.opendcp: cannot reach http://127.0.0.1:9 after 5 "
                                   "attempts: GET /cluster/list: "), shown.output
    assert not (tmp_path / "desired").exists()


def test_the_endpoints_may_come_from_converge_endpoints(estate):
    shown = run_cli(["reconciler", "import", "--out", "desired", "--kind", "opendcp_cluster"], cwd=estate.root,
                    env={"CONVERGE_ENDPOINTS": str(estate.endpoints)})
    assert (shown.returncode, shown.stdout.splitlines()) == (0, [
        "imported 1 entry of 1 kind; plan: no changes",
        "apply adopts 1 object: it writes this desired state's owner on it and changes nothing else"])
    assert resources((estate.root / "desired" / "opendcp.yml").read_bytes()) == {
        "opendcp_cluster": [{"name": "web", "desc": "web tier", "biz": "1", "adopt": True}]}
