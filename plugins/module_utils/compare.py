# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one comparison of desired and live values, nested dicts and lists included (built on deepdiff).

`changed_paths(want, have, unordered)` names each nested place that differs, as `tasks.expand` or
`steps[0].retry.retry_times`, so diff mode and the plan can show where a large field changed. Lists
the API keeps in no particular order are compared as multisets (`unordered`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.converge.platforms.plugins.module_utils.optional_library import OptionalLibrary

#: reported by the module base (module.py) when missing; without it a changed value is named as a whole
DEEPDIFF = OptionalLibrary("deepdiff")
_STEP = re.compile(r"\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\d+)\]")


def _readable(path, name):
    """deepdiff's `root['a'][0]['b']` as `name.a[0].b`."""
    result = name
    for match in _STEP.finditer(path[len("root"):]):
        step = match.group(1)
        result += "[%s]" % step if step.isdigit() else ".%s" % step[1:-1]
    return result


def changed_paths(want, have, unordered=False, name=""):
    """The nested paths (prefixed by `name`) where `want` and `have` differ; empty when they are equal."""
    if want == have:
        return []
    if not DEEPDIFF.available or not isinstance(want, (dict, list)) or not isinstance(have, (dict, list)):
        if unordered and isinstance(want, list) and isinstance(have, list) and _same_items(want, have):
            return []
        return [name]
    diff = DEEPDIFF.module.DeepDiff(have, want, ignore_order=unordered, report_repetition=unordered)
    return sorted(_readable(path, name) for path in diff.affected_paths)


def same(want, have, unordered=False):
    """Whether a desired value equals the live one, nested values included."""
    return not changed_paths(want, have, unordered)


def _same_items(want, have):
    remaining = list(have)
    for item in want:
        if item not in remaining:
            return False
        remaining.remove(item)
    return not remaining
