"""The one waiter: polls with backoff until done, stops on failure, times out with the last value."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError, wait_for_value
from ansible_collections.converge.platforms.plugins.module_utils.waiter import WaitFailed, WaitTimeout, wait_until

from tests.support import SteppedClock


def reads(*values):
    values = list(values)
    return lambda: values.pop(0)


def test_polls_start_every_50_ms_then_every_tenth_of_the_wait_up_to_a_second():
    clock = SteppedClock(start=0.0)
    value = wait_until(lambda: clock.monotonic() >= 30, bool, timeout=60, clock=clock)
    assert value is True
    assert clock.sleeps[:10] == [0.05] * 10
    waited = 0.0
    for delay in clock.sleeps:
        assert delay == pytest.approx(min(1.0, max(0.05, waited / 10)))
        waited += delay
    assert max(clock.sleeps) == 1.0 and 29 <= waited < 31
    # seen within a tenth of its time: a read came no later than 3 s after the 30 s mark
    assert len(clock.sleeps) < 70


def test_a_zero_first_delay_reads_at_once():
    clock = SteppedClock()
    assert wait_until(reads("done"), lambda v: v == "done", 10, clock=clock, first_delay=0) == "done"
    assert clock.sleeps == [0]


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
