# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration platform's license (`migration_license`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationError
from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import license_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.base import MigrationSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import check_not_empty
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    NOOP,
    UPDATE,
    Change,
    Field,
    SpecError,
    answer_lost,
)

VERIFY = "verify"
#: what tells one installed license from another
LICENSE_TERMS = ("id", "credits", "expire_time")


def expired(expire_time, now=None):
    """Whether an RFC 3339 ExpireTime lies in the past (unknown formats count as valid)."""
    try:
        when = datetime.datetime.fromisoformat(str(expire_time).replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when <= (now or datetime.datetime.now(datetime.timezone.utc))


class LicenseSpec(MigrationSpec):
    """The license of the migration platform: how long it may be used and how many migrations (credits) it allows.

    Each new task takes a credit; deleting a task that has not finished gives it back. The platform cannot show which
    activation key installed its license, only the license's id, which a key fixes, and it has no way to test a key
    without installing it. So the key is installed when no license is installed, when the installed one has expired,
    or when I(license_id) names a different license than the installed one; the result's C(license.id) is the
    I(license_id) of a key. When I(license_id) names the installed license, nothing is sent. Without I(license_id),
    the key is sent on every run: a key the platform refuses fails naming I(activation_key), and the run reports a
    change only when the license installed differs from the one before (check mode cannot know, and reports the
    check as a change). C(state=absent) deletes the license.
    """

    mutually_exclusive = (("activation_key", "activation_key_file"),)
    kind = "migration_license"
    result_key = "license"
    description = "Install or delete the license of the migration platform."
    identity = ()
    fields = {
        "activation_key": Field("str", "The activation key. Mutually exclusive with I(activation_key_file).",
                                secret=True, compare=False),
        "activation_key_file": Field("path", "File on the controller holding the activation key.", compare=False),
        "license_id": Field("str", "Id of the license the key installs (C(license.id) of an earlier run); the key is "
                                   "installed when the installed license has another id.", format="uuid"),
    }

    def check(self, desired):
        has_key = desired.get("activation_key") or desired.get("activation_key_file")
        if desired.get("state", "present") == "present" and not has_key:
            raise SpecError("activation_key", "one of activation_key or activation_key_file is required with "
                                              "state=present")
        check_not_empty(desired, ("activation_key",))
        if desired.get("activation_key_file"):
            try:
                self.key_text(desired)
            except (IOError, OSError) as exc:
                raise SpecError("activation_key_file", "cannot be read: %s" % exc.strerror)

    @staticmethod
    def key_text(desired):
        if desired.get("activation_key"):
            return desired["activation_key"].strip()
        with open(desired["activation_key_file"], "r") as handle:
            text = handle.read().strip()
        if not text:
            raise SpecError("activation_key_file", "is empty")
        return text

    def read(self, client, desired):
        data = client.get_license()
        return license_facts(data) if data else None

    def read_all(self, client, within=None):
        """The installed license, when there is one."""
        live = self.read(client, {})
        return [live] if live else []

    def entry_of(self, live):
        """The license's entry: the placeholder of its activation key (the platform never shows the key) and the
        `license_id` of the installed license, so that the key is not sent while that license stays installed."""
        entry = MigrationSpec.entry_of(self, live)
        entry["license_id"] = live["id"]
        return entry

    def plan(self, desired, live):
        if desired.get("state") == "absent":
            return Change(self, "delete" if live else NOOP, desired, live)
        if not live:
            return Change(self, CREATE, desired, None)
        if expired(live.get("expire_time")):
            return Change(self, UPDATE, desired, live, {"expire_time": (live["expire_time"], None)},
                          note="the installed license has expired")
        want = desired.get("license_id")
        if want and want != live.get("id"):
            return Change(self, UPDATE, desired, live, {"license_id": (live.get("id"), want)})
        if want:
            return Change(self, NOOP, desired, live)
        return Change(self, VERIFY, desired, live, note="the platform shows no activation key and cannot test one "
                                                        "without installing it, so the key is sent; give license_id "
                                                        "to leave an installed license alone")

    def create(self, client, desired):
        return self._install(client, desired)

    def update(self, client, live, desired, changes):
        return self._install(client, desired)

    def act(self, client, change):
        """verify: send the key; a change only when the license it installs differs from the one before.

        No read can show that a key was sent (`action_done` stays None), so a lost answer is raised as it is.
        """
        facts = self._install(client, change.desired)
        change.fields = dict((name, (change.live.get(name), facts.get(name))) for name in LICENSE_TERMS
                             if change.live.get(name) != facts.get(name))
        if not change.fields:
            change.action = NOOP
            change.note = None
        return facts

    def _install(self, client, desired):
        """UpdateLicense with the key; a refusal by the platform is an error naming the option that gave the key."""
        try:
            data = client.update_license(self.key_text(desired))
        except MigrationError as exc:
            if answer_lost(exc):
                raise
            option = "activation_key" if desired.get("activation_key") else "activation_key_file"
            raise SpecError(option, "the platform refuses this activation key: %s" % exc.reason)
        facts = license_facts(data)
        if desired.get("license_id") and facts["id"] != desired["license_id"]:
            raise SpecError("license_id", "the key installed license %s, not %s" % (facts["id"], desired["license_id"]))
        return facts

    def delete(self, client, live):
        client.delete_license()

    def predict(self, change):
        if change.action == "delete":
            return None
        result = dict(change.live or {})
        if change.desired.get("license_id"):
            result["id"] = change.desired["license_id"]
        return result
