"""Planning a ZStack long job: check mode predicts the cancel of a job an earlier task would submit."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import LongJobSpec
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError


def cancelled(name: str = "slow") -> dict:
    return LongJobSpec().normalize({"name": name, "state": "cancelled"})


def test_check_mode_predicts_the_cancel_of_a_job_not_submitted_yet():
    spec = LongJobSpec(check_mode=True)
    change = spec.plan(cancelled(), None)
    assert change.changed and change.action == "cancel"
    assert change.diff() == {"before": {"state": "Running"}, "after": {"state": "Canceled"}}
    assert "no long job named 'slow' exists yet; check mode assumes an earlier task" in change.note
    assert spec.predict(change)["state"] == "Canceled" and spec.predict(change)["name"] == "slow"


def test_a_real_run_still_fails_when_there_is_no_such_job():
    with pytest.raises(SpecError) as err:
        LongJobSpec().plan(cancelled(), None)
    assert str(err.value) == "name: no long job named 'slow'"


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_live_job_is_planned_the_same_in_both_modes(check_mode):
    spec = LongJobSpec(check_mode=check_mode)
    assert spec.plan(cancelled(), {"name": "slow", "state": "Succeeded"}).action == "noop"
    running = spec.plan(cancelled(), {"name": "slow", "state": "Running", "uuid": "u"})
    assert running.action == "cancel" and running.note is None


def test_a_predicted_submit_shows_the_job_running():
    spec = LongJobSpec(check_mode=True)
    desired = spec.normalize({"name": "slow", "job_name": "APIMsg", "job_data": "{}"})
    assert spec.predict(spec.plan(desired, None))["state"] == "Running"
