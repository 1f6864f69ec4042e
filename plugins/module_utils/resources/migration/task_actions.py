# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A migration task's actions: resume (ContinueTask), complete (CompleteTask), create the server again
(CreateInstance), and waiting for the first full copy and for the cloud server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationError
from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    DONE_STATES,
    STATE_ERROR,
    item_id,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.task_plan import (
    COMPLETE,
    CONTINUE,
    CREATE_INSTANCE,
    completing,
    first_copy_done,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.task_writes import (
    naming_clashes,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import UPDATE, Change, ResourceSpec


class TaskActions:
    """The action half of `TaskSpec` (a mixin listed before ResourceSpec); `reread` comes from TaskWrites."""

    def act(self, client, change):
        """Carry out continue, create_instance or complete; the change's fields become what changed.

        `apply` sends it through the verified-write path: when its answer is lost, `action_done` reads
        whether it took effect before anything is sent again.
        """
        run = {CONTINUE: self._resume, CREATE_INSTANCE: self._create_instance}.get(change.action, self._complete)
        return self.outcome(change, run(client, change.desired, change))

    def action_done(self, change):
        """What a read shows once the action took effect: a resumed task or a new server is out of the error
        state; a completed one is in its final sync, its recovery, or done."""
        if change.action == COMPLETE:
            return lambda live: live is not None and (completing(live) or live.get("action_state") in DONE_STATES)
        return lambda live: live is not None and live.get("action_state") != STATE_ERROR

    def _resume(self, client, desired, change):
        """Make the settings' changes (a verified update), then ContinueTask."""
        live = change.live
        updates = dict((k, v) for k, v in change.fields.items() if k in self.fields)
        if updates:
            self.apply(client, Change(self, UPDATE, desired, live, updates))
        client.continue_task(live["id"])
        return self.reread(client, None, desired)

    def _create_instance(self, client, desired, change):
        """CreateInstance with the task's target settings, then (with wait) wait for the server."""
        live = change.live
        naming_clashes(lambda: client.create_instance(live["id"], self.instance_fields(desired, live)))
        return self.settle(client, desired, self.reread(client, None, desired))

    def _complete(self, client, desired, change):
        """Wait for the first full copy when it is not done, CompleteTask, then (with wait) wait for the server."""
        live = change.live
        if not first_copy_done(live):
            live = self._wait(client, desired, live, first_copy_done, "its first full copy")
        client.complete_task(live["id"])
        return self.settle(client, desired, self.reread(client, None, desired))

    @staticmethod
    def outcome(change, after):
        """The change's fields become every fact that did change, read back (the state reached, the server created)."""
        before = change.live or {}
        names = list(before) + [name for name in after if name not in before]
        change.fields = dict((name, (before.get(name), after.get(name))) for name in names
                             if before.get(name) != after.get(name))
        return after

    def changed_paths(self, change):
        """Nested paths of the changed options; facts such as the created server are shown whole."""
        options = Change(self, change.action, change.desired, change.live,
                         dict((name, pair) for name, pair in change.fields.items() if name in self.fields))
        return ResourceSpec.changed_paths(self, options)

    def settle(self, client, desired, live):
        """With state=completed and wait, poll until the cloud server exists; fail when the task fails."""
        if not live or desired.get("state") != "completed" or not desired.get("wait"):
            return live
        if live.get("action_state") in DONE_STATES:
            return self._with_instance(client, live)
        live = self._wait(client, desired, live, lambda t: t.get("action_state") in DONE_STATES or (
            t.get("action_state") == STATE_ERROR), "the cloud server")
        if live.get("action_state") == STATE_ERROR:
            raise MigrationError("task %r failed while completing: %s" % (desired["name"], live.get("status")),
                                 "POST", "/MgmtTask", code=STATE_ERROR, action="GetTaskDetail")
        return self._with_instance(client, live)

    def _wait(self, client, desired, live, done, what):
        return self.wait_for(client, desired, live, lambda: self.reread(client, None, desired), done,
                             lambda last: "task %r still waits for %s after %ss (action state %s, progress %s)" % (
                                 desired["name"], what, desired.get("wait_timeout"), last.get("action_state"),
                                 last.get("progress")))

    @staticmethod
    def _with_instance(client, live):
        result = dict(live)
        instance = client.get_instance(live["id"])
        result["instance"] = {"id": item_id(instance), "name": instance.get("Name")}
        return result

    def predict(self, change):
        result = ResourceSpec.predict(self, change)
        if result is not None and change.action in (CONTINUE, COMPLETE, CREATE_INSTANCE):
            for name, (_before, after) in change.fields.items():
                if name not in self.fields:
                    result[name] = after
        return result
