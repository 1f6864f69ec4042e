"""The library's two phases: `plan(Options)` holds the endpoints' locks until the run is closed, and
`apply(run, observer)` tells its observer of the plan, then of each change as it starts and ends."""

from __future__ import annotations

import pytest

from reconciler.api import Options, apply, plan
from reconciler.errors import LockHeld
from tests.integration import test_concurrent_applies as concurrent
from tests.support import platform_tags, writes

#: the ZStack emulator and desired-state file of tags that the concurrent-applies tests use, lock directory included
zstack_file = concurrent.zstack_file
TAGS = concurrent.TAGS


class Recorder:
    """An observer that writes down what it hears, in order."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str]] = []

    def on_plan(self, planned, redact) -> None:
        self.heard.append(("plan", str(len(planned.pending))))

    def on_start(self, change) -> None:
        self.heard.append(("start", change.title))

    def on_outcome(self, outcome, redact) -> None:
        self.heard.append((outcome.status, outcome.planned.title))


def test_a_run_planned_for_applying_holds_the_lock_until_it_is_closed(zstack_file):
    handle, path = zstack_file
    with plan(Options([path], apply=True)) as run:
        assert len(run.plan.pending) == len(TAGS) and writes(handle.requests) == []
        with pytest.raises(LockHeld) as caught:
            plan(Options([path], apply=True))
        assert caught.value.problems[0].startswith(f"{path}:3: endpoints.zstack: another apply is running against "
                                                   f"{handle.url}")
        report = apply(run)
    assert [outcome.status for outcome in report.outcomes] == ["done"] * len(TAGS)
    assert sorted(t["tag"] for t in platform_tags(handle.state()["tags"])) == sorted(t["tag"] for t in TAGS)
    with plan(Options([path], apply=True)) as again:  # the lock was let go as the first run closed
        assert again.plan.pending == []


def test_a_plan_only_run_takes_no_lock_and_cannot_be_applied(zstack_file):
    handle, path = zstack_file
    with plan(Options([path])) as looking, plan(Options([path], apply=True)) as applying:
        with pytest.raises(ValueError, match=r"planned without Options\(apply=True\)"):
            apply(looking)
        assert len(applying.plan.pending) == len(TAGS)
    assert writes(handle.requests) == []


def test_the_observer_hears_the_plan_then_each_start_before_its_outcome(zstack_file):
    handle, path = zstack_file
    recorder = Recorder()
    with plan(Options([path], apply=True, concurrency=1)) as run:
        titles = [change.title for change in run.plan.pending]
        apply(run, recorder)
    assert recorder.heard == [("plan", str(len(TAGS)))] + [
        event for title in titles for event in (("start", title), ("done", title))]
