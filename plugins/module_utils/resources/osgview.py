# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource spec of the OSG view kind: a course-lab VM group cloned from a template.

The file recording each group cloned (the API cannot list groups) is here too; reading a group is in
osgview_group.py, next to the client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import json
import os
import time

from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.osgview import (
    BAD_REQUEST,
    DEFAULT_METHOD,
    METHODS,
    NOT_IN_GROUP,
    OPENSTACK_FAILURE,
    PREPARE_PATH,
    OsgViewError,
)
from ansible_collections.converge.platforms.plugins.module_utils.osgview_group import (
    failed_vms,
    group_view,
    pending_view,
    read_group,
    read_vm,
    with_identity,
)
from ansible_collections.converge.platforms.plugins.module_utils.retry import NOT_HANDLED_STATUSES
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    Change,
    Field,
    ResourceSpec,
    SpecError,
    answer_lost,
)

RECORD_FORMAT = 1


# --- the record of cloned groups ------------------------------------------------------------------
class GroupRecords:
    """A JSON file on the controller naming each group cloned, by template and marker.

    The OSG view API cannot list groups; this file is how a later run finds the group an earlier
    one cloned. Records are keyed by (gtuuid, marker), the spec's identity, not by the endpoint URL:
    a gtuuid is the id of one installation's template, and an embedded emulator's URL changes on
    every run. Writers lock the file and replace it atomically, so concurrent runs keep every record.
    """

    def __init__(self, path):
        self.path = os.path.abspath(os.path.expanduser(path))

    def find(self, gtuuid, marker):
        """The record of the group cloned from this template for this marker, or None."""
        return self._match(lambda r: (r.get("gtuuid"), r.get("marker")) == (gtuuid, marker))

    def find_group(self, gnuuid):
        """The record of group `gnuuid`, or None."""
        return self._match(lambda r: r.get("gnuuid") == gnuuid)

    def save(self, record):
        """Add a record, replacing the one with the same template and marker."""
        key = (record["gtuuid"], record["marker"])
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory)
        with open(self.path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = [r for r in self._load() if (r.get("gtuuid"), r.get("marker")) != key]
            records.append(record)
            self._write(records)

    def remove(self, gtuuid, marker):
        """Drop the record of this template and marker, if there is one."""
        with open(self.path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = self._load()
            kept = [r for r in records if (r.get("gtuuid"), r.get("marker")) != (gtuuid, marker)]
            if len(kept) != len(records):
                self._write(kept)

    def _match(self, predicate):
        for record in self._load():
            if predicate(record):
                return record
        return None

    def _load(self):
        try:
            with open(self.path) as handle:
                data = json.load(handle)
        except (IOError, OSError):
            return []
        except ValueError as exc:
            raise SpecError("record_file", "%s is not valid JSON: %s" % (self.path, exc))
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, list):
            raise SpecError("record_file", "%s does not hold a converge record of OSG view groups" % self.path)
        return [r for r in groups if isinstance(r, dict)]

    def _write(self, records):
        write_atomically(self.path, json.dumps({"format": RECORD_FORMAT, "groups": records}, indent=1,
                                               sort_keys=True))


# --- the spec ---------------------------------------------------------------------------------------
class VmGroupSpec(ResourceSpec):
    """A course-lab VM group on OSG view, cloned from a group template (I(gtuuid)) for a course scenario (I(marker)).
    The module waits until every VM of the group is active, then returns the group id, the VM ids, whether the
    template's image was cached, and how to connect to the group's console with the chosen I(method).

    The OSG view API has no call that lists or finds groups, so idempotence needs the group's id from an earlier
    run. Give I(gnuuid) (and I(server_ids)) from an earlier run's C(vm_group) result and the module checks that
    group, waiting while it is still building, instead of cloning a new one; a group OSG view no longer knows is
    an error, never a silent second clone.

    Or give I(record_file): each group cloned is recorded there under its I(gtuuid) and I(marker), and a later
    run with the same pair checks the recorded group instead of cloning. When OSG view no longer knows a
    recorded group, a new one is cloned and recorded in its place. Choose a I(marker) that names one lab (a
    course scenario and a student, say): the pair I(gtuuid), I(marker) is then the group's identity. The
    reconciler identifies C(osgview_vm_group) entries by that pair and finds their groups through I(record_file)
    the same way, so a second C(apply) clones nothing.

    Without I(gnuuid) or I(record_file), every run clones a new group and reports a change. OSG view has no call
    to delete a group, so there is no C(state=absent) and the reconciler never prunes these groups. Check mode
    calls only the read operations (C(gperpare), C(gstart), C(gconnent)), never C(gclone).
    """

    kind = "osgview_vm_group"
    #: gclone makes a new group on every call and no read can find one whose answer was lost
    unverifiable = ("create",)
    platform = "osgview"
    result_key = "vm_group"
    description = "Clone an OSG view lab VM group and wait until its VMs are active."
    identity = ("gtuuid", "marker")
    states = ("present",)
    waits = True
    #: osgview-vm-group-api.md: the calls in use are gclone, gperpare, gstart and gconnent; gclone answers the new
    #: group's id (`gnuuid`, "克隆出来的虚拟机组的id") and the others take it as "第一个接口返回的"
    import_refusal = ("OSG view lists no groups: of its calls (gclone, gperpare, gstart, gconnent) only gclone "
                      "gives a group's id, which the others take as the gnuuid \"第一个接口返回的\" (returned by "
                      "the first call); write osgview_vm_group entries by hand, with gnuuid and server_ids from "
                      "the clone's result, or with the record_file that recorded it")
    fields = {
        "gtuuid": Field("str", "Id of the VM group template to clone, as the OSG view UI shows it.", required=True,
                        updatable=False),
        "marker": Field("str", "Course scenario the group is cloned for; the UI's test runs use C(testing). With "
                               "I(gtuuid) it identifies the group in I(record_file).", required=True,
                        updatable=False),
        "gnuuid": Field("str", "Id of a group cloned earlier (C(vm_group.gnuuid) of an earlier run). When set, "
                               "that group is checked instead of cloning a new one.", compare=False, format="uuid_hex"),
        "server_ids": Field("list", "Ids of the VMs of group I(gnuuid) (C(vm_group.server_ids) of an earlier run), "
                                    "which the API cannot list. Not needed when I(record_file) recorded that group.",
                            elements="str", compare=False, format="uuid"),
        "method": Field("str", "Console to return connection details for: C(vnc) and C(rdp) give an address and a "
                               "port, C(url) a web console address.", choices=METHODS, default=DEFAULT_METHOD,
                        compare=False),
        "record_file": Field("path", "JSON file on the host running the module where each cloned group is "
                                     "recorded, so that a later run with the same I(gtuuid) and I(marker) "
                                     "finds it.", compare=False),
    }

    # --- validation ---------------------------------------------------------------------------
    def check(self, desired):
        for name in ("gtuuid", "marker", "gnuuid", "record_file"):
            value = desired.get(name)
            if value is not None and not value.strip():
                raise SpecError(name, "must not be empty")
        server_ids = desired.get("server_ids")
        if server_ids and not desired.get("gnuuid"):
            raise SpecError("server_ids", "is only used with gnuuid")

    # --- reading ----------------------------------------------------------------------------------
    def read(self, client, desired):
        """The group named by I(gnuuid), else the one I(record_file) recorded, else None."""
        records = GroupRecords(desired["record_file"]) if desired.get("record_file") else None
        if desired.get("gnuuid"):
            record = records.find_group(desired["gnuuid"]) if records else None
            return self._read_named(client, desired, record)
        record = records.find(desired["gtuuid"], desired["marker"]) if records else None
        if record and record.get("pending"):
            raise SpecError("record_file", "a clone of template %s for marker %r was sent at %s and its answer was "
                                           "lost; OSG view has no call that finds the group it may have made, so none "
                                           "is cloned again" % (desired["gtuuid"], desired["marker"],
                                                                record.get("sent_at")),
                            remedy="find the group in OSG view and give its gnuuid and server_ids, or remove that "
                                   "record from %s to clone anew" % records.path)
        return self._read_recorded(client, desired, record) if record else None

    def _read_named(self, client, desired, record):
        """The group the user named; it must exist (an error names the option)."""
        server_ids = desired.get("server_ids") or (record or {}).get("server_ids")
        if not server_ids:
            raise SpecError("server_ids", "is required with gnuuid (the API cannot list a group's VMs) unless "
                                          "record_file recorded that group")
        try:
            live = read_group(client, desired["gtuuid"], desired["gnuuid"], server_ids, desired["method"])
        except OsgViewError as exc:
            if exc.code == NOT_IN_GROUP:
                raise SpecError("server_ids", "not all are VMs of group %s: %s" % (desired["gnuuid"], exc))
            if exc.code == BAD_REQUEST:
                raise SpecError("gnuuid", "group %s cannot be checked: %s" % (desired["gnuuid"], exc))
            raise
        return self._with_identity(live, desired, record)

    def _read_recorded(self, client, desired, record):
        """The group the record names; one OSG view no longer knows comes back as gone."""
        try:
            live = read_group(client, desired["gtuuid"], record["gnuuid"], record.get("server_ids") or [],
                              desired["method"])
        except OsgViewError as exc:
            if exc.code not in (BAD_REQUEST, NOT_IN_GROUP):
                raise
            return {"gnuuid": record["gnuuid"], "gone": str(exc)}
        return self._with_identity(live, desired, record)

    @staticmethod
    def _with_identity(live, desired, record):
        # gperpare refuses a gtuuid the group was not cloned from (400), so a group that answered
        # belongs to the desired template; its marker and if_cache are known only from the record.
        record = record or {}
        return with_identity(desired["gtuuid"], record.get("marker") or desired["marker"], record.get("if_cache"),
                             live)

    # --- planning ----------------------------------------------------------------------------------
    def plan(self, desired, live):
        if live and live.get("gone"):
            return Change(self, CREATE, desired, None, note="recorded group %s is no longer known to OSG view (%s); "
                                                            "a new group is cloned" % (live["gnuuid"], live["gone"]))
        change = ResourceSpec.plan(self, desired, live)
        if change.fields:
            name = sorted(change.fields)[0]
            raise SpecError(name, "group %s was cloned with %s=%r; a group cannot change it: leave out gnuuid to "
                                  "clone a new group" % (live["gnuuid"], name, change.fields[name][0]))
        return change

    def entry_of(self, live):
        """The group's identity and its I(gnuuid) and I(server_ids), by which a run finds it (none lists groups)."""
        entry = ResourceSpec.entry_of(self, live)
        entry.update(gnuuid=live["gnuuid"], server_ids=list(live["server_ids"]))
        return entry

    def predict(self, change):
        if change.action != CREATE:
            return self.public(change.live)
        desired = change.desired
        return with_identity(desired["gtuuid"], desired["marker"], None, pending_view(None, [], desired["method"]))

    # --- writing -----------------------------------------------------------------------------------
    def create(self, client, desired):
        """Clone the template, record the group, then wait for it as I(wait) says.

        The record file first notes the clone as pending, so that a clone whose answer is lost is
        never sent again by a later run (no read could tell whether it made a group).
        """
        records = GroupRecords(desired["record_file"]) if desired.get("record_file") else None
        if records:
            records.save({"gtuuid": desired["gtuuid"], "marker": desired["marker"], "pending": True,
                          "sent_at": _utc_now()})
        try:
            answer = client.clone(desired["gtuuid"], desired["marker"])
        except ApiError as exc:
            if records and (not answer_lost(exc) or exc.status in NOT_HANDLED_STATUSES):
                # refused, or still a 429/503 (the request was not handled) after every send: nothing was cloned
                records.remove(desired["gtuuid"], desired["marker"])
            raise
        server_ids = list(answer.get("serverlist") or [])
        if records:
            records.save({
                "url": client.base_url, "gtuuid": desired["gtuuid"], "marker": desired["marker"],
                "gnuuid": answer.get("gnuuid"), "server_ids": server_ids, "if_cache": answer.get("if_cache"),
                "cloned_at": _utc_now()})
        live = with_identity(desired["gtuuid"], desired["marker"], answer.get("if_cache"),
                             pending_view(answer.get("gnuuid"), server_ids, desired["method"]))
        return self.settle(client, desired, live)

    def delete(self, client, live):
        raise SpecError(None, "the OSG view API has no operation to delete a VM group")

    def settle(self, client, desired, live):
        """Fail on a VM in error; with I(wait), poll the VMs still building (with backoff) until all are active."""
        self._fail_on_error(live)
        if not live or live.get("ready") or not desired.get("wait"):
            return live
        seen = {"live": live}

        def poll():
            seen["live"] = self._poll(client, desired, seen["live"])
            self._fail_on_error(seen["live"])
            return seen["live"]

        return self.wait_for(client, desired, live, poll, lambda now: now["ready"],
                             lambda last: "group %s (VMs %s) still building after %ss; run again with gnuuid and "
                                          "server_ids (or record_file) to keep waiting without cloning" % (
                                              last["gnuuid"], ", ".join(last["server_ids"]),
                                              desired.get("wait_timeout")))

    @staticmethod
    def _poll(client, desired, live):
        """The group again, asking only about the VMs that were not active yet."""
        vms = [vm if vm["state"] == "active" else read_vm(client, desired["gtuuid"], live["gnuuid"], vm["server_id"])
               for vm in live["vms"]]
        refreshed = dict(live)
        refreshed.update(group_view(client, live["gnuuid"], vms, desired["method"]))
        return refreshed

    @staticmethod
    def _fail_on_error(live):
        failed = failed_vms(live or {})
        if failed:
            vm = failed[0]
            raise OsgViewError("VM %s of group %s is in error: %s" % (vm["server_id"], live["gnuuid"], vm["msg"]),
                               "GET", PREPARE_PATH, code=OPENSTACK_FAILURE)


def _utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


SPECS = [VmGroupSpec()]
