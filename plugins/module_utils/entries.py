# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What exists on a platform as desired-state entries: the one export that `reconciler import` writes and the
`*_info` modules return with `as_entries: true`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def listed_objects(spec, client, within=None, platform_made=False):
    """The live objects of a kind that import takes, in a stable order (by identity): every one `read_all` lists,
    but those the platform made itself unless `platform_made` (the kind was asked for by name)."""
    lives = [live for live in spec.read_all(client, within) if platform_made or not spec.platform_made(live)]
    return sorted(lives, key=lambda live: _order_key(spec, live))


def _order_key(spec, live):
    return tuple((value is None, str(value)) for value in spec.identity_of(live)) + ((str(live.get("id")),))


def entries_of(spec, lives, adopt=True):
    """Each live object as the entry that keeps it as it is (`spec.entry_of`), with `adopt: true` when asked."""
    entries = []
    for live in lives:
        entry = spec.entry_of(live)
        if adopt:
            entry["adopt"] = True
        entries.append(entry)
    return entries


def owner_named(spec, live):
    """The owner a live object's marker names (the kind's ownership carrier), or None."""
    carrier = spec.ownership
    return carrier.owner_of(live) if carrier is not None else None
