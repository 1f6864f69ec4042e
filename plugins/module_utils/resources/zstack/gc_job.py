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
    """A ZStack garbage-collection job: trigger it, or delete it."""

    kind = "zstack_gc_job"
    result_key = "gc_job"
    description = "Trigger or delete ZStack garbage-collection jobs."
    identity = ("uuid",)
    states = ("triggered", "absent")
    fields = {
        "uuid": Field("str", "UUID of the GC job. One of I(uuid) or I(name) is required.", format="uuid_hex"),
        "name": Field("str", "Name of the GC job, when I(uuid) is not given.", compare=False),
    }

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

    def plan_state(self, state, desired, live):
        if not live:
            raise SpecError("uuid" if desired.get("uuid") else "name", "no such GC job")
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
