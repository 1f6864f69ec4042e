"""Triggering a ZStack GC job through the verified-write path: a trigger whose answer is lost is read back."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.http import TransportError
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import GcJobSpec


class LostTriggerClient:
    """A ZStack client stand-in whose trigger loses its answer (after the client's own resends)."""

    def __init__(self, takes_effect):
        self.job = {"uuid": "a" * 32, "name": "gc", "status": "Idle"}
        self.takes_effect = takes_effect
        self.triggers = []

    def query_gc_jobs(self, conditions):
        return [dict(self.job)]

    def trigger_gc_job(self, job_uuid):
        self.triggers.append(job_uuid)
        if self.takes_effect:
            self.job["status"] = "Done"
        raise TransportError("connection reset", "PUT", "/zstack/v1/gc-jobs/%s/actions" % job_uuid)


def plan(spec, client):
    desired = spec.normalize({"name": "gc", "state": "triggered"})
    return spec.plan(desired, spec.read(client, desired))


def test_a_trigger_whose_answer_is_lost_is_read_back_done_and_not_sent_again():
    spec, client = GcJobSpec(), LostTriggerClient(takes_effect=True)
    live = spec.apply(client, plan(spec, client))
    assert client.triggers == ["a" * 32] and live["status"] == "Done"


def test_a_lost_trigger_that_did_not_take_effect_is_raised_not_sent_again():
    # ZStack writes are keyed: the client already resent it under its X-Job-UUID
    spec, client = GcJobSpec(), LostTriggerClient(takes_effect=False)
    with pytest.raises(TransportError):
        spec.apply(client, plan(spec, client))
    assert client.triggers == ["a" * 32]
