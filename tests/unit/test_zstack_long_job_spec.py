"""Planning a ZStack long job: check mode predicts the cancel of a job an earlier task would submit."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.http import TransportError
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


class LostCancelClient:
    """A ZStack client stand-in whose cancel takes effect but loses its answer (after the client's own resends)."""

    def __init__(self):
        self.job = {"uuid": "u", "name": "slow", "state": "Running", "createDate": "1"}
        self.cancels = []

    def query_long_jobs(self, conditions):
        return [dict(self.job)]

    def cancel_long_job(self, job_uuid):
        self.cancels.append(job_uuid)
        self.job["state"] = "Canceled"
        raise TransportError("connection reset", "PUT", "/zstack/v1/longjobs/u/actions")


def test_a_cancel_whose_answer_is_lost_is_read_back_as_finished_and_not_sent_again():
    spec = LongJobSpec()
    client = LostCancelClient()
    change = spec.plan(cancelled(), spec.read(client, cancelled()))
    assert change.action == "cancel"
    live = spec.apply(client, change)
    assert client.cancels == ["u"] and live["state"] == "Canceled"
