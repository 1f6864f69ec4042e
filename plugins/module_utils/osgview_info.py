# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `osgview_vm_group_info` reads: each VM's readiness and start status, and the group's console."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.osgview import DEFAULT_METHOD, METHODS
from ansible_collections.converge.platforms.plugins.module_utils.osgview_group import read_group
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError

INFO_FIELDS = {
    "gtuuid": Field("str", "Id of the VM group template the group was cloned from.", required=True),
    "gnuuid": Field("str", "Id of the group (C(vm_group.gnuuid) of M(converge.platforms.osgview_vm_group)).",
                    required=True),
    "server_ids": Field("list", "Ids of the group's VMs (C(vm_group.server_ids)); the API cannot list them.",
                        elements="str", required=True),
    "method": Field("str", "Console to return connection details for: C(vnc) and C(rdp) give an address and a "
                           "port, C(url) a web console address. Asked for only once every VM is active.",
                    choices=METHODS, default=DEFAULT_METHOD),
}


def argument_spec():
    """The info module's own options (no connection options)."""
    return dict((name, field.argument_spec()) for name, field in INFO_FIELDS.items())


def gather(client, params):
    """Read the group; returns `{"vm_group": ...}`."""
    for name in ("gtuuid", "gnuuid"):
        if not params[name].strip():
            raise SpecError(name, "must not be empty")
    if not params["server_ids"] or not all(s.strip() for s in params["server_ids"]):
        raise SpecError("server_ids", "must be a non-empty list of VM ids")
    group = {"gtuuid": params["gtuuid"]}
    group.update(read_group(client, params["gtuuid"], params["gnuuid"], params["server_ids"],
                            params.get("method") or DEFAULT_METHOD))
    return {"vm_group": group}
