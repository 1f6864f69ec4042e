"""`reconciler watch`: a bare git repository followed against the OpenDCP emulator, in-process, on a stepped clock
(reconciler/watch)."""

from __future__ import annotations

import pytest
import requests

import emulators
from reconciler.watch.policy import DRIFT, REPORT_ONLY, Policy
from tests.support import writes
from tests.watch_support import Repository, clusters_file, watcher_of

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
    assert [(e.title, e.status, e.reason) for e in report.entries] == [("opendcp_cluster[name=web]", "drifted", DRIFT)]


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
    assert any("dcp.yml:7" in problem and "colour" in problem for problem in report.problems[1:]), report.problems
    assert clusters(opendcp) == {"web": "shop [converge:team-a]"}  # the last good revision self-healed
    status = watcher.status.as_dict()
    assert status["revision"] == good and status["rejected"][0]["revision"] == bad
