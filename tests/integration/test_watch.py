"""`reconciler watch`: a bare git repository followed against the OpenDCP emulator, in-process, on a stepped clock
(reconciler/watch)."""

from __future__ import annotations

import pytest
import requests

import emulators
from reconciler.errors import DocumentError
from reconciler.ownership import default_owner, repository_owner
from reconciler.state import open_backend
from reconciler.watch.policy import DRIFT, REPORT_ONLY, Policy
from reconciler.watch.suspensions import iso
from tests.support import run_cli, writes
from tests.watch_support import Repository, clusters_file, git, watcher_of

pytestmark = pytest.mark.slow


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


@pytest.fixture
def repository(tmp_path) -> Repository:
    return Repository(tmp_path / "git")


def clusters(handle) -> dict[str, str]:
    """name -> desc of the emulator's clusters."""
    return {c["name"]: c["desc"] for c in handle.state()["clusters"].values()}


def by_hand(handle, name: str, desc: str) -> None:
    """A cluster's desc changed through the API, as a person at the console would."""
    cluster = next(c for c in handle.state()["clusters"].values() if c["name"] == name)
    answer = requests.post(f"{handle.url}/cluster/update/{cluster['id']}",
                           json={"name": name, "desc": desc, "biz": cluster["biz"]}, timeout=10).json()
    assert answer["code"] == 0, answer


def test_a_pushed_commit_is_applied_at_the_next_cycle(opendcp, repository, tmp_path):
    first = repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, clock = watcher_of(repository, tmp_path / "cache", Policy(apply=True), f"file://{tmp_path / 'state'}")
    report = watcher.run(cycles=1)
    assert (report.outcome, report.revision) == ("applied", first)
    assert clusters(opendcp) == {"web": "shop [converge:team-a]"}
    second = repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"},
                                                                     "db": {"desc": "data"}})})
    opendcp.clear_requests()
    report = watcher.run(cycles=2)  # an idle cycle would come first if the push were not seen at once
    assert watcher.status.as_dict()["revision"] == second
    assert clusters(opendcp) == {"web": "shop [converge:team-a]", "db": "data [converge:team-a]"}
    assert len(writes(opendcp.requests)) == 1
    assert report.outcome == "synced" and report.counts()["synced"] == 2
    assert clock.waits and all(54 <= wait <= 66 for wait in clock.waits)  # 60 s, jittered by up to 10%


def test_a_hand_change_is_only_reported_without_self_heal(opendcp, repository, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(apply=True), f"file://{tmp_path / 'state'}")
    watcher.run(cycles=1)
    by_hand(opendcp, "web", "hot fix")
    opendcp.clear_requests()
    report = watcher.run(cycles=1)
    assert writes(opendcp.requests) == []
    assert clusters(opendcp) == {"web": "hot fix"}
    assert report.outcome == "drifted"
    assert [(e.title, e.source, e.status, e.reason) for e in report.entries] == [
        ("opendcp_cluster[name=web]", "dcp.yml:7", "drifted", DRIFT)]  # as the repository names the file


def test_self_heal_puts_a_hand_change_back(opendcp, repository, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(self_heal=True), f"file://{tmp_path / 'state'}")
    watcher.run(cycles=1)
    by_hand(opendcp, "web", "hot fix [converge:team-a]")  # edited at the console, the owner's marker left as it was
    report = watcher.run(cycles=1)
    assert report.outcome == "applied"
    assert clusters(opendcp) == {"web": "shop [converge:team-a]"}


def test_without_apply_nothing_is_written_and_every_change_is_held(opendcp, repository, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(), f"file://{tmp_path / 'state'}")
    report = watcher.run(cycles=1)
    assert writes(opendcp.requests) == [] and clusters(opendcp) == {}
    assert [(e.status, e.reason) for e in report.entries] == [("drifted", REPORT_ONLY)]


def test_an_invalid_commit_is_skipped_and_reported_and_the_last_good_stays(opendcp, repository, tmp_path):
    good = repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(self_heal=True), f"file://{tmp_path / 'state'}")
    watcher.run(cycles=1)
    bad = repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop", "colour": "red"}})})
    by_hand(opendcp, "web", "hot fix [converge:team-a]")
    report = watcher.run(cycles=1)
    assert report.outcome == "rejected"
    assert report.problems[0] == f"revision {bad[:12]} does not validate; {good[:12]} stays in force:"
    assert [problem for problem in report.problems[1:] if "colour" in problem][0].startswith("dcp.yml:7: ")
    assert clusters(opendcp) == {"web": "shop [converge:team-a]"}  # the last good revision self-healed
    status = watcher.status.as_dict()
    assert status["revision"] == good and status["rejected"][0]["revision"] == bad


def test_a_suspension_holds_its_entry_and_lifts_itself_at_expiry(opendcp, repository, tmp_path):
    state = f"file://{tmp_path / 'state'}"
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, clock = watcher_of(repository, tmp_path / "cache", Policy(apply=True), state)
    watcher.run(cycles=1)
    with open_backend(state, tmp_path) as backend:
        backend.suspend("team-a", "opendcp_cluster", "web", "handed to the DBAs", expires_at=iso(clock.now() + 90),
                        user="ops")
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "new shop"}, "db": {"desc": "data"}})})
    opendcp.clear_requests()
    held = watcher.run(cycles=1)
    assert clusters(opendcp) == {"web": "shop [converge:team-a]", "db": "data [converge:team-a]"}
    assert len(writes(opendcp.requests)) == 1  # the db cluster only
    web = next(e for e in held.entries if e.title == "opendcp_cluster[name=web]")
    assert web.status == "suspended"
    assert web.reason.startswith("suspended by ops since ")
    assert web.reason.endswith(f" until {iso(1_800_000_000.0 + 90)}: handed to the DBAs")
    assert held.suspensions[0]["target"] == "opendcp_cluster/web"
    clock.step(120)
    lifted = watcher.run(cycles=1)
    assert lifted.lifted == [f"the suspension of opendcp_cluster/web (handed to the DBAs) expired at "
                             f"{iso(1_800_000_000.0 + 90)}: lifted"]
    assert clusters(opendcp)["web"] == "new shop [converge:team-a]"
    with open_backend(state, tmp_path) as backend:
        assert backend.suspensions("team-a") == []


def test_a_suspension_of_the_whole_owner_holds_every_change_until_resumed(opendcp, repository, tmp_path):
    state = f"file://{tmp_path / 'state'}"
    path = tmp_path / "local.yml"
    path.write_text(clusters_file(opendcp.url, {"web": {"desc": "shop"}}), encoding="utf-8")
    suspended = run_cli(["reconciler", "suspend", "--reason", "incident 42", "--state", state, str(path)])
    assert suspended.returncode == 0, suspended.stderr
    assert suspended.stdout.strip() == "suspended every entry of team-a until resumed: incident 42"
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(self_heal=True), state)
    report = watcher.run(cycles=1)
    assert writes(opendcp.requests) == [] and clusters(opendcp) == {}
    assert [e.status for e in report.entries] == ["suspended"]
    resumed = run_cli(["reconciler", "resume", "--state", state, str(path)])
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip() == "resumed every entry of team-a (incident 42)"
    assert watcher.run(cycles=1).outcome == "applied"
    assert clusters(opendcp) == {"web": "shop [converge:team-a]"}
    again = run_cli(["reconciler", "resume", "--state", state, str(path)])
    assert (again.returncode, again.stderr.strip()) == (1, "nothing of team-a is suspended")


def test_suspend_refuses_a_duration_it_cannot_read(tmp_path):
    path = tmp_path / "local.yml"
    path.write_text(clusters_file("http://127.0.0.1:9", {"web": {"desc": "shop"}}), encoding="utf-8")
    refused = run_cli(["reconciler", "suspend", "--for", "soon", "--reason", "x", str(path)])
    assert refused.returncode == 1
    assert "'soon' is not a duration: give a number and a unit, as 90s, 30m, 2h or 1h30m" in refused.stderr
    assert not (tmp_path / ".converge").exists()


def test_settings_that_no_longer_read_keep_those_in_force(opendcp, repository, tmp_path):
    repository.push({"dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}})})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(), f"file://{tmp_path / 'state'}")
    logged: list[str] = []
    watcher.log = logged.append

    def unreadable():
        raise DocumentError(["watch.yml:2: apply: true or false, not 'yes please'"])

    watcher.reloader = unreadable
    watcher.request_reload()
    watcher.run(cycles=1)
    assert logged[:2] == ["the settings could not be read again; those in force stay:",
                          "  watch.yml:2: apply: true or false, not 'yes please'"]
    assert watcher.options.policy == Policy() and clusters(opendcp) == {}


def test_suspend_and_resume_take_the_working_directory_as_the_desired_state(tmp_path):
    (tmp_path / "dcp.yml").write_text(clusters_file("http://127.0.0.1:9", {"web": {"desc": "shop"}}),
                                      encoding="utf-8")
    suspended = run_cli(["reconciler", "suspend", "--for", "90s", "--reason", "release freeze"], cwd=tmp_path)
    assert suspended.returncode == 0, suspended.stderr
    assert suspended.stdout.startswith("suspended every entry of team-a until ")
    with open_backend(None, tmp_path) as backend:  # the file state of the directory's desired state
        assert [(s.kind, s.name, s.reason) for s in backend.suspensions("team-a")] == [("*", "*", "release freeze")]
    resumed = run_cli(["reconciler", "resume"], cwd=tmp_path)
    assert (resumed.returncode, resumed.stdout.strip()) == (0, "resumed every entry of team-a (release freeze)")


def test_without_settings_owner_the_owner_is_the_repositorys_at_every_commit(opendcp, repository, tmp_path):
    def unowned(clusters: dict) -> dict:
        return {"dcp.yml": clusters_file(opendcp.url, clusters).replace("settings: {owner: team-a}\n", "")}

    state = f"file://{tmp_path / 'state'}"
    repository.push(unowned({"web": {"desc": "shop"}, "db": {"desc": "data"}}))
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(apply=True), state)
    watcher.options.prune = True
    watcher.run(cycles=1)
    clone = tmp_path / "clone"
    git("clone", "--quiet", repository.url, str(clone), cwd=tmp_path)
    owner = default_owner([str(clone / "dcp.yml")])  # what every command run in a clone takes
    assert owner == repository_owner(repository.url, ".")
    assert clusters(opendcp) == {"web": f"shop [converge:{owner}]", "db": f"data [converge:{owner}]"}
    repository.push(unowned({"web": {"desc": "shop"}}))  # another commit, unpacked elsewhere: the same owner
    report = watcher.run(cycles=1)
    assert [(item["action"], item["status"]) for item in report.applied] == [("delete", "done")]
    assert clusters(opendcp) == {"web": f"shop [converge:{owner}]"}
    with open_backend(state, tmp_path) as backend:
        assert [entry.identity for entry in backend.ledger(owner)] == [["web"]]


def test_a_path_within_the_repository_is_planned_and_its_files_named_from_the_top(opendcp, repository, tmp_path):
    from reconciler.watch.cycle import WatchOptions
    from reconciler.watch.loop import Watcher
    from reconciler.watch.source import GitSource

    repository.push({"desired/dcp.yml": clusters_file(opendcp.url, {"web": {"desc": "shop"}}),
                     "notes/other.yml": "not: a desired state\n"})
    source = GitSource(repository.url, "main", "desired", tmp_path / "cache")
    report = Watcher(source, WatchOptions(state=f"file://{tmp_path / 'state'}")).run(cycles=1)
    assert [(e.source, e.status) for e in report.entries] == [("desired/dcp.yml:7", "drifted")]
    assert source.describe() == f"{repository.url} main (desired)"
