# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `as_entries` option of the `*_info` modules: what they read, as the entries `reconciler import` writes.

The entries come from the one export (`entries.listed_objects` and `entries.entries_of`), kind by kind in the
platform's `SPECS` order, so a playbook writing `resources: "{{ info.entries }}"` writes what import would.
Each module imports its platform's `SPECS` by name and hands them here: a module's code is shipped with the
module_utils it imports by name only, so none is found through the platform descriptors.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.entries import entries_of, listed_objects
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field

AS_ENTRIES_TEXT = ("Also return C(entries): what was read, as the C(resources:) section C(reconciler import) writes "
                   "(C(adopt: true), secrets as C({env: CONVERGE_...}), references by name).")


def as_entries_field(which):
    """The module's `as_entries` option; `which` says which kinds it returns and what it leaves out."""
    return Field("bool", AS_ENTRIES_TEXT + " " + which, default=False)


def kinds_text(subset_kinds):
    """`C(subset) gives C(kind)` for each subset of a module that has kinds, for the option's description."""
    return ", ".join("C(%s) gives %s" % (subset, " and ".join("C(%s)" % kind for kind in subset_kinds[subset]))
                     for subset in subset_kinds)


def gathered_entries(specs, client, subset_kinds, subsets, named=(), within=None):
    """{kind: entries} of the kinds of the gathered `subsets` (`subset_kinds` maps a subset to its kinds), in
    the order of the platform's `specs`, each kind's objects as `reconciler import` lists them (`within` the
    scopes of a kind listed only within one). Objects the platform made itself are taken only for the kinds
    of the subsets the user `named`, as import takes them only for a kind `--kind` names."""
    wanted = set(kind for subset in subsets for kind in subset_kinds.get(subset, ()))
    asked = set(kind for subset in named for kind in subset_kinds.get(subset, ()))
    entries = {}
    for spec in specs:
        if spec.kind not in wanted:
            continue
        listed = entries_of(spec, listed_objects(spec, client, within, platform_made=spec.kind in asked))
        if listed:
            entries[spec.kind] = listed
    return entries
