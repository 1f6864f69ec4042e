# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The password of the account a migration module logs in with (`migration_password`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration import MigrationClient, MigrationError
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.base import MigrationSpec
from ansible_collections.converge.platforms.plugins.module_utils.spec import NOOP, UPDATE, Change, Field, SpecError


class PasswordSpec(MigrationSpec):
    """The password of the account the module logs in with (I(username)).

    The module first tries to log in with I(new_password): when that works, the password is already set and nothing
    changes. Otherwise it logs in with I(password) and changes the password with C(ChangePassword). A new password
    has 6 to 20 characters of at least two kinds (letters, digits, other symbols).
    """

    kind = "migration_password"
    result_key = "account"
    description = "Change the password of a migration platform account."
    identity = ()
    states = ()
    reconcilable = False
    import_refusal = "the platform never shows an account's password"
    fields = {
        "new_password": Field("str", "The password to set.", required=True, secret=True, compare=False),
    }

    def check(self, desired):
        password = desired.get("new_password") or ""
        kinds = [any(c.isalpha() for c in password), any(c.isdigit() for c in password),
                 any(not c.isalnum() for c in password)]
        if not 6 <= len(password) <= 20 or sum(kinds) < 2:
            raise SpecError("new_password", "must have 6 to 20 characters of at least two kinds (letters, digits, "
                                            "other symbols)")

    def read(self, client, desired):
        probe = MigrationClient(client.base_url, client.username, desired["new_password"], http=client.http)
        try:
            probe.login()
        except MigrationError:
            return {"username": client.username, "password_set": False}
        probe.end_session()
        return {"username": client.username, "password_set": True}

    def plan(self, desired, live):
        if live.get("password_set"):
            return Change(self, NOOP, desired, live)
        return Change(self, UPDATE, desired, live, {"new_password": (None, desired["new_password"])})

    def update(self, client, live, desired, changes):
        client.change_password(desired["new_password"])
        return {"username": client.username, "password_set": True}

    def predict(self, change):
        return {"username": change.live.get("username"), "password_set": True}
