"""A long wait outlives the token it started with: the client logs in again when the platform refuses it.

The emulator's clock is the waiter's clock here: every poll's sleep steps emulated time, so a wait of
most of an hour takes no wall-clock time, and the token (1800 s) expires in the middle of it.
"""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationClient
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import TaskSpec

import emulators
from emulators.migration.state import BUILTIN_FLAVOR, BUILTIN_NETWORK, BUILTIN_SUBNET

pytestmark = pytest.mark.slow

#: (token refusal, token lifetime, task step): the default lifetime, and a short one for the HTTP 401 variant
SCALES = [("envelope", 1800, 500), ("http401", 300, 80)]


class EmulatedClock:
    """The waiter's clock: emulated time, stepped by each sleep."""

    def __init__(self, handle):
        self.handle = handle

    def monotonic(self) -> float:
        return self.handle.app.now()

    def sleep(self, seconds: float) -> None:
        self.handle.app.advance_clock(seconds)


@pytest.mark.parametrize("refusal, token_seconds, step_seconds", SCALES, ids=[s[0] for s in SCALES])
def test_completing_a_task_waits_across_a_token_expiry(refusal, token_seconds, step_seconds):
    migration = emulators.start("migration", port=0, task_seconds=step_seconds, token_seconds=token_seconds,
                                token_refusal=refusal)
    try:
        wait_across_expiry(migration, token_seconds, step_seconds)
    finally:
        migration.stop()


def wait_across_expiry(migration, token_seconds, step_seconds):
    """Complete a task with wait=true: five steps of `step_seconds`, longer than the token has left."""
    client = MigrationClient(migration.url, "admin", "password")
    client.clock = EmulatedClock(migration)
    cloud_id = client.add_cloud_connection({"CloudName": "prod", "CloudType": "Openstack", "CloudUser": "admin",
                                            "CloudPass": "password", "CloudAddr": "127.0.0.1"})
    trans_id = client.add_transport_server("edge", "Cloud", "127.0.0.2", cloud_id)
    host_id = client.add_packer_host("web-01", trans_id, "127.0.0.11")
    client.prepare_task({"Name": "mig-web", "HostId": host_id, "CloudId": cloud_id, "TargetTransId": trans_id,
                         "FlavorId": BUILTIN_FLAVOR, "NetworkId": BUILTIN_NETWORK, "SubnetId": BUILTIN_SUBNET,
                         "TargetServerName": "web-cloud"})
    migration.app.advance_clock(step_seconds)  # the first full copy is done
    spec = TaskSpec()
    desired = spec.validate(spec.normalize({"name": "mig-web", "state": "completed", "wait": True,
                                            "wait_timeout": 3600}))
    change = spec.plan(desired, spec.read(client, desired))
    assert change.action == "complete"
    migration.clear_requests()
    started = migration.app.now()

    after = spec.apply(client, change)

    waited = migration.app.now() - started
    assert token_seconds - step_seconds < waited < 3600
    assert after["action_state"] == 1009 and after["instance"]["name"] == "web-cloud"
    log = migration.requests
    logins = [index for index, entry in enumerate(log) if entry["path"] == "/Login"]
    assert len(logins) == 1, "one new login when the token expired"
    refused, renewed = log[logins[0] - 1], log[logins[0] + 1]
    assert refused["status"] == migration.app.token_status and refused["action"] == renewed["action"]
    assert renewed["status"] == 200
    client.close()
