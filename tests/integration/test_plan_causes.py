"""Why each difference of a plan exists: an edit on the platform, an edit in the files, or both, told from the
ledger's values last applied (reconciler/causes.py), with the file backend and with a real PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest
import requests

import emulators
from reconciler import report as reports
from reconciler.api import Options, reconcile
from reconciler.causes import BOTH, FILES, PLATFORM, UNKNOWN, cause_lines, cause_of, ledger_index
from reconciler.markdown_plan import plan_markdown
from reconciler.platforms import kinds
from reconciler.state import LedgerEntry, open_backend
from tests.support import run_cli, writes

pytestmark = pytest.mark.slow

OWNER = "team-a"
MARKER = f"[converge:{OWNER}]"


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


@pytest.fixture
def state(tmp_path) -> str:
    """The URL of a file backend of the test's own."""
    return f"file://{tmp_path / 'state'}"


@pytest.fixture
def shared_state(postgresql_database) -> str:
    """The URL of a PostgreSQL backend: a database of its own in the session's cluster."""
    return str(postgresql_database)


def write_desired(tmp_path, url: str, clusters: dict[str, dict]) -> str:
    """The desired-state file of OpenDCP clusters (name -> fields), owned by team-a."""
    path = tmp_path / "dcp.yml"
    lines = [f"  - {json.dumps(dict(name=name, **fields))}" for name, fields in clusters.items()]
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          opendcp: {{url: {url}, operator: converge}}
        settings: {{owner: {OWNER}}}
        resources:
          opendcp_cluster:
        """) + "\n".join(f"  {line}" for line in lines) + "\n", encoding="utf-8")
    return str(path)


def applied(path: str, url: str) -> None:
    """Apply the desired state with the state backend `url` (the ledger recorded); nothing may fail."""
    result = reconcile(Options([path], apply=True, state=url))
    assert result.report is not None and not result.failed, result.as_dict()


def edited_on_the_platform(handle, name: str, **fields: str) -> None:
    """A cluster changed by raw HTTP, as a person at the console would change it."""
    cluster = next(c for c in handle.state()["clusters"].values() if c["name"] == name)
    body = {"name": name, "desc": cluster["desc"], "biz": cluster["biz"], **fields}
    answer = requests.post(f"{handle.url}/cluster/update/{cluster['id']}", json=body, timeout=10).json()
    assert answer["code"] == 0, answer


def planned(path: str, url: str) -> tuple:
    """The plan with the state backend `url`, its JSON and its text."""
    plan = reconcile(Options([path], state=url)).plan
    return plan, json.loads(reports.render_plan(plan, "json")), reports.plan_text(plan)


def applied_at(url: str, root, name: str = "web") -> str:
    """When the ledger says the cluster `name` was last applied."""
    with open_backend(url, root) as backend:
        return next(entry.applied_at for entry in backend.ledger(OWNER, "opendcp_cluster")
                    if entry.identity == [name])


def change_lines(text: str, title: str) -> list[str]:
    """The text plan's lines of one change: its heading and the indented lines under it."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(f"  ~ {title}: "))
    end = next((index for index in range(start + 1, len(lines)) if not lines[index].startswith("      ")),
               len(lines))
    return lines[start:end]


@pytest.mark.parametrize("backend", ["state", "shared_state"])
def test_an_edit_on_the_platform_is_told_from_the_values_last_applied(opendcp, tmp_path, request, backend):
    any_state = request.getfixturevalue(backend)
    path = write_desired(tmp_path, opendcp.url, {"web": {"desc": "first"}})
    applied(path, any_state)
    edited_on_the_platform(opendcp, "web", desc=f"by hand {MARKER}")
    plan, data, text = planned(path, any_state)
    [change] = data["changes"]
    assert (change["action"], change["cause"], change["causes"]) == ("update", PLATFORM, {"desc": PLATFORM})
    when = applied_at(any_state, tmp_path)
    assert change["last_applied"] == {"at": when, "revision": None}
    assert change_lines(text, "opendcp_cluster[name=web]") == [
        f"  ~ opendcp_cluster[name=web]: update   ({path}:7)",
        f'      desc: "by hand {MARKER}" -> "first {MARKER}"',
        f"      # changed on the platform since the apply of {when}"]
    opendcp.clear_requests()
    applied(path, any_state)
    assert [(w["method"], w["path"]) for w in writes(opendcp.requests)] == [("POST", "/cluster/update/1")]
    assert reconcile(Options([path], state=any_state)).plan.pending == []


def test_an_edit_in_the_files_is_told_and_the_revision_named(opendcp, tmp_path, state):
    git = ["git", "-c", "user.name=converge", "-c", "user.email=converge@127.0.0.1", "-C", str(tmp_path)]
    path = write_desired(tmp_path, opendcp.url, {"web": {"desc": "first"}})
    subprocess.run(git[:-2] + ["init", "-q", str(tmp_path)], check=True)
    subprocess.run(git + ["add", "dcp.yml"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "first"], check=True)
    revision = subprocess.run(git + ["rev-parse", "--short", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()
    applied(path, state)
    write_desired(tmp_path, opendcp.url, {"web": {"desc": "second"}})
    _, data, text = planned(path, state)
    [change] = data["changes"]
    assert (change["cause"], change["causes"]) == (FILES, {"desc": FILES})
    assert change["last_applied"] == {"at": applied_at(state, tmp_path), "revision": revision}
    assert change_lines(text, "opendcp_cluster[name=web]")[1:] == [
        f'      desc: "first {MARKER}" -> "second {MARKER}"', "      # changed in the files"]


def test_one_field_moved_on_both_sides_is_both(opendcp, tmp_path, state):
    path = write_desired(tmp_path, opendcp.url, {"web": {"desc": "first"}})
    applied(path, state)
    edited_on_the_platform(opendcp, "web", desc=f"by hand {MARKER}")
    write_desired(tmp_path, opendcp.url, {"web": {"desc": "second"}})
    _, data, text = planned(path, state)
    [change] = data["changes"]
    assert (change["cause"], change["causes"]) == (BOTH, {"desc": BOTH})
    assert change_lines(text, "opendcp_cluster[name=web]")[2:] == [
        f"      # changed on the platform since the apply of {applied_at(state, tmp_path)}",
        "      # changed in the files"]


def test_two_fields_moved_by_each_side_are_both_and_named(opendcp, tmp_path, state):
    path = write_desired(tmp_path, opendcp.url, {"web": {"desc": "first", "biz": "1"}, "api": {"desc": "kept"}})
    applied(path, state)
    edited_on_the_platform(opendcp, "web", desc=f"by hand {MARKER}")
    write_desired(tmp_path, opendcp.url, {"web": {"desc": "first", "biz": "2"}, "api": {"desc": "kept"}})
    plan, data, text = planned(path, state)
    [change] = data["changes"]
    assert (change["cause"], change["causes"]) == (BOTH, {"desc": PLATFORM, "biz": FILES})
    assert change_lines(text, "opendcp_cluster[name=web]")[3:] == [
        f"      # changed on the platform since the apply of {applied_at(state, tmp_path)}: desc",
        "      # changed in the files: biz"]
    markdown = plan_markdown(plan)
    assert "changed in the files: biz" in markdown
    assert "changed on the platform since the apply of" in markdown


def test_without_the_objects_ledger_the_cause_is_unknown_and_no_line_is_shown(opendcp, tmp_path, state):
    answer = requests.post(f"{opendcp.url}/cluster/create", json={"name": "web", "desc": "by hand", "biz": "1"},
                           timeout=10).json()
    assert answer["code"] == 0, answer
    path = write_desired(tmp_path, opendcp.url, {"web": {"desc": "wanted"}})
    _, data, text = planned(path, state)
    [change] = data["changes"]
    assert (change["cause"], change["causes"]) == (UNKNOWN, {"desc": UNKNOWN})
    assert "last_applied" not in change
    assert change_lines(text, "opendcp_cluster[name=web]")[1:] == ['      desc: "by hand" -> "wanted"']
    markdown = plan_markdown(reconcile(Options([path], state=state)).plan)
    assert "changed in the files" not in markdown and "changed on the platform" not in markdown


def test_the_cli_prints_the_cause_in_text_and_json(opendcp, tmp_path, state):
    path = write_desired(tmp_path, opendcp.url, {"web": {"desc": "first"}})
    applied(path, state)
    edited_on_the_platform(opendcp, "web", desc=f"by hand {MARKER}")
    shown = run_cli(["reconciler", "plan", "--no-color", "--state", state, path])
    assert shown.returncode == 0, shown.stderr
    assert f"      # changed on the platform since the apply of {applied_at(state, tmp_path)}" in shown.stdout
    as_json = run_cli(["reconciler", "plan", "--format", "json", "--state", state, path])
    assert as_json.returncode == 0, as_json.stderr
    assert [change["cause"] for change in json.loads(as_json.stdout)["changes"]] == [PLATFORM]


def ledger_of(spec, applied_values: dict, status: str = "confirmed") -> dict:
    """A ledger holding one object of `spec` named web, with `applied_values`."""
    entry = LedgerEntry(OWNER, spec.kind, spec.platform, ["web"], applied_values, "abc1234",
                        "2026-12-07T00:00:00Z", status)
    return ledger_index([entry], {spec.kind: spec.identity})


def test_a_write_cut_short_leaves_the_cause_unknown():
    spec = kinds()["opendcp_cluster"]
    change = spec.plan({"name": "web", "desc": "second"}, {"name": "web", "desc": "first"})
    assert cause_of(change, ledger_of(spec, {"desc": "first"})).cause == FILES
    assert cause_of(change, ledger_of(spec, {"desc": "first"}, status="intent")).cause == UNKNOWN
    assert cause_of(change, ledger_of(spec, {"biz": "1"})).cause == UNKNOWN
    assert cause_of(spec.plan({"name": "web", "desc": "x"}, None), ledger_of(spec, {"desc": "first"})) is None


def test_a_secret_is_never_compared_and_its_cause_is_unknown():
    spec, secret = kinds()["migration_cloud_connection"], "cloud_password"
    change = spec.plan({"name": "web", secret: "new"}, {"name": "web", secret: "old"})
    assert change.action == "update"
    cause = cause_of(change, ledger_of(spec, {secret: "(sensitive value)"}))
    assert cause is not None and cause.fields.get(secret) == UNKNOWN
    assert "new" not in json.dumps(cause.as_dict()) and "old" not in json.dumps(cause.as_dict())


def test_the_lines_leave_out_what_the_ledger_does_not_know():
    assert cause_lines({"cause": PLATFORM, "causes": {"desc": PLATFORM},
                        "last_applied": {"at": "2026-12-07T00:00:00Z", "revision": None}}) == [
        "changed on the platform since the apply of 2026-12-07T00:00:00Z"]
    assert cause_lines({"cause": UNKNOWN, "causes": {"desc": UNKNOWN}}) == []
    assert cause_lines({"action": "create"}) == []
