# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec of ZStack notifications."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.base import ZStackSpec
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec, SpecError
from ansible_collections.converge.platforms.plugins.module_utils.zstack import condition
from ansible_collections.converge.platforms.plugins.module_utils.zstack_inventory import chunks, from_inventory


class NotificationSpec(ZStackSpec):
    """A ZStack notification: set its read status, or delete it."""

    kind = "zstack_notification"
    identity = ("uuid",)
    result_key = "notification"
    description = "Mark ZStack notifications read or unread, or delete them."
    #: the management node sends its notifications itself: `reconciler import` takes them only when asked for by kind
    made_by_platform = True
    fields = {
        "uuid": Field("str", "UUID of the notification.", required=True, format="uuid_hex"),
        "status": Field("str", "Read status to set.", choices=["Read", "Unread"]),
    }

    def read_many(self, client, desired_list):
        found = {}
        for group in chunks(sorted(set(d["uuid"] for d in desired_list))):
            for row in client.query_notifications([condition("uuid", "?=", group)]):
                found[row["uuid"]] = from_inventory(row)
        return [found.get(d["uuid"]) for d in desired_list]

    def read_all(self, client, within=None):
        """Every notification, page by page."""
        return [from_inventory(row) for row in client.query_notifications([])]

    def plan(self, desired, live):
        if desired.get("state") == "present" and not live:
            raise SpecError("uuid", "no notification %s (notifications cannot be created)" % desired["uuid"])
        return ResourceSpec.plan(self, desired, live)

    def update(self, client, live, desired, changes):
        client.update_notifications_status([live["uuid"]], desired["status"])
        return self.read(client, desired)

    def delete(self, client, live):
        client.delete_notifications([live["uuid"]])
