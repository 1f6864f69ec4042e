# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `vsd_snapshot_info` reads about one VM: its snapshots (every page), one snapshot, the tree, the head."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.info_entries import as_entries_field, gathered_entries
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd import SPECS
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd.scope import check_scope, scope_fields
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, options_argument_spec
from ansible_collections.converge.platforms.plugins.module_utils.vsd import scope_of
from ansible_collections.converge.platforms.plugins.module_utils.vsd_facts import snapshot_facts, tree_facts

SUBSETS = ("snapshots", "tree", "head")


def _snapshots(client, params):
    return [snapshot_facts(item) for item in client.list_snapshots(scope_of(params), params.get("filter_name") or "")]


def _tree(client, params):
    return tree_facts(client.tree(scope_of(params)))


def _head(client, params):
    head = client.head(scope_of(params))
    return snapshot_facts(head) if head else None


def _vm_of(client, params):
    """The VM whose snapshots become entries, as `reconciler import --vsd-vm` names one: its cluster and uuid (the
    snapshot tree's when the module names the VM by I(compute_name))."""
    scope = scope_of(params)
    return {"cluster_uuid": scope["cluster_uuid"],
            "compute_uuid": scope.get("compute_uuid") or client.tree(scope).get("UUID")}


GATHERERS = {"snapshots": _snapshots, "tree": _tree, "head": _head}
#: the kinds whose entries each subset gives with as_entries
SUBSET_KINDS = {"snapshots": ("vsd_snapshot",)}


def _info_fields():
    fields = dict((name, field) for name, field in scope_fields().items())
    fields.update({
        "gather_subset": Field("list", "What to read: C(snapshots) (every page of the list), C(tree) (parents and "
                                       "children by name, and the head), C(head) (the snapshot the VM runs from).",
                               elements="str", choices=list(SUBSETS), default=list(SUBSETS)),
        "filter_name": Field("str", "Only snapshots whose names match this filter, as the platform filters names "
                                    "(subset C(snapshots))."),
        "name": Field("str", "Also read the snapshot of this name, returned as C(snapshot) (null when there is "
                             "none)."),
        "as_entries": as_entries_field(
            "Its kind is C(vsd_snapshot), with subset C(snapshots): every snapshot of the VM the module is "
            "pointed at, whatever I(filter_name) selects (VSD lists snapshots only VM by VM)."),
    })
    return fields


INFO_FIELDS = _info_fields()


def argument_spec():
    """The module's own options (the connection options come from the module base)."""
    return options_argument_spec(INFO_FIELDS)


def gather(client, params):
    """Read the chosen subsets (and the named snapshot); returns {subset: value}."""
    check_scope(params)
    facts = dict((name, GATHERERS[name](client, params)) for name in params.get("gather_subset") or SUBSETS)
    if params.get("name"):
        item = client.get_snapshot_or_none(scope_of(params), params["name"])
        facts["snapshot"] = snapshot_facts(item) if item else None
    if params.get("as_entries"):
        facts["entries"] = gathered_entries(SPECS, client, SUBSET_KINDS, params.get("gather_subset") or SUBSETS,
                                            within=[_vm_of(client, params)])
    return facts
