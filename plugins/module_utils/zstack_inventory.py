# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ZStack answers in field names (camelCase keys in snake_case), and uuids in groups a query condition takes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

UUID_CHUNK = 40


def snake(name):
    """`resourceUuid` -> `resource_uuid`."""
    out = []
    for char in name:
        if char.isupper():
            out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out).lstrip("_")


def from_inventory(inventory):
    """A ZStack inventory with snake_case keys."""
    return dict((snake(k), v) for k, v in (inventory or {}).items())


def snake_keys(value):
    """A ZStack answer with snake_case keys at every depth (maps inside maps and lists too)."""
    if isinstance(value, dict):
        return dict((snake(k) if isinstance(k, str) else k, snake_keys(v)) for k, v in value.items())
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    return value


def chunks(items, size=UUID_CHUNK):
    """`items` in lists of at most `size`: the uuids of one `?=` query condition."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
