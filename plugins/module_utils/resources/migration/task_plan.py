# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a migration task is planned: the platform's rules on changes, resuming and completing.

The platform's rules are checked before anything is written, so a change they forbid fails naming
the option: the schedule cannot change within 60 s of the task's start time, the target settings
cannot change once the task waits for recovery, and what the task was created with cannot change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    COMPLETING_STATES,
    DONE_STATES,
    STATE_COMPLETED,
    STATE_ERROR,
    STATE_IN_RECOVERY,
    STATE_WAIT_RECOVERY,
    parse_time,
    progress_percent,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    DELETE,
    NOOP,
    UPDATE,
    Change,
    ResourceSpec,
    SpecError,
)

#: README: IntervalMinutes, StartTime, MaxSnapNum may not change within 60 s of the task's start time
SCHEDULE_WINDOW_SECONDS = 60
SCHEDULE_FIELDS = ("interval_minutes", "start_time", "max_snapshots")
#: README: flavour, network, subnet and security group are locked once ActionState is 1007 or later; the
#: emulator's reading locks the other target settings (CPU, memory, sockets, interfaces) with them
RECOVERY_LOCKED_FIELDS = ("flavor_id", "network_id", "subnet_id", "security_group_id", "cpu", "sockets", "memory",
                          "net_interfaces")
CONTINUE = "continue"
COMPLETE = "complete"
CREATE_INSTANCE = "create_instance"


def first_copy_done(live):
    """CompleteTask needs the first full copy done: SnapTimes >= 2 or progress 100% (README)."""
    return (live.get("snap_times") or 0) >= 2 or (progress_percent(live.get("progress")) or 0) >= 100


def completing(live):
    """CompleteTask was called: the final sync or the recovery is under way."""
    return (live.get("last_sync") or 0) >= 1 or live.get("action_state") in COMPLETING_STATES


class TaskPlanning:
    """The planning half of `TaskSpec` (a mixin listed before ResourceSpec)."""

    def same(self, name, want, have):
        if name == "start_time":
            # PrepareTaskWorkload takes the start to the minute ('yyyy-mm-dd hh:mm'), so compare to the minute
            want, have = parse_time(want), parse_time(have)
            return want is not None and have is not None and want.replace(second=0) == have.replace(second=0)
        return ResourceSpec.same(self, name, want, have)

    def plan(self, desired, live):
        state = desired.get("state", "present")
        if state in ("present", "running") and not live:
            self.require_to_add(desired, ("source_host", "cloud", "target_transport_server"), verb="create")
        if state in ("running", "completed"):
            return self.plan_state(state, desired, live)
        change = self._plan_settings(desired, live)
        if change.action == DELETE and live.get("action_state") not in DONE_STATES:
            change.note = "the task has not finished: deleting it gives its license credit back"
        return change

    def _plan_settings(self, desired, live):
        """The base plan, where a change of settings (an update or a replace) is always an update the platform's
        rules allow now."""
        change = ResourceSpec.plan(self, desired, live)
        if change.fields:
            change.action = UPDATE
            self.check_allowed(change)
        return change

    def check_allowed(self, change, now=None):
        """Raise SpecError naming the first change the platform's rules forbid now."""
        live = change.live
        for name in sorted(change.fields):
            if not self.fields[name].updatable:
                raise SpecError(name, "task %r was created with %s=%r; a task cannot change it (delete the task and "
                                      "create it again)" % (live["name"], name, change.fields[name][0]))
        schedule = [n for n in SCHEDULE_FIELDS if n in change.fields]
        start = parse_time(live.get("start_time"))
        now = now or datetime.datetime.now()
        if schedule and start is not None and abs((now - start).total_seconds()) < SCHEDULE_WINDOW_SECONDS:
            raise SpecError(schedule[0], "cannot be changed within %d s of the task's start time (%s); try again "
                                         "later" % (SCHEDULE_WINDOW_SECONDS, live.get("start_time")))
        locked = [n for n in RECOVERY_LOCKED_FIELDS if n in change.fields]
        state = live.get("action_state") or 0
        if locked and state >= STATE_WAIT_RECOVERY:
            raise SpecError(locked[0], "cannot be changed once task %r is waiting for recovery or later (action "
                                       "state %s)" % (live["name"], state))

    def plan_state(self, state, desired, live):
        if state == "running":
            return self._plan_running(desired, live)
        return self._plan_completed(desired, live)

    def _plan_running(self, desired, live):
        change = self._plan_settings(dict(desired, state="present"), live)
        if change.action == CREATE or live.get("action_state") != STATE_ERROR:
            return change
        fields = dict(change.fields)
        fields["action_state"] = (STATE_ERROR, "running")
        return Change(self, CONTINUE, desired, live, fields, note="resumes the task paused by: %s" % live.get(
            "status"))

    def _plan_completed(self, desired, live):
        if not live:
            raise SpecError("name", "no task named %r to complete" % desired["name"])
        state = live.get("action_state")
        if state in DONE_STATES or (completing(live) and state != STATE_ERROR):
            return Change(self, NOOP, desired, live)
        if state == STATE_ERROR and completing(live):
            target = STATE_COMPLETED if desired.get("wait") else STATE_IN_RECOVERY
            return Change(self, CREATE_INSTANCE, desired, live, {"action_state": (state, target)},
                          note="creating the cloud server failed (%s); it is created again" % live.get("status"))
        if state == STATE_ERROR:
            raise SpecError("state", "task %r is paused by an error (%s); resume it with state=running first" % (
                desired["name"], live.get("status")))
        if not first_copy_done(live) and not desired.get("wait"):
            raise SpecError("state", "task %r cannot be completed before its first full copy is done (SnapTimes %s, "
                                     "progress %s); use wait=true to wait for it" % (
                                         desired["name"], live.get("snap_times"), live.get("progress")))
        note = None if first_copy_done(live) else "waits for the first full copy before completing"
        fields = {"last_sync": (live.get("last_sync") or 0, 1)}
        if desired.get("wait"):
            fields["action_state"] = (state, STATE_COMPLETED)
        return Change(self, COMPLETE, desired, live, fields, note=note)
