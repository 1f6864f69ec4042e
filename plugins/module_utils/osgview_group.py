# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An OSG view VM group as the modules show it: each VM's readiness and start status, and the group's console.

The API has no call that reads a group: a group is read VM by VM (`gperpare`, then `gstart` once active),
and its console (`gconnent`) once every VM is active.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.osgview import DEFAULT_METHOD


def read_vm(client, gtuuid, gnuuid, server_id):
    """One VM: its build readiness (gperpare) and, once active, its start status (gstart)."""
    vm = client.prepare(gtuuid, gnuuid, server_id)
    vm["vm_status"] = client.start(gtuuid, gnuuid, server_id) if vm["state"] == "active" else None
    return vm


def group_view(client, gnuuid, vms, method):
    """A group's facts from its VMs; the console is asked for only once every VM is active."""
    # gperpare's 200 is the document's "found, and the VM status is active": that is readiness.
    # gstart's vm_status is only "for debugging", so it is reported, never waited on.
    ready = all(vm["state"] == "active" for vm in vms)
    return {
        "gnuuid": gnuuid,
        "server_ids": [vm["server_id"] for vm in vms],
        "count": len(vms),
        "ready": ready,
        "vms": vms,
        "method": method,
        "connection": client.connect(gnuuid, method) if ready else None,
    }


def read_group(client, gtuuid, gnuuid, server_ids, method=DEFAULT_METHOD):
    """Readiness and start status of each VM of a group, and its connection details once ready."""
    vms = [read_vm(client, gtuuid, gnuuid, server_id) for server_id in server_ids]
    return group_view(client, gnuuid, vms, method)


def pending_view(gnuuid, server_ids, method):
    """A group just cloned: every VM building, no console yet."""
    vms = [{"server_id": s, "state": "building", "status": None, "msg": "", "vm_status": None} for s in server_ids]
    return {"gnuuid": gnuuid, "server_ids": list(server_ids), "count": len(server_ids), "ready": False, "vms": vms,
            "method": method, "connection": None}


def with_identity(gtuuid, marker, if_cache, view):
    """The module's C(vm_group): the group's identity and clone facts, then the group as read."""
    result = {"gtuuid": gtuuid, "marker": marker, "if_cache": if_cache}
    result.update(view)
    return result


def failed_vms(live):
    """The VMs of a group that OpenStack put in error (gperpare's 101)."""
    return [vm for vm in live.get("vms") or [] if vm["state"] == "error"]
