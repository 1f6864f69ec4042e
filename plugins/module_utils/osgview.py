# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the OSG view lab API: clone a VM group, follow its VMs, get its console.

Every operation takes GET or POST with query or form parameters and answers the flat envelope
`{"status": 200, "msg": "", ...}`: 200 success, 400 bad parameters or no permission, 101 OpenStack
failure (or a VM in error), 102 a VM still building, 300 a VM not in the group. Only a 200 answer's
values may be used. The reads (`gperpare`, `gstart`, `gconnent`) go by GET, so the HTTP layer may
retry them; `gclone` goes by POST and is never retried, because a retry after a lost answer would
clone a second group.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.client_base import (
    Client,
    client_options,
    envelope_http,
)
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, connection_options

CLONE_PATH = "/osgview/gclone"
PREPARE_PATH = "/osgview/gperpare"
START_PATH = "/osgview/gstart"
CONNECT_PATH = "/osgview/gconnent"

OK = 200
BAD_REQUEST = 400
OPENSTACK_FAILURE = 101
BUILDING = 102
NOT_IN_GROUP = 300

#: gperpare's answer -> the readiness of one VM ("only 200 values are usable": the others say why)
READINESS = {OK: "active", BUILDING: "building", OPENSTACK_FAILURE: "error"}
METHODS = ("vnc", "rdp", "url")
DEFAULT_METHOD = "vnc"


class OsgViewError(ApiError):
    """An OSG view call answered with a status other than 200; `code` holds that status."""


class OsgViewClient(Client):
    """Calls the OSG view lab API; one instance per endpoint. The API has no login."""

    error_class = OsgViewError

    def __init__(self, url, timeout=30.0, validate_certs=True, http=None, max_answer_bytes=None, clock=None):
        super(OsgViewClient, self).__init__(
            http or envelope_http(url, "osgview", "status", timeout, validate_certs, max_answer_bytes), clock)

    # --- the four operations --------------------------------------------------------------------
    def clone(self, gtuuid, marker):
        """gclone: a new group from template `gtuuid` for course scenario `marker`.

        Returns `{"gnuuid", "serverlist", "count", "if_cache"}`.
        """
        return self._call("POST", CLONE_PATH, {"gtuuid": gtuuid, "marker": marker})

    def prepare(self, gtuuid, gnuuid, server_id):
        """gperpare: the build readiness of one VM, `{"server_id", "state", "status", "msg"}`.

        `state` is C(active) (200), C(building) (102) or C(error) (101); 300 (the VM is not in the
        group) and 400 raise OsgViewError.
        """
        body = self._call("GET", PREPARE_PATH, {"gtuuid": gtuuid, "gnuuid": gnuuid, "server_id": server_id},
                          accept=tuple(READINESS))
        status = _status(body)
        return {"server_id": server_id, "state": READINESS[status], "status": status, "msg": body.get("msg") or ""}

    def start(self, gtuuid, gnuuid, server_id):
        """gstart: the VM's OpenStack status (C(vm_status), such as C(ACTIVE))."""
        body = self._call("GET", START_PATH, {"gtuuid": gtuuid, "gnuuid": gnuuid, "server_id": server_id})
        return body.get("vm_status")

    def connect(self, gnuuid, method=DEFAULT_METHOD):
        """gconnent: how to reach the group's console, `{"method", "sysname", "ip", "port", "url"}`."""
        return connection_details(self._call("GET", CONNECT_PATH, {"gnuuid": gnuuid, "method": method}))

    # --- envelope -------------------------------------------------------------------------------
    def _call(self, method, path, params, accept=(OK,)):
        """Send one call; return the body when its status is one of `accept`, else raise OsgViewError."""
        if method == "GET":
            response = self.http.request("GET", path, params=params)
        else:
            response = self.http.request(method, path, data=params)
        body = self.json_object(response, method, path)
        status = _status(body)
        if status is None:
            raise OsgViewError("the answer has no valid status: %s" % self.answer_text(response), method, path,
                               response.status_code)
        if status not in accept:
            raise OsgViewError(self.redact(body.get("msg") or "failed without a message"), method, path,
                               response.status_code, code=status)
        return body


def _status(body):
    """The envelope's status as an int; the document types it as a string, its examples as a number."""
    try:
        return int(body.get("status"))
    except (TypeError, ValueError):
        return None


def connection_details(body):
    """gconnent's answer with plain names: the document's `paramter` (sic) is the console port."""
    return {
        "method": body.get("method"),
        "sysname": body.get("sysname"),
        "ip": body.get("ip"),
        "port": body.get("paramter") or None,
        "url": body.get("url") or None,
    }


# --- connection options, shared by the modules and the reconciler ----------------------------
CONNECTION_ARGUMENT_SPEC = connection_options("OSGVIEW")


def client_from_params(params):
    """An OsgViewClient from module options or a reconciler endpoint (same names)."""
    return OsgViewClient(params["url"], **client_options(params))
