# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `osgview_vm_group_info` reads: each VM's readiness and start status, and the group's console."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.entries import entries_of
from ansible_collections.converge.platforms.plugins.module_utils.info_entries import as_entries_field
from ansible_collections.converge.platforms.plugins.module_utils.osgview import DEFAULT_METHOD, METHODS
from ansible_collections.converge.platforms.plugins.module_utils.osgview_group import read_group, with_identity
from ansible_collections.converge.platforms.plugins.module_utils.resources.osgview import VmGroupSpec
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError, options_argument_spec

INFO_FIELDS = {
    "gtuuid": Field("str", "Id of the VM group template the group was cloned from.", required=True),
    "gnuuid": Field("str", "Id of the group (C(vm_group.gnuuid) of M(converge.platforms.osgview_vm_group)).",
                    required=True),
    "server_ids": Field("list", "Ids of the group's VMs (C(vm_group.server_ids)); the API cannot list them.",
                        elements="str", required=True),
    "method": Field("str", "Console to return connection details for: C(vnc) and C(rdp) give an address and a "
                           "port, C(url) a web console address. Asked for only once every VM is active.",
                    choices=METHODS, default=DEFAULT_METHOD),
    "marker": Field("str", "Course scenario the group was cloned for (its I(marker) in a desired state): with "
                           "I(gtuuid), the identity of the group's entry in C(entries). OSG view does not report "
                           "it, so it is required with I(as_entries)."),
    "as_entries": as_entries_field(
        "Its kind is C(osgview_vm_group): the one group read, with its I(gnuuid) and I(server_ids), by which a "
        "run finds it. OSG view lists no groups, so C(reconciler import) cannot take them; this is how a group "
        "is brought under a desired state."),
}


def argument_spec():
    """The info module's own options (no connection options)."""
    return options_argument_spec(INFO_FIELDS)


def gather(client, params):
    """Read the group; returns `{"vm_group": ...}`, and `entries` with as_entries."""
    for name in ("gtuuid", "gnuuid"):
        if not params[name].strip():
            raise SpecError(name, "must not be empty")
    if not params["server_ids"] or not all(s.strip() for s in params["server_ids"]):
        raise SpecError("server_ids", "must be a non-empty list of VM ids")
    if params.get("as_entries") and not (params.get("marker") or "").strip():
        raise SpecError("marker", "is required with as_entries: OSG view does not report the marker a group was "
                                  "cloned for, and with gtuuid it names the group in a desired state")
    view = read_group(client, params["gtuuid"], params["gnuuid"], params["server_ids"],
                      params.get("method") or DEFAULT_METHOD)
    group = {"gtuuid": params["gtuuid"]}
    group.update(view)
    facts = {"vm_group": group}
    if params.get("as_entries"):
        live = with_identity(params["gtuuid"], params["marker"], None, view)
        facts["entries"] = {"osgview_vm_group": entries_of(VmGroupSpec(), [live])}
    return facts
