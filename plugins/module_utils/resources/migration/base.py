# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bases of the migration kinds: the rules every named object follows, and re-reading on request.

`MigrationSpec` says which options an object needs to be added, and refuses a change the platform
cannot make naming the option, and imports an object without the values the platform shows for
settings never made. `RefreshableSpec` adds state C(refreshed): transport servers, source hosts and
vSphere platforms are added, changed, deleted and refreshed by id (`CrudById`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import CrudById
from ansible_collections.converge.platforms.plugins.module_utils.spec import UPDATE, Change, ResourceSpec, SpecError

REFRESH = "refresh"


class MigrationSpec(ResourceSpec):
    """A kind of the migration platform; objects are identified by their name."""

    platform = "migration"
    identity = ("name",)
    #: no object holds a free-text field for a marker; every kind has its Delete action: owned through the ledger
    ledger_owned = True
    #: how plans and errors name an object of the kind ("transport server")
    label = ""

    def entry_of(self, live):
        """The entry that keeps `live` as it is (ResourceSpec.entry_of), without the values the platform shows for a
        setting never made: an empty text or list, and 0 for a number that starts at 1 (a task's CPU, say)."""
        entry = ResourceSpec.entry_of(self, live)
        return dict((name, value) for name, value in entry.items() if not self.never_set(name, value))

    def never_set(self, name, value):
        """Whether the platform shows `value` of field `name` for a setting nobody made."""
        field = self.fields[name]
        if name in self.identity or isinstance(value, bool):
            return False
        if value == "" or value == []:
            return True
        return field.type == "int" and value == 0 and (field.min or 0) > 0

    def require_to_add(self, desired, names, verb="add"):
        """Options needed to add an object must be given; raise SpecError naming the first that is not."""
        for name in names:
            if not desired.get(name):
                raise SpecError(name, "is required to %s %s %r" % (verb, self.label, desired["name"]))

    def refuse_locked(self, change, why):
        """Raise SpecError naming the first changed field that cannot be updated; `why` says what the platform does."""
        locked = sorted(name for name in change.fields if not self.fields[name].updatable)
        if locked:
            name = locked[0]
            before, after = change.fields[name]
            raise SpecError(name, "%s %r has %s=%r and %s; delete it (state=absent) and add it again to change %s "
                                  "to %r" % (self.label, change.desired.get("name"), name, before, why, name, after))


class RefreshableSpec(CrudById, MigrationSpec):
    """A kind whose objects the platform can re-read (state C(refreshed)) with `refresh_call` by id."""

    states = ("present", "absent", "refreshed")
    #: name of the client method re-reading an object on the platform, called with its id
    refresh_call = None

    def plan_state(self, state, desired, live):
        """refreshed: add the object when it is missing (it is read fresh then), else refresh it."""
        if not live:
            return ResourceSpec.plan(self, dict(desired, state="present"), None)
        change = ResourceSpec.plan(self, dict(desired, state="present"), live)
        if change.fields:
            self.refuse_locked(change, "the platform cannot change it")
        return Change(self, REFRESH, desired, live, change.fields,
                      note="the platform re-reads the object on every run with state=refreshed")

    def act(self, client, change):
        """refresh: make the changes the plan holds (a verified update), then have the platform re-read the object.

        No read can show that a refresh took effect (`action_done` stays None): a lost answer is raised as it is.
        """
        if change.fields:
            self.apply(client, Change(self, UPDATE, change.desired, change.live, change.fields))
        self.refresh(client, change.live)
        return self.public(self.read(client, change.desired))

    def refresh(self, client, live):
        """Have the platform re-read a live object."""
        self.call_by_id(client, self.refresh_call, live)
