# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the ZStack kinds: tags, license, GC jobs, long jobs, notifications."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import json

from ansible_collections.converge.platforms.plugins.module_utils.ownership import TextMarker
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack_ownership import TagRecord
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    NOOP,
    UPDATE,
    Change,
    Field,
    ResourceSpec,
    SpecError,
)
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackError, condition

UUID_CHUNK = 40
LICENSE_MARKER = "converge::license::"
FINISHED_LONG_JOB_STATES = ("Succeeded", "Failed", "Canceled")


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
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class TagSpec(ResourceSpec):
    """A system or user tag on a ZStack resource."""

    platform = "zstack"
    keyed_writes = True
    result_key = "tag"
    tag_kind = ""
    identity = ("resource_uuid", "resource_type", "tag")
    # a changed user tag is a new tag beside the old one until the old one is deleted
    create_before_delete = True
    ownership = TagRecord()

    @property
    def fields(self):
        # built once per spec: the tag's updatability depends on the kind, which is fixed per subclass
        cached = self.__dict__.get("_fields")
        if cached is None:
            cached = self.__dict__["_fields"] = self._tag_fields()
        return cached

    def _tag_fields(self):
        return {
            "resource_uuid": Field("str", "UUID of the resource the tag is attached to.",
                                   required=True, format="uuid_hex"),
            "resource_type": Field("str", "ZStack resource type of that resource, such as C(VmInstanceVO) or "
                                          "C(HostVO).",
                                   required=True),
            "tag": Field("str", "The tag text, such as C(ha::NeverStop).", required=True,
                         updatable=self.tag_kind == "system"),
            "replaces": Field("str", "Text of an existing tag on the same resource that this tag supersedes. When "
                                     "that tag exists and the new one does not, it is changed into the new one (system "
                                     "tags in place through UpdateSystemTag; user tags, which ZStack cannot update, "
                                     "are deleted and created again).", compare=False),
        }

    def check(self, desired):
        for name in ("resource_uuid", "resource_type", "tag"):
            value = desired.get(name)
            if value is not None and not value.strip():
                raise SpecError(name, "must not be empty")
        if desired.get("replaces") and desired.get("replaces") == desired.get("tag"):
            raise SpecError("replaces", "must differ from tag")

    def read_many(self, client, desired_list):
        uuids = sorted(set(d["resource_uuid"] for d in desired_list))
        rows = []
        for group in chunks(uuids):
            rows.extend(client.query_tags(self.tag_kind, [condition("resourceUuid", "?=", group)]))
        by_key = {}
        for row in rows:
            live = from_inventory(row)
            by_key.setdefault((live.get("resource_uuid"), live.get("resource_type"), live.get("tag")), live)
        result = []
        for desired in desired_list:
            key = (desired["resource_uuid"], desired["resource_type"], desired["tag"])
            live = by_key.get(key)
            if live is None and desired.get("replaces"):
                live = by_key.get(key[:2] + (desired["replaces"],))
            result.append(live)
        return result

    def create(self, client, desired):
        inventory = client.create_tag(self.tag_kind, desired["resource_type"], desired["resource_uuid"], desired["tag"])
        return from_inventory(inventory)

    def update(self, client, live, desired, changes):
        return from_inventory(client.update_system_tag(live["uuid"], desired["tag"]))

    def delete(self, client, live):
        client.delete_tag(live["uuid"])


class SystemTagSpec(TagSpec):
    kind = "zstack_system_tag"
    tag_kind = "system"
    description = "Manage ZStack system tags."


class UserTagSpec(TagSpec):
    kind = "zstack_user_tag"
    tag_kind = "user"
    description = "Manage ZStack user tags."


def default_management_node(client):
    nodes = client.query_management_nodes()
    if not nodes:
        raise ZStackError("ZStack reports no management node")
    return nodes[0]["uuid"]


class LicenseSpec(ResourceSpec):
    """The license of a ZStack management node.

    ZStack cannot show an installed license, so on each update the spec records a fingerprint
    (SHA-256 of the license and of the license information it produced) in a user tag on the
    management node; the license is unchanged while that tag matches both.
    """

    mutually_exclusive = (("license", "license_file"),)
    kind = "zstack_license"
    platform = "zstack"
    keyed_writes = True
    result_key = "license"
    description = "Install or reload the license of a ZStack management node."
    identity = ("management_node_uuid",)
    states = ("present", "reloaded")
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
        if desired.get("license"):
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
        if desired.get("license"):
            return desired["license"].strip()
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

    def plan(self, desired, live):
        if desired.get("state") == "reloaded":
            return Change(self, "reload", desired, live, note="the license is reloaded on every run")
        want = hashlib.sha256(self.license_text(desired).encode("ascii")).hexdigest()
        if live.get("license_sha256") == want:
            return Change(self, NOOP, desired, live)
        before = live.get("license_sha256") and "sha256:" + live["license_sha256"][:12]
        return Change(self, UPDATE, desired, live, {"license_sha256": (before, "sha256:" + want[:12])})

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


class GcJobSpec(ResourceSpec):
    """A ZStack garbage-collection job: trigger it, or delete it."""

    kind = "zstack_gc_job"
    platform = "zstack"
    keyed_writes = True
    result_key = "gc_job"
    description = "Trigger or delete ZStack garbage-collection jobs."
    identity = ("uuid",)
    states = ("triggered", "absent")
    fields = {
        "uuid": Field("str", "UUID of the GC job. One of I(uuid) or I(name) is required.", format="uuid_hex"),
        "name": Field("str", "Name of the GC job, when I(uuid) is not given.", compare=False),
    }

    def check(self, desired):
        if not desired.get("uuid") and not desired.get("name"):
            raise SpecError("uuid", "one of uuid or name is required")

    def read(self, client, desired):
        if desired.get("uuid"):
            rows = client.query_gc_jobs([condition("uuid", "=", desired["uuid"])])
        else:
            rows = client.query_gc_jobs([condition("name", "=", desired["name"])])
            if len(rows) > 1:
                raise SpecError("name", "%d GC jobs are named %r; give uuid instead" % (len(rows), desired["name"]))
        return from_inventory(rows[0]) if rows else None

    def plan_state(self, state, desired, live):
        if not live:
            raise SpecError("uuid" if desired.get("uuid") else "name", "no such GC job")
        if live.get("status") == "Done":
            return Change(self, NOOP, desired, live)
        return Change(self, "trigger", desired, live, {"status": (live.get("status"), "Done")})

    def act(self, client, change):
        client.trigger_gc_job(change.live["uuid"])
        return self.read(client, {"uuid": change.live["uuid"]})

    def delete(self, client, live):
        client.delete_gc_job(live["uuid"])


class LongJobSpec(ResourceSpec):
    """A ZStack long job, identified by its name.

    In check mode, C(state=cancelled) on a job that does not exist yet predicts the cancel instead of
    failing: an earlier task of the play (in check mode, submitting nothing) may be the one that submits
    it, and ZStack would then show that job Running and cancel it.
    """

    kind = "zstack_long_job"
    platform = "zstack"
    keyed_writes = True
    result_key = "long_job"
    description = "Submit, cancel and delete ZStack long jobs."
    identity = ("name",)
    states = ("submitted", "cancelled", "absent")
    waits = True
    ownership = TextMarker("description")
    fields = {
        "name": Field("str", "Name of the long job; it identifies the job, so give each job its own name.",
                      required=True),
        "job_name": Field("str", "ZStack message the job runs, such as C(APIPrimaryStorageMigrateVolumeMsg). "
                                 "Required to submit.", updatable=False),
        "job_data": Field("raw", "Parameters of the job: a mapping (sent as JSON) or a JSON string. "
                                 "Required to submit.", compare=False),
        "description": Field("str", "Description of the long job.", compare=False),
        "target_resource_uuid": Field("str", "UUID of the resource the job works on.",
                                      compare=False, format="uuid_hex"),
    }

    def __init__(self, check_mode=False):
        #: planning for check mode: a cancel of a job an earlier task would have submitted is predicted
        self.check_mode = bool(check_mode)

    def check(self, desired):
        if desired.get("state", "submitted") == "submitted":
            for name in ("job_name", "job_data"):
                if desired.get(name) in (None, ""):
                    raise SpecError(name, "is required with state=submitted")
        data = desired.get("job_data")
        if data is not None and not isinstance(data, (dict, str)):
            raise SpecError("job_data", "must be a mapping or a JSON string")
        if isinstance(data, str):
            try:
                json.loads(data)
            except ValueError as exc:
                raise SpecError("job_data", "is not valid JSON: %s" % exc)
        if desired.get("wait_timeout") is not None and desired["wait_timeout"] <= 0:
            raise SpecError("wait_timeout", "must be positive")

    def read(self, client, desired):
        rows = client.query_long_jobs([condition("name", "=", desired["name"])])
        if not rows:
            return None
        rows.sort(key=lambda row: (row.get("createDate") or "", row.get("uuid")))
        return self._live(rows[-1])

    def read_all(self, client):
        """Every long job, in field names."""
        return [self._live(row) for row in client.query_long_jobs([])]

    @staticmethod
    def _live(row):
        live = from_inventory(row)
        state = live.get("state")
        if isinstance(state, dict):
            live["state"] = state.get("name")
        return live

    def plan_state(self, state, desired, live):
        if state == "submitted":
            if live:
                return Change(self, NOOP, desired, live)
            return Change(self, "submit", desired, None, {"state": (None, "Running")})
        if not live and self.check_mode:
            return self._predicted_cancel(desired)
        if not live:
            raise SpecError("name", "no long job named %r" % desired["name"])
        if live.get("state") in FINISHED_LONG_JOB_STATES:
            return Change(self, NOOP, desired, live)
        return Change(self, "cancel", desired, live, {"state": (live.get("state"), "Canceled")})

    def _predicted_cancel(self, desired):
        """Check mode, no such job: one submitted earlier in the play would be Running, and cancelling it succeeds.

        Check mode submits nothing and a module cannot see what earlier tasks predicted, so the cancel is
        predicted with a note rather than refused; a real run fails when no job of that name exists by then.
        """
        note = ("no long job named %r exists yet; check mode assumes an earlier task would have submitted it and "
                "predicts cancelling it while it runs (a real run fails if it does not exist by then)"
                % desired["name"])
        return Change(self, "cancel", desired, None, {"state": ("Running", "Canceled")}, note=note)

    def predict(self, change):
        """The job after the change, its state as planned (Running once submitted, Canceled once cancelled)."""
        result = ResourceSpec.predict(self, change)
        if result is not None and "state" in change.fields:
            result["state"] = change.fields["state"][1]
        return result

    def plan(self, desired, live):
        change = ResourceSpec.plan(self, desired, live)
        if change.action == "delete" and live.get("state") not in FINISHED_LONG_JOB_STATES:
            change.note = "the running job is cancelled before it is deleted"
        return change

    def act(self, client, change):
        desired = change.desired
        if change.action == "submit":
            data = desired["job_data"]
            inventory = client.submit_long_job(desired["job_name"], data if isinstance(data, str) else json.dumps(data),
                                               name=desired["name"], description=desired.get("description"),
                                               target_resource_uuid=desired.get("target_resource_uuid"))
            live = self._live(inventory)
        else:
            client.cancel_long_job(change.live["uuid"])
            live = self.read(client, desired)
        return self.settle(client, desired, live)

    def delete(self, client, live):
        if live.get("state") not in FINISHED_LONG_JOB_STATES:
            client.cancel_long_job(live["uuid"])
        client.delete_long_job(live["uuid"])

    def settle(self, client, desired, live):
        """With wait, poll (with backoff) until the job has finished; fail if it failed."""
        if not live or not desired.get("wait") or desired.get("state") == "absent":
            return live
        seen = {"live": live}

        def reread():
            seen["live"] = self.read(client, desired) or seen["live"]
            return seen["live"]

        live = self.wait_for(client, desired, live, reread, lambda now: now.get("state") in FINISHED_LONG_JOB_STATES,
                             lambda last: "long job %s still %s after %ss" % (
                                 desired["name"], last.get("state"), desired.get("wait_timeout")))
        if live.get("state") == "Failed" and desired.get("state") == "submitted":
            raise ZStackError("long job %s failed: %s" % (desired["name"], live.get("job_result")))
        return live


class NotificationSpec(ResourceSpec):
    """A ZStack notification: set its read status, or delete it."""

    kind = "zstack_notification"
    platform = "zstack"
    keyed_writes = True
    result_key = "notification"
    description = "Mark ZStack notifications read or unread, or delete them."
    identity = ("uuid",)
    fields = {
        "uuid": Field("str", "UUID of the notification.", required=True, format="uuid_hex"),
        "status": Field("str", "Read status to set.", choices=["Read", "Unread"]),
    }

    def read_many(self, client, desired_list):
        found = {}
        for group in chunks(sorted(set(d["uuid"] for d in desired_list))):
            for row in client.query_notifications([condition("uuid", "?=", group)]):
                found[row["uuid"]] = from_inventory(row)
        return [found.get(d["uuid"]) for d in desired_list]

    def plan(self, desired, live):
        if desired.get("state") == "present" and not live:
            raise SpecError("uuid", "no notification %s (notifications cannot be created)" % desired["uuid"])
        return ResourceSpec.plan(self, desired, live)

    def update(self, client, live, desired, changes):
        client.update_notifications_status([live["uuid"]], desired["status"])
        return self.read(client, desired)

    def delete(self, client, live):
        client.delete_notifications([live["uuid"]])


SPECS = [SystemTagSpec(), UserTagSpec(), LicenseSpec(), GcJobSpec(), LongJobSpec(), NotificationSpec()]
