# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ownership record of ZStack tags: a tag has no field to hold a marker, so a user tag beside it does.

For each tag the reconciler creates, it also creates, on the same resource, the user tag
`converge::owner::<owner>::<system|user>::<tag text>`. Prune lists the records of its owner, of both kinds,
with one query, and deletes a recorded tag together with its record.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.ownership import Ownership
from ansible_collections.converge.platforms.plugins.module_utils.zstack import condition

RECORD_PREFIX = "converge::owner::"
#: the user tag on a management node holding the fingerprint of the license converge installed (license.py)
LICENSE_RECORD_PREFIX = "converge::license::"


def converge_record(text):
    """Whether a user tag's text is one of converge's own records (an owner record, a license fingerprint): a
    record is never an object to import or to report as unmanaged."""
    return (text or "").startswith((RECORD_PREFIX, LICENSE_RECORD_PREFIX))


def _like_literal(text):
    """`text` for a ZStack `~=` (SQL LIKE) condition, matching only itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TagRecord(Ownership):
    """A user tag on the tagged resource names the owner of each system or user tag the reconciler created."""

    description = "a user tag `converge::owner::<owner>::<system|user>::<tag>` on the same resource"

    @staticmethod
    def record_text(spec, owner, tag):
        return "%s%s::%s::%s" % (RECORD_PREFIX, owner, spec.tag_kind, tag)

    def _records(self, client, spec, owner, live=None):
        """The record tags of `owner` for this kind (of one live tag when given)."""
        prefix = self.record_text(spec, owner, "")
        if live is not None:
            text = self.record_text(spec, owner, live["tag"])
            rows = client.query_tags("user", [condition("resourceUuid", "=", live["resource_uuid"]),
                                              condition("tag", "=", text)])
            # what is deleted on the strength of this answer must be exactly the record
            return [row for row in rows if row.get("tag") == text
                    and row.get("resourceUuid") == live["resource_uuid"]]
        # one query for the owner's records of both tag kinds: the read memo answers the second kind from it
        every_kind = "%s%s::" % (RECORD_PREFIX, owner)
        rows = client.query_tags("user", [condition("tag", "~=", _like_literal(every_kind) + "%")])
        return [row for row in rows if (row.get("tag") or "").startswith(prefix)]

    def needs_record(self, client, spec, live, owner):
        """Whether no record of `owner` names `live`, read from the one listing of the owner's records of the kind
        (the query prune sends), which the plan's read memo answers once for every adopted tag."""
        if live is None:
            return False
        text = self.record_text(spec, owner, live["tag"])
        return not any(row.get("tag") == text and row.get("resourceUuid") == live["resource_uuid"]
                       for row in self._records(client, spec, owner))

    def record(self, client, spec, live, owner):
        """Create the record of `live` unless it is there already (a create whose answer was lost)."""
        if live is not None and not self._records(client, spec, owner, live):
            client.create_tag("user", live["resource_type"], live["resource_uuid"],
                              self.record_text(spec, owner, live["tag"]))

    def forget(self, client, spec, live, owner):
        for row in self._records(client, spec, owner, live):
            client.delete_tag(row["uuid"])

    def owned(self, client, spec, owner):
        """The live tags that records of `owner` name (a record whose tag is gone names nothing)."""
        prefix = self.record_text(spec, owner, "")
        wanted = [{"resource_uuid": row.get("resourceUuid"), "resource_type": row.get("resourceType"),
                   "tag": row["tag"][len(prefix):]} for row in self._records(client, spec, owner)]
        return [live for live in spec.read_many(client, wanted) if live is not None]
