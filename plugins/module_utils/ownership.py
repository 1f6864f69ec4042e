# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the reconciler marks the objects it creates as its own, so that prune deletes only those.

A kind's `ownership` is its carrier: where on the platform the owner's name is kept.

- `TextMarker(field)`: the marker `[converge:<owner>]` at the end of a free-text field (a description).
  The marker is part of the value the reconciler sends on create (and on adopt), and kept on update.
- A record carrier (ZStack tags, see resources/zstack_ownership.py): a separate object on the platform
  names each owned object, as kubectl's ApplySet keeps its members on a parent object.

A kind whose `ownership` is None has no place for a marker: the reconciler never prunes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

#: an owner: letters, digits, dot, dash and underscore, starting with a letter or digit
OWNER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}"
_TRAILING_MARKER = re.compile(r"\s*\[converge:(%s)\]$" % OWNER_PATTERN)


def marker(owner):
    """The text that marks an object as owned by `owner`."""
    return "[converge:%s]" % owner


class Ownership:
    """A carrier of the owner's name; the base reads and writes nothing beyond the object itself."""

    #: what the README's table says the carrier is
    description = ""

    def claim(self, desired, live, owner, adopt):
        """The desired values to send, holding the marker where the object carries it (a copy)."""
        return dict(desired)

    def owner_of(self, live):
        """The owner a live object names, or None."""
        return None

    def needs_record(self, client, spec, live, owner):
        """Whether adopting `live` takes a write beyond the object's own fields (a record carrier)."""
        return False

    def record(self, client, spec, live, owner):
        """After a create or adopt: write what names `owner` as the owner of `live`, outside the object.

        Nothing to do for a carrier inside the object: the create or update already wrote the marker.
        """

    def forget(self, client, spec, live, owner):
        """After a delete: remove what named the owner of `live`, outside the object (nothing by default)."""

    def owned(self, client, spec, owner):
        """Every live object of the kind that names `owner` (field names, as `spec.read_many` gives them)."""
        return [live for live in spec.read_all(client) if self.owner_of(live) == owner]


class TextMarker(Ownership):
    """The marker `[converge:<owner>]` at the end of a free-text field the user may also set."""

    def __init__(self, field):
        self.field = field
        self.description = "`%s` ends with `[converge:<owner>]`" % field

    def owner_of(self, live):
        found = _TRAILING_MARKER.search((live or {}).get(self.field) or "")
        return found.group(1) if found else None

    @staticmethod
    def without_marker(text):
        """`text` without the owner's marker at its end."""
        return _TRAILING_MARKER.sub("", text or "")

    def claim(self, desired, live, owner, adopt):
        """Create and adopt write `owner`; an update keeps the live object's marker, whoever it names.

        An update of an object without a marker (one this owner did not create) leaves it without one.
        """
        result = dict(desired)
        live_owner = self.owner_of(live) if live is not None else None
        keep = owner if live is None or adopt else live_owner
        value = desired.get(self.field)
        if value is None and live is not None:
            if not adopt:
                return result
            value = (live.get(self.field) or "")
        text = _TRAILING_MARKER.sub("", value or "")
        if keep is None:
            result[self.field] = text if value is not None else None
        else:
            result[self.field] = ("%s %s" % (text, marker(keep))) if text else marker(keep)
        return result
