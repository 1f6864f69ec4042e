# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec of ZStack garbage-collection jobs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.base import ZStackSpec
from ansible_collections.converge.platforms.plugins.module_utils.spec import NOOP, Change, Field, SpecError
from ansible_collections.converge.platforms.plugins.module_utils.zstack import condition
from ansible_collections.converge.platforms.plugins.module_utils.zstack_inventory import from_inventory


class GcJobSpec(ZStackSpec):
    """A ZStack garbage-collection job: trigger it, or delete it.

    C(state=present) leaves the job as it is (it must exist): what C(reconciler import) writes for a job, so that
    importing one triggers nothing.
    """

    kind = "zstack_gc_job"
    result_key = "gc_job"
    description = "Trigger or delete ZStack garbage-collection jobs."
    identity = ("uuid",)
    states = ("triggered", "present", "absent")
    fields = {
        "uuid": Field("str", "UUID of the GC job. One of I(uuid) or I(name) is required.", format="uuid_hex"),
        "name": Field("str", "Name of the GC job, when I(uuid) is not given.", compare=False),
    }
    #: ZStack makes its GC jobs itself: `reconciler import` takes them only when asked for by kind
    made_by_platform = True

    def check(self, desired):
        if not desired.get("uuid") and not desired.get("name"):
            raise SpecError("uuid", "one of uuid or name is required")

    def read(self, client, desired):
        if desired.get("uuid"):
            rows = client.query_gc_jobs([condition("uuid", "=", desired["uuid"])])
        else:
            rows = client.query_gc_jobs([condition("name", "=", desired["name"])])
            if len(rows) > 1:
                raise SpecError("name", "%d GC jobs are named %r; give uuid instead" % (len(rows), desired["name"]))
        return from_inventory(rows[0]) if rows else None

    def read_all(self, client, within=None):
        """Every GC job, page by page."""
        return [from_inventory(row) for row in client.query_gc_jobs([])]

    def entry_of(self, live):
        """The job by uuid (and its name, for the reader), left as it is: C(state=present)."""
        entry = super(GcJobSpec, self).entry_of(live)
        if live.get("name"):
            entry["name"] = live["name"]
        entry["state"] = "present"
        return entry

    def plan(self, desired, live):
        if desired.get("state") == "present" and not live:
            raise self._missing(desired, " (GC jobs cannot be created)")
        return super(GcJobSpec, self).plan(desired, live)

    @staticmethod
    def _missing(desired, why=""):
        """The SpecError of a job that does not exist, on the option that names it."""
        return SpecError("uuid" if desired.get("uuid") else "name", "no such GC job" + why)

    def plan_state(self, state, desired, live):
        if not live:
            raise self._missing(desired)
        if live.get("status") == "Done":
            return Change(self, NOOP, desired, live)
        return Change(self, "trigger", desired, live, {"status": (live.get("status"), "Done")})

    def act(self, client, change):
        client.trigger_gc_job(change.live["uuid"])
        return self.read(client, {"uuid": change.live["uuid"]})

    def action_done(self, change):
        """A triggered job reads back Done (and cannot run again)."""
        return lambda live: live is not None and live.get("status") == "Done"

    def delete(self, client, live):
        client.delete_gc_job(live["uuid"])
