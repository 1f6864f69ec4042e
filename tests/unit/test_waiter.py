"""The one waiter: polls with backoff until done, stops on failure, times out with the last value."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError, wait_for_value
from ansible_collections.converge.platforms.plugins.module_utils.waiter import WaitFailed, WaitTimeout, wait_until

from tests.support import SteppedClock


def reads(*values):
    values = list(values)
    return lambda: values.pop(0)


def test_polls_start_fast_and_back_off_to_the_cap():
    clock = SteppedClock()
    value = wait_until(reads(*([1] * 7 + [2])), lambda v: v == 2, timeout=60, clock=clock)
    assert value == 2 and clock.sleeps == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]


def test_an_initial_value_that_is_done_needs_no_read():
    clock = SteppedClock()
    assert wait_until(reads(), lambda v: v == "done", 10, clock=clock, initial="done") == "done"
    assert clock.sleeps == []


def test_a_failure_stops_the_wait_at_once():
    clock = SteppedClock()
    with pytest.raises(WaitFailed, match="job failed") as err:
        wait_until(reads("running", "failed", "done"), lambda v: v == "done", 60, clock=clock,
                   failed=lambda v: "job failed" if v == "failed" else None)
    assert err.value.last == "failed" and len(clock.sleeps) == 2


def test_the_timeout_is_kept_and_names_the_last_value():
    clock = SteppedClock()
    with pytest.raises(WaitTimeout) as err:
        wait_until(lambda: "running", lambda v: False, timeout=5, clock=clock)
    assert err.value.last == "running" and sum(clock.sleeps) <= 5 and err.value.waited <= 5


def test_a_spec_wait_timeout_names_the_option():
    client = type("Client", (), {"clock": SteppedClock()})()
    with pytest.raises(SpecError, match="^wait_timeout: still 40% after 3s$"):
        wait_for_value(client, 3, {"progress": 10}, lambda: {"progress": 40}, lambda v: v["progress"] == 100,
                       lambda last: "still %s%% after 3s" % last["progress"])
