"""Rollback to a revision: `plan --revision REV` and `apply --revision REV` plan a git work tree's files as they were
at a commit, against the OpenDCP emulator; a rollback suspends a watch of the branch until a newer commit
(reconciler/rollback.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

import emulators
from reconciler.rollback import branch_head
from reconciler.watch.policy import Policy
from tests.integration.test_confirmation import QUESTION, Terminal
from tests.integration.test_watch import by_hand, clusters
from tests.support import run_cli, writes
from tests.watch_support import Repository, clusters_file, git, watcher_of

pytestmark = pytest.mark.slow

FILE = "desired/dcp.yml"
#: a change's line in a text plan: its sign, title and action
CHANGE_LINE = re.compile(r"^  [~+-] (\S+): (\w+(?: \(prune\))?)")


@dataclass
class History:
    """A work tree whose branch went from `old` (web) to `new` (web changed, db added), `new` applied."""

    repository: Repository
    old: str
    new: str
    state: str

    def run(self, *args: str):
        """The reconciler run in the work tree with the test's state backend."""
        return run_cli(["reconciler", *args, "--state", self.state], cwd=self.repository.work)


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


@pytest.fixture
def history(opendcp, tmp_path) -> History:
    repository = Repository(tmp_path / "git")
    old = repository.push({FILE: clusters_file(opendcp.url, {"web": {"desc": "shop"}})}, "web")
    new = repository.push({FILE: clusters_file(opendcp.url, {"web": {"desc": "shop v2"}, "db": {"desc": "data"}})},
                          "web v2 and db")
    made = History(repository, old, new, f"file://{tmp_path / 'state'}")
    applied = made.run("apply", "--auto-approve", "desired")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert clusters(opendcp) == {"web": "shop v2 [converge:team-a]", "db": "data [converge:team-a]"}
    opendcp.clear_requests()
    return made


def heading(history: History, asked: str) -> str:
    return (f"Rollback from {history.new[:12]} (the branch's head) to {history.old[:12]} ({asked}): the files as "
            f"they were at that commit, planned against live state.")


def changes(output: str) -> list[tuple[str, str]]:
    """(title, action) of each change a text plan shows, in its order."""
    return [match.groups() for match in map(CHANGE_LINE.match, output.splitlines()) if match]


def test_plan_at_a_revision_shows_the_changes_back_to_it_and_writes_nothing(opendcp, history):
    planned = history.run("plan", "--revision", "HEAD~1", "--prune", "desired")
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    assert lines[0] == heading(history, "HEAD~1")
    assert changes(planned.stdout) == [("opendcp_cluster[name=web]", "update"),
                                       ("opendcp_cluster[name=db]", "delete (prune)")]
    assert "  ~ opendcp_cluster[name=web]: update   (desired/dcp.yml:7)" in lines  # the work tree's file, not a copy
    assert '      desc: "shop v2 [converge:team-a]" -> "shop [converge:team-a]"' in lines
    assert writes(opendcp.requests) == []


def test_apply_at_a_revision_puts_the_old_values_back_and_records_the_revision(opendcp, history):
    applied = history.run("apply", "--revision", history.old, "--prune", "--auto-approve", "desired")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[0] == heading(history, history.old)
    assert clusters(opendcp) == {"web": "shop [converge:team-a]"}
    assert (f"Every entry of team-a is suspended in watch mode until a commit after {history.new[:12]} arrives "
            f"(reconciler resume lifts it sooner).") in applied.stdout
    shown = history.run("state", "history", "--format", "json", "desired")
    newest = json.loads(shown.stdout)["history"][0]
    assert (newest["revision"], newest["outcome"], newest["files"]) == (history.old, "success", [FILE])


def test_apply_at_a_revision_asks_on_a_terminal_naming_the_rollback(opendcp, history):
    terminal = Terminal(["reconciler", "apply", "--revision", "HEAD~1", "--state", history.state, "desired"],
                        history.repository.work)
    shown = terminal.read_until(QUESTION)
    assert shown.splitlines()[0] == heading(history, "HEAD~1")
    terminal.type("no")
    assert terminal.finish() == 1
    assert writes(opendcp.requests) == []


def test_a_saved_plan_at_a_revision_is_applied_at_that_revision(opendcp, history, tmp_path):
    saved = str(tmp_path / "plan.json")
    planned = history.run("plan", "--revision", history.old, "--out", saved, "desired")
    assert planned.returncode == 0, planned.stderr
    data = json.loads(open(saved, encoding="utf-8").read())
    assert data["revision"] == history.old and [item["path"] for item in data["files"]] == [FILE]
    opendcp.clear_requests()
    other = history.run("apply", "--plan", saved, "--revision", history.new, "desired")
    assert (other.returncode, other.stderr) == (1, f"{saved}: the plan was made at revision {history.old[:12]}, "
                                                   f"not at {history.new}\n")
    assert opendcp.requests == []
    applied = history.run("apply", "--plan", saved, "--revision", "HEAD~1", "desired")
    assert applied.returncode == 0, applied.stderr
    assert clusters(opendcp) == {"web": "shop [converge:team-a]", "db": "data [converge:team-a]"}  # no prune asked


def test_a_saved_plan_at_a_revision_is_refused_when_the_live_state_moved(opendcp, history, tmp_path):
    saved = str(tmp_path / "plan.json")
    assert history.run("plan", "--revision", history.old, "--out", saved, "desired").returncode == 0
    by_hand(opendcp, "web", "hot fix")
    opendcp.clear_requests()
    applied = history.run("apply", "--plan", saved, "desired")
    assert applied.returncode == 1
    assert (f"{saved}: {FILE}:7: the live state of opendcp_cluster[name=web] changed since the plan was made "
            f"(now: update)") in applied.stderr.splitlines()
    assert "the saved plan is stale: run plan again and review it" in applied.stderr
    assert writes(opendcp.requests) == []
    assert clusters(opendcp)["web"] == "hot fix"


def test_a_revision_that_is_not_a_commit_is_one_clear_line_and_no_request(opendcp, history):
    planned = history.run("plan", "--revision", "no-such-tag", "desired")
    assert planned.returncode == 1
    assert planned.stderr.splitlines() == [
        f"--revision no-such-tag: not a commit of the git repository {history.repository.work.resolve()}"]
    assert opendcp.requests == []


def test_a_file_absent_at_the_revision_is_named(opendcp, history):
    history.repository.push({"desired/more.yml": clusters_file(opendcp.url, {"cache": {"desc": "kv"}})}, "more")
    planned = history.run("plan", "--revision", history.old, "desired/more.yml")
    assert planned.returncode == 1
    assert planned.stderr.splitlines() == [f"desired/more.yml: not in commit {history.old[:12]} ({history.old})"]
    assert opendcp.requests == []


def test_a_watch_holds_everything_after_a_rollback_until_a_newer_commit(opendcp, history, tmp_path):
    assert history.run("apply", "--revision", history.old, "--prune", "--auto-approve", "desired").returncode == 0
    opendcp.clear_requests()
    watcher, _ = watcher_of(history.repository, tmp_path / "cache", Policy(apply=True), history.state)
    report = watcher.run(cycles=2)  # the branch's head, twice: held both times
    assert sorted((e.title, e.status) for e in report.entries) == [("opendcp_cluster[name=db]", "suspended"),
                                                                  ("opendcp_cluster[name=web]", "suspended")]
    assert all(f"until a commit after {history.new[:12]}: rolled back to {history.old} by apply --revision"
               in e.reason for e in report.entries)
    assert writes(opendcp.requests) == [] and report.applied == []
    assert clusters(opendcp) == {"web": "shop [converge:team-a]"}
    newer = history.repository.push({FILE: clusters_file(opendcp.url, {"web": {"desc": "shop v3"},
                                                                       "db": {"desc": "data"}})}, "web v3")
    report = watcher.run(cycles=1)
    assert report.revision == newer and report.outcome == "applied"
    assert report.lifted == [f"the suspension of everything (rolled back to {history.old} by apply --revision) "
                             f"ended: the branch moved from {history.new[:12]} to {newer[:12]}: lifted"]
    assert clusters(opendcp) == {"web": "shop v3 [converge:team-a]", "db": "data [converge:team-a]"}


def embedded_file(desc: str) -> str:
    """A desired state of one cluster on OpenDCP's embedded emulator (kept under the desired state's directory)."""
    return ("version: 1\nendpoints:\n  opendcp: {embedded: true, operator: converge}\nresources:\n"
            f"  opendcp_cluster:\n    - {{name: web, desc: {desc}, biz: \"1\"}}\n")


def test_a_rollback_keeps_to_the_work_trees_state_and_embedded_platform(tmp_path):
    repository = Repository(tmp_path / "git")
    old = repository.push({"desired/site.yml": embedded_file("web services")})
    repository.push({"desired/site.yml": embedded_file("web v2")})
    assert run_cli(["reconciler", "apply", "desired"], cwd=repository.work).returncode == 0
    rolled = run_cli(["reconciler", "apply", "--revision", old, "--auto-approve", "desired"], cwd=repository.work)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert changes(rolled.stdout) == [("opendcp_cluster[name=web]", "update")]  # the same platform: no create
    again = run_cli(["reconciler", "plan", "desired"], cwd=repository.work)
    assert changes(again.stdout) == [("opendcp_cluster[name=web]", "update")]
    shown = run_cli(["reconciler", "state", "history", "--format", "json", "desired"], cwd=repository.work)
    assert [item["revision"] for item in json.loads(shown.stdout)["history"]][0] == old  # the work tree's state
    at_head = run_cli(["reconciler", "apply", "--revision", "HEAD", "--auto-approve", "desired"], cwd=repository.work)
    assert changes(at_head.stdout) == [("opendcp_cluster[name=web]", "update")]
    assert "suspended" not in at_head.stdout  # the branch's own head: nothing for a watch to hold


def test_the_branch_head_is_the_upstreams_when_the_work_tree_has_one(tmp_path):
    repository = Repository(tmp_path / "git")
    pushed = repository.push({"desired/site.yml": embedded_file("web services")})
    git("commit", "--quiet", "--allow-empty", "-m", "not pushed", cwd=repository.work)
    local = git("rev-parse", "HEAD", cwd=repository.work)
    assert branch_head(repository.work) == local  # no upstream: HEAD
    git("fetch", "--quiet", "origin", cwd=repository.work)
    git("branch", "--quiet", "--set-upstream-to=origin/main", cwd=repository.work)
    assert branch_head(repository.work) == pushed  # what a watch of the branch sees
