# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec of ZStack long jobs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.converge.platforms.plugins.module_utils.ownership import TextMarker
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.base import ZStackSpec
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    NOOP,
    Change,
    Field,
    ResourceSpec,
    SpecError,
)
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackError, condition
from ansible_collections.converge.platforms.plugins.module_utils.zstack_inventory import from_inventory

FINISHED_LONG_JOB_STATES = ("Succeeded", "Failed", "Canceled")


def _submitted(row):
    """When a job was submitted, to find the newest of a name: its `createDate` (`Apr 24, 2017 7:10:55 PM`) read
    as a time, then its uuid; a date that does not read so sorts first, as its text."""
    text = row.get("createDate") or ""
    try:
        moment = datetime.datetime.strptime(text, "%b %d, %Y %I:%M:%S %p").isoformat()
    except ValueError:
        moment = ""
    return moment, text, row.get("uuid") or ""


def _json_object(text):
    """A job's data as a mapping when it is the JSON text of one (as an entry is easier to read), else as it is."""
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text
    return value if isinstance(value, dict) else text


class LongJobSpec(ZStackSpec):
    """A ZStack long job, identified by its name.

    In check mode, C(state=cancelled) on a job that does not exist yet predicts the cancel instead of
    failing: an earlier task of the play (in check mode, submitting nothing) may be the one that submits
    it, and ZStack would then show that job Running and cancel it.
    """

    kind = "zstack_long_job"
    result_key = "long_job"
    description = "Submit, cancel and delete ZStack long jobs."
    identity = ("name",)
    states = ("submitted", "cancelled", "absent")
    waits = True
    ownership = TextMarker("description")
    fields = {
        "name": Field("str", "Name of the long job; it identifies the job, so give each job its own name.",
                      required=True),
        "job_name": Field("str", "ZStack message the job runs, such as C(APIPrimaryStorageMigrateVolumeMsg). "
                                 "Required to submit.", updatable=False),
        "job_data": Field("raw", "Parameters of the job: a mapping (sent as JSON) or a JSON string. "
                                 "Required to submit.", compare=False),
        "description": Field("str", "Description of the long job.", compare=False),
        "target_resource_uuid": Field("str", "UUID of the resource the job works on.",
                                      compare=False, format="uuid_hex"),
    }

    def __init__(self, check_mode=False):
        #: planning for check mode: a cancel of a job an earlier task would have submitted is predicted
        self.check_mode = bool(check_mode)

    def check(self, desired):
        if desired.get("state", "submitted") == "submitted":
            for name in ("job_name", "job_data"):
                if desired.get(name) in (None, ""):
                    raise SpecError(name, "is required with state=submitted")
        data = desired.get("job_data")
        if data is not None and not isinstance(data, (dict, str)):
            raise SpecError("job_data", "must be a mapping or a JSON string")
        if isinstance(data, str):
            try:
                json.loads(data)
            except ValueError as exc:
                raise SpecError("job_data", "is not valid JSON: %s" % exc)

    def read(self, client, desired):
        rows = client.query_long_jobs([condition("name", "=", desired["name"])])
        if not rows:
            return None
        return self._live(max(rows, key=_submitted))

    def read_all(self, client, within=None):
        """Every long job an entry can name, in field names: of each name the job `read` finds, the newest (a job
        submitted without a name cannot be named by an entry, and an older job of a name is never read)."""
        newest = {}
        for row in sorted(client.query_long_jobs([]), key=_submitted):
            if row.get("name"):
                newest[row["name"]] = row
        return [self._live(row) for row in newest.values()]

    def entry_of(self, live):
        """The job by name with what submits it again as it was: its message, its data (a mapping when it is a
        JSON object), its description without the owner's marker and its target."""
        entry = ResourceSpec.entry_of(self, live)
        data = live.get("job_data")
        if data is not None:
            entry["job_data"] = _json_object(data)
        description = self.ownership.without_marker(live.get("description"))
        if description:
            entry["description"] = description
        if live.get("target_resource_uuid"):
            entry["target_resource_uuid"] = live["target_resource_uuid"]
        return entry

    @staticmethod
    def _live(row):
        live = from_inventory(row)
        state = live.get("state")
        if isinstance(state, dict):
            live["state"] = state.get("name")
        return live

    def plan_state(self, state, desired, live):
        if state == "submitted":
            if live:
                return Change(self, NOOP, desired, live)
            return Change(self, "submit", desired, None, {"state": (None, "Running")})
        if not live and self.check_mode:
            return self._predicted_cancel(desired)
        if not live:
            raise SpecError("name", "no long job named %r" % desired["name"])
        if live.get("state") in FINISHED_LONG_JOB_STATES:
            return Change(self, NOOP, desired, live)
        return Change(self, "cancel", desired, live, {"state": (live.get("state"), "Canceled")})

    def _predicted_cancel(self, desired):
        """Check mode, no such job: one submitted earlier in the play would be Running, and cancelling it succeeds.

        Check mode submits nothing and a module cannot see what earlier tasks predicted, so the cancel is
        predicted with a note rather than refused; a real run fails when no job of that name exists by then.
        """
        note = ("no long job named %r exists yet; check mode assumes an earlier task would have submitted it and "
                "predicts cancelling it while it runs (a real run fails if it does not exist by then)"
                % desired["name"])
        return Change(self, "cancel", desired, None, {"state": ("Running", "Canceled")}, note=note)

    def predict(self, change):
        """The job after the change, its state as planned (Running once submitted, Canceled once cancelled)."""
        result = ResourceSpec.predict(self, change)
        if result is not None and "state" in change.fields:
            result["state"] = change.fields["state"][1]
        return result

    def plan(self, desired, live):
        change = ResourceSpec.plan(self, desired, live)
        if change.action == "delete" and live.get("state") not in FINISHED_LONG_JOB_STATES:
            change.note = "the running job is cancelled before it is deleted"
        return change

    def act(self, client, change):
        desired = change.desired
        if change.action == "submit":
            data = desired["job_data"]
            inventory = client.submit_long_job(desired["job_name"], data if isinstance(data, str) else json.dumps(data),
                                               name=desired["name"], description=desired.get("description"),
                                               target_resource_uuid=desired.get("target_resource_uuid"))
            live = self._live(inventory)
        else:
            client.cancel_long_job(change.live["uuid"])
            live = self.read(client, desired)
        return self.settle(client, desired, live)

    def action_done(self, change):
        """A submitted job reads back under its name; a cancelled one reads back finished."""
        if change.action == "submit":
            return lambda live: live is not None
        return lambda live: live is not None and live.get("state") in FINISHED_LONG_JOB_STATES

    def delete(self, client, live):
        if live.get("state") not in FINISHED_LONG_JOB_STATES:
            client.cancel_long_job(live["uuid"])
        client.delete_long_job(live["uuid"])

    def settle(self, client, desired, live):
        """With wait, poll (with backoff) until the job has finished; fail if it failed."""
        if not live or not desired.get("wait") or desired.get("state") == "absent":
            return live
        seen = {"live": live}

        def reread():
            seen["live"] = self.read(client, desired) or seen["live"]
            return seen["live"]

        live = self.wait_for(client, desired, live, reread, lambda now: now.get("state") in FINISHED_LONG_JOB_STATES,
                             lambda last: "long job %s still %s after %ss" % (
                                 desired["name"], last.get("state"), desired.get("wait_timeout")))
        if live.get("state") == "Failed" and desired.get("state") == "submitted":
            raise ZStackError("long job %s failed: %s" % (desired["name"], live.get("job_result")))
        return live
