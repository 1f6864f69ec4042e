# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec of the license of a ZStack management node."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import json

from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack.base import ZStackSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack_ownership import (
    LICENSE_RECORD_PREFIX,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    NOOP,
    SECRET_REFERENCE,
    UPDATE,
    Change,
    Field,
    SpecError,
)
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackError, condition
from ansible_collections.converge.platforms.plugins.module_utils.zstack_inventory import from_inventory

LICENSE_MARKER = LICENSE_RECORD_PREFIX
#: the license a management node runs on before one is installed (a fresh node's trial; the document's example
#: answers a free one): made by the platform, imported only when asked for by kind
PLATFORM_LICENSE_TYPES = ("Trial", "Free")
NOT_RECORDED_NOTE = ("ZStack cannot show the installed license and converge recorded no fingerprint of it on this "
                     "node: the license is installed again, and its fingerprint recorded")


def default_management_node(client):
    nodes = client.query_management_nodes()
    if not nodes:
        raise ZStackError("ZStack reports no management node")
    return nodes[0]["uuid"]


class LicenseSpec(ZStackSpec):
    """The license of a ZStack management node.

    ZStack cannot show an installed license, so on each update the spec records a fingerprint
    (SHA-256 of the license and of the license information it produced) in a user tag on the
    management node; the license is unchanged while that tag matches both.
    """

    kind = "zstack_license"
    result_key = "license"
    description = "Install or reload the license of a ZStack management node."
    identity = ("management_node_uuid",)
    states = ("present", "reloaded")
    mutually_exclusive = (("license", "license_file"),)
    fields = {
        "management_node_uuid": Field("str", "Management node to license. Defaults to the first management node.",
                                      format="uuid_hex"),
        "license": Field("str", "The license, base64-encoded as ZStack expects it. Mutually exclusive with "
                                "I(license_file).", secret=True, compare=False),
        "license_file": Field("path", "Path of a license file on the controller; its content is base64-encoded "
                                      "before upload.", compare=False),
    }

    def check(self, desired):
        if desired.get("state", "present") == "present" and not (desired.get("license") or desired.get("license_file")):
            raise SpecError("license", "one of license or license_file is required with state=present")
        if desired.get("license") and desired["license"] != SECRET_REFERENCE:
            try:
                base64.b64decode(desired["license"].strip(), validate=True)
            except (binascii.Error, ValueError):
                raise SpecError("license", "is not valid base64 text")
        if desired.get("license_file"):
            try:
                with open(desired["license_file"], "rb") as handle:
                    handle.read(1)
            except (IOError, OSError) as exc:
                raise SpecError("license_file", "cannot be read: %s" % exc.strerror)
            except ValueError:
                # a path the operating system cannot take at all (one with a NUL character)
                raise SpecError("license_file", "is not a usable path: %r" % desired["license_file"])

    @staticmethod
    def license_text(desired):
        """The license to install, as base64 text; None while it is not known: a `{env: NAME}` reference not read
        (an imported entry planned before its variable is set), or one the reconciler leaves out until a write
        needs it."""
        if isinstance(desired.get("license"), str) and desired["license"] != SECRET_REFERENCE:
            return desired["license"].strip()
        if not desired.get("license_file"):
            return None
        with open(desired["license_file"], "rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")

    @staticmethod
    def info_fingerprint(info):
        keys = ("licenseType", "user", "hostNum", "cpuNum", "issuedDate", "expiredDate")
        text = json.dumps(dict((k, info.get(k)) for k in keys), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def read(self, client, desired):
        node = desired.get("management_node_uuid") or default_management_node(client)
        info = client.get_license_info()
        markers = client.query_tags("user", [condition("resourceUuid", "=", node),
                                             condition("tag", "~=", LICENSE_MARKER + "%")])
        fingerprint = None
        for marker in markers:
            parts = marker["tag"][len(LICENSE_MARKER):].split("::")
            if len(parts) == 2 and parts[1] == self.info_fingerprint(info):
                fingerprint = parts[0]
        live = from_inventory(info)
        live.pop("license_request", None)
        live.update(management_node_uuid=node, license_sha256=fingerprint,
                    marker_uuids=[m["uuid"] for m in markers])
        return live

    def read_all(self, client, within=None):
        """The license of each management node (GetLicenseInfo, the same answer for every node)."""
        return [self.read(client, {"management_node_uuid": node["uuid"]}) for node in client.query_management_nodes()]

    def platform_made(self, live):
        """A node's trial or free license is the one it runs on before anyone installs one."""
        return live.get("license_type") in PLATFORM_LICENSE_TYPES

    def differences(self, desired, live):
        """The license's fingerprint when the one recorded on the node is not the desired license's.

        The update's verified write reads this too: an update whose answer was lost took effect only
        when the node's recorded fingerprint is the new license's. A license not known yet (`license_text`)
        cannot be compared: nothing is planned for it.
        """
        text = self.license_text(desired)
        if text is None:
            return {}
        want = hashlib.sha256(text.encode("ascii")).hexdigest()
        if live.get("license_sha256") == want:
            return {}
        before = live.get("license_sha256") and "sha256:" + live["license_sha256"][:12]
        return {"license_sha256": (before, "sha256:" + want[:12])}

    def plan(self, desired, live):
        if desired.get("state") == "reloaded":
            return Change(self, "reload", desired, live, note="the license is reloaded on every run")
        changes = self.differences(desired, live)
        note = NOT_RECORDED_NOTE if changes and live and not live.get("license_sha256") else None
        return Change(self, UPDATE if changes else NOOP, desired, live, changes, note=note)

    def update(self, client, live, desired, changes):
        text = self.license_text(desired)
        node = live["management_node_uuid"]
        info = client.update_license(node, text)
        for marker in live.get("marker_uuids") or []:
            client.delete_tag(marker)
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()
        client.create_tag("user", "ManagementNodeVO", node,
                          "%s%s::%s" % (LICENSE_MARKER, digest, self.info_fingerprint(info)))
        result = from_inventory(info)
        result.pop("license_request", None)
        result.update(management_node_uuid=node, license_sha256=digest)
        return result

    def act(self, client, change):
        info = from_inventory(client.reload_license([change.live["management_node_uuid"]]))
        info.pop("license_request", None)
        info["management_node_uuid"] = change.live["management_node_uuid"]
        return info

    def predict(self, change):
        return dict((k, v) for k, v in (change.live or {}).items() if k != "marker_uuids")
