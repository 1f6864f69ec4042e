# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Specs of ZStack system and user tags."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.base import ZStackSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack_ownership import (
    TagRecord,
    converge_record,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError
from ansible_collections.converge.platforms.plugins.module_utils.zstack import condition
from ansible_collections.converge.platforms.plugins.module_utils.zstack_inventory import chunks, from_inventory


class TagSpec(ZStackSpec):
    """A system or user tag on a ZStack resource."""

    result_key = "tag"
    tag_kind = ""
    identity = ("resource_uuid", "resource_type", "tag")
    # a changed user tag is a new tag beside the old one until the old one is deleted
    create_before_delete = True
    ownership = TagRecord()

    @property
    def fields(self):
        # built once per spec: the tag's updatability depends on the kind, which is fixed per subclass
        cached = self.__dict__.get("_fields")
        if cached is None:
            cached = self.__dict__["_fields"] = self._tag_fields()
        return cached

    def _tag_fields(self):
        return {
            "resource_uuid": Field("str", "UUID of the resource the tag is attached to.",
                                   required=True, format="uuid_hex"),
            "resource_type": Field("str", "ZStack resource type of that resource, such as C(VmInstanceVO) or "
                                          "C(HostVO).",
                                   required=True),
            "tag": Field("str", "The tag text, such as C(ha::NeverStop).", required=True,
                         updatable=self.tag_kind == "system"),
            "replaces": Field("str", "Text of an existing tag on the same resource that this tag supersedes. When "
                                     "that tag exists and the new one does not, it is changed into the new one (system "
                                     "tags in place through UpdateSystemTag; user tags, which ZStack cannot update, "
                                     "are deleted and created again).", compare=False),
        }

    def check(self, desired):
        for name in ("resource_uuid", "resource_type", "tag"):
            value = desired.get(name)
            if value is not None and not value.strip():
                raise SpecError(name, "must not be empty")
        if desired.get("replaces") and desired.get("replaces") == desired.get("tag"):
            raise SpecError("replaces", "must differ from tag")

    def read_many(self, client, desired_list):
        uuids = sorted(set(d["resource_uuid"] for d in desired_list))
        rows = []
        for group in chunks(uuids):
            rows.extend(client.query_tags(self.tag_kind, [condition("resourceUuid", "?=", group)]))
        by_key = {}
        for row in rows:
            live = from_inventory(row)
            by_key.setdefault((live.get("resource_uuid"), live.get("resource_type"), live.get("tag")), live)
        result = []
        for desired in desired_list:
            key = (desired["resource_uuid"], desired["resource_type"], desired["tag"])
            live = by_key.get(key)
            if live is None and desired.get("replaces"):
                live = by_key.get(key[:2] + (desired["replaces"],))
            result.append(live)
        return result

    def read_all(self, client, within=None):
        """Every tag of the kind, page by page, but the user tags that are converge's own records (owner records,
        license fingerprints), which are never objects of their own."""
        records = self.tag_kind == "user"
        return [from_inventory(row) for row in client.query_tags(self.tag_kind, [])
                if not (records and converge_record(row.get("tag")))]

    def create(self, client, desired):
        inventory = client.create_tag(self.tag_kind, desired["resource_type"], desired["resource_uuid"], desired["tag"])
        return from_inventory(inventory)

    def update(self, client, live, desired, changes):
        return from_inventory(client.update_system_tag(live["uuid"], desired["tag"]))

    def delete(self, client, live):
        client.delete_tag(live["uuid"])


class SystemTagSpec(TagSpec):
    kind = "zstack_system_tag"
    tag_kind = "system"
    description = "Manage ZStack system tags."

    def platform_made(self, live):
        """A system tag ZStack wrote itself (such as a host's `os::distribution::...` when it connects) is
        `inherent` (the document: "内部系统标签", an internal system tag)."""
        return bool(live.get("inherent"))


class UserTagSpec(TagSpec):
    kind = "zstack_user_tag"
    tag_kind = "user"
    description = "Manage ZStack user tags."
