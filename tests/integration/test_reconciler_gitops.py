"""The reconciler as a GitOps tool: directories, targets, pictures, versions and progress as it runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap

import pytest

import emulators
from reconciler.api import Options, reconcile
from reconciler.desired import DocumentError, load
from reconciler.version import collection_version
from tests.support import BIN, INLINE_SECRETS_YAML, ROOT, ansible_env, run_cli

pytestmark = pytest.mark.slow

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
VM2 = "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81"


def write(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def tag_file(path, url: str, tags: list[str]) -> str:
    """A desired state of user tags on one VM, against the ZStack at `url`."""
    entries = "".join(f'\n    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "{tag}"}}' for tag in tags)
    path.write_text(f"version: 1\nendpoints:\n  zstack: {{url: {url}, username: admin, password: password}}\n"
                    f"{INLINE_SECRETS_YAML}resources:\n  zstack_user_tag:{entries}\n", encoding="utf-8")
    return str(path)


def team_repository(tmp_path, url: str):
    """A repository with the endpoint in one file and two teams' tags in two others (one in a subdirectory)."""
    root = tmp_path / "desired"
    write(root / "00-endpoints.yml", f"""\
        version: 1
        endpoints:
          zstack: {{url: {url}, username: admin, password: password}}
        settings: {{inline_secrets: true}}
        """)
    write(root / "web.yml", f"""\
        version: 1
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
        """)
    write(root / "teams" / "db.yaml", f"""\
        version: 1
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM2}, resource_type: VmInstanceVO, tag: "tier::db"}}
        """)
    write(root / ".hidden" / "ignored.yml", "not: [valid")
    write(root / "notes.txt", "not a desired-state file")
    return root


def test_a_directory_plans_as_one_desired_state(zstack, tmp_path):
    root = team_repository(tmp_path, zstack.url)
    desired = load([str(root)])
    assert desired.files == [str(root / "00-endpoints.yml"), str(root / "teams" / "db.yaml"), str(root / "web.yml")]
    plan = reconcile(Options([str(root)])).plan
    assert sorted(change.change.identity()["tag"] for change in plan.pending) == ["tier::db", "tier::web"]


def test_a_duplicate_across_two_files_names_both_places(tmp_path):
    root = team_repository(tmp_path, "http://127.0.0.1:9")
    write(root / "again.yml", f"""\
        version: 1
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
        """)
    with pytest.raises(DocumentError) as caught:
        load([str(root)])
    assert caught.value.problems == [f"{root / 'web.yml'}:4: duplicate zstack_user_tag (resource_uuid={VM}, "
                                     f"resource_type=VmInstanceVO, tag=tier::web); first defined at "
                                     f"{root / 'again.yml'}:4"]


def test_a_path_naming_no_file_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DocumentError) as caught:
        load([str(tmp_path / "empty"), str(tmp_path / "missing.yml")])
    assert caught.value.problems == [f"{tmp_path / 'empty'}: no *.yml or *.yaml file in this directory",
                                     f"{tmp_path / 'missing.yml'}: no such file or directory"]


@pytest.fixture
def all_platforms(tmp_path):
    """examples/all-platforms.yml in a directory of its own (its embedded emulators keep state there)."""
    path = tmp_path / "all-platforms.yml"
    shutil.copy(ROOT / "examples" / "all-platforms.yml", path)
    return str(path)


def test_a_target_plans_only_itself_and_what_it_depends_on(all_platforms):
    plan = reconcile(Options([all_platforms], targets=["opendcp_pool/frontend-pool"])).plan
    kinds = sorted({change.change.kind for change in plan.changes})
    # the pool needs its service (and so its cluster) and its templates, which need their remote steps, which
    # need their actions and implementations; nothing of the other four platforms
    assert kinds == ["opendcp_actimpl", "opendcp_action", "opendcp_cluster", "opendcp_pool", "opendcp_remote_step",
                     "opendcp_service", "opendcp_task_template"]
    assert [c.title for c in plan.changes if c.change.kind == "opendcp_pool"] == ["opendcp_pool[name=frontend-pool]"]


def test_a_target_of_a_whole_kind_and_an_unknown_target(all_platforms):
    plan = reconcile(Options([all_platforms], targets=["zstack_user_tag"])).plan
    assert [c.change.identity()["tag"] for c in plan.changes] == ["tier::web", "tier::db"]
    with pytest.raises(DocumentError) as caught:
        reconcile(Options([all_platforms], targets=["opendcp_pool/nowhere"]))
    assert caught.value.problems == ["--target opendcp_pool/nowhere: no entry of the desired state matches it "
                                     "(use KIND or KIND/NAME)"]


DOT_NODE = re.compile(r'^\s+(n\d+) \[label=("(?:[^"\\]|\\.)*")(?:, color=\w+)?\];$')
DOT_EDGE = re.compile(r"^\s+(n\d+) -> (n\d+);$")


def parse_dot(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Nodes (id -> label) and edges of the DOT the graph command prints; any other line fails the parse."""
    import json

    lines = text.strip().splitlines()
    assert lines[0] == "digraph converge {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if line.strip() in ("rankdir=LR;", 'node [shape=box, fontname="monospace"];'):
            continue
        node, edge = DOT_NODE.match(line), DOT_EDGE.match(line)
        assert node or edge, f"not DOT this graph uses: {line!r}"
        if node:
            nodes[node.group(1)] = json.loads(node.group(2))
        else:
            edges.append(edge.groups())
    assert all(a in nodes and b in nodes for a, b in edges)
    return nodes, edges


def test_graph_names_every_entry_of_the_examples_with_its_edges(all_platforms):
    shown = run_cli(["reconciler", "graph", all_platforms])
    assert shown.returncode == 0, shown.stderr
    nodes, edges = parse_dot(shown.stdout)
    desired = load([all_platforms])
    assert len(nodes) == len(desired.entries) == 25
    label = {value: key for key, value in nodes.items()}
    assert (label["opendcp_cluster[name=web]"], label["opendcp_service[name=frontend]"]) in edges
    assert (label["opendcp_service[name=frontend]"], label["opendcp_pool[name=frontend-pool]"]) in edges
    assert (label["migration_license"], label["migration_task[name=migrate-web-01]"]) in edges
    if shutil.which("dot"):
        rendered = subprocess.run(["dot", "-Tsvg"], input=shown.stdout, capture_output=True, text=True)
        assert rendered.returncode == 0, rendered.stderr


def test_graph_marks_planned_actions_and_speaks_mermaid(all_platforms):
    shown = run_cli(["reconciler", "graph", "--plan", "--format", "mermaid", all_platforms])
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    assert '["+ opendcp_pool[name=frontend-pool] (create)"]' in shown.stdout
    assert sum(1 for line in lines if "-->" in line) >= 10


def test_the_markdown_plan_draws_the_order_of_work(all_platforms):
    shown = run_cli(["reconciler", "plan", "--format", "markdown", all_platforms])
    assert shown.returncode == 0, shown.stderr
    picture = shown.stdout.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert picture.startswith("flowchart LR\n")
    assert "opendcp_pool[name=frontend-pool] (create)" in picture


def test_titles_leave_out_unset_identity_fields(all_platforms):
    shown = run_cli(["reconciler", "plan", all_platforms])
    assert "=None" not in shown.stdout and "[]" not in shown.stdout
    assert "  ~ migration_license: update" in shown.stdout


def test_a_create_shows_every_field_it_sends(all_platforms):
    changes = {c.title: c.as_dict() for c in reconcile(Options([all_platforms])).plan.pending}
    snapshot = changes["vsd_snapshot[cluster_uuid=650ea11b-b7fb-4269-8232-aa53865aab3b, "
                       "compute_name=test-templ, name=baseline-running]"]
    assert snapshot["after"]["memory"] is True
    vsphere = changes["migration_vsphere_platform[name=vcenter-dc1]"]
    assert "transport_server" in vsphere["after"]


def test_version_names_the_reconciler_and_the_collection():
    shown = run_cli(["reconciler", "version"])
    flag = run_cli(["reconciler", "--version"])
    assert shown.returncode == flag.returncode == 0
    assert shown.stdout == flag.stdout == (f"reconciler {collection_version(ROOT)}\n"
                                           f"converge.platforms collection {collection_version(ROOT)}\n")


def test_without_a_terminal_each_outcome_is_a_line_as_it_happens(tmp_path):
    """Read the first outcome line while apply still has work: the output is not held until the end."""
    with emulators.start("zstack", port=0) as zstack:
        path = tag_file(tmp_path / "many.yml", zstack.url, [f"batch::{n}" for n in range(12)])
        zstack.set_faults(latency_ms=150)
        process = subprocess.Popen([str(BIN / "reconciler"), "apply", "--concurrency", "1", path],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ansible_env())
        try:
            first = ""
            for line in process.stdout:
                if re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ done ", line):
                    first = line
                    break
            still_running = process.poll() is None
            rest, errors = process.communicate(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()
        assert first, errors
        assert still_running, "the first outcome arrived only when apply had ended"
        outcome_lines = [line for line in rest.splitlines() if re.match(r"^\d{4}-\d\d-\d\dT", line)]
        assert len(outcome_lines) == 11
        assert rest.strip().endswith("Apply complete: 12 applied, 0 failed, 0 skipped.")


def run_on_a_terminal(args: list[str], extra_env: dict[str, str] | None = None) -> str:
    """What a command prints on a pseudo-terminal (so that it believes a person watches)."""
    import os
    import pty

    leader, follower = pty.openpty()
    env = ansible_env(extra_env)
    if "NO_COLOR" not in (extra_env or {}):
        env.pop("NO_COLOR", None)
    process = subprocess.Popen([str(BIN / args[0])] + args[1:], stdin=follower, stdout=follower, stderr=follower,
                               env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_unless_no_color_or_the_flag_says_otherwise(tmp_path):
    with emulators.start("zstack", port=0) as zstack:
        path = tag_file(tmp_path / "one.yml", zstack.url, ["colour::1"])
        coloured = run_on_a_terminal(["reconciler", "plan", path])
        assert "\x1b[32m" in coloured and "  + zstack_user_tag[" in coloured
        assert "\x1b[" not in run_on_a_terminal(["reconciler", "plan", "--no-color", path])
        assert "\x1b[" not in run_on_a_terminal(["reconciler", "plan", path], {"NO_COLOR": "1"})
        applied = run_on_a_terminal(["reconciler", "apply", "--auto-approve", "--no-color", path])
        assert "done    create   zstack_user_tag[" in applied
        assert "Apply complete: 1 applied, 0 failed, 0 skipped." in applied
