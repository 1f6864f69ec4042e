# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a migration task is written: the bodies of PrepareTaskWorkload, UpdateTask and CreateInstance.

References (source host, cloud, transport servers) are turned into ids here, when the write needs
them; the settings go under the names each call spells them (`migration_wire.TASK_SETTINGS`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CODE_SERVER_NAME_EXISTS,
    CODE_VOLUME_NAME_EXISTS,
    MigrationError,
)
from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import (
    INSTANCE_SETTINGS,
    TASK_SETTINGS,
    item_id,
    parse_time,
    volume_info,
    volume_option,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import CrudById
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import (
    cloud_by_name,
    source_by_name,
    transport_by_name,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError


def clash_error(exc):
    """A name clash (Code 1 or 2) as a SpecError naming the option, else None."""
    names = ", ".join(exc.repeated) or "(not named)"
    if exc.code == CODE_SERVER_NAME_EXISTS:
        return SpecError("target_server_name", "a cloud server with this name already exists: %s" % names)
    if exc.code == CODE_VOLUME_NAME_EXISTS:
        return SpecError("volumes", "cloud volumes with these names already exist: %s" % names)
    return None


def naming_clashes(call):
    """Make a call whose refusal may be a name clash; a clash is raised as the SpecError naming the option."""
    try:
        return call()
    except MigrationError as exc:
        raise clash_error(exc) or exc


def desired_or_live(name, desired, live):
    """The desired value of a setting when it is given, else the task's own."""
    return desired.get(name) if desired.get(name) is not None else live.get(name)


class TaskWrites(CrudById):
    """The writing half of `TaskSpec` (a mixin listed before ResourceSpec)."""

    update_call = "update_task"
    delete_call = "delete_task"

    def reread(self, client, object_id=None, desired=None):
        """The task after a write, read by name; a task missing after a change is an error."""
        live = self.read(client, desired)
        if live is None:
            raise MigrationError("task %r is missing after the change" % desired["name"])
        return live

    def entry_of(self, live):
        """The task's entry, as `create_fields` would write the task again: its references by name (source host,
        cloud, transport servers, as GetTaskDetail names them), its settings, and the disks it copies as
        `volumes`."""
        entry = super(TaskWrites, self).entry_of(live)
        volumes = [volume_option(info) for info in live.get("volumes") or []]
        if volumes:
            entry["volumes"] = volumes
        return dict((name, entry[name]) for name in self.fields if name in entry)

    def create(self, client, desired):
        fields = self.create_fields(client, desired)
        naming_clashes(lambda: client.prepare_task(fields))
        if desired.get("aggregate_id"):
            live = self.reread(client, None, desired)
            client.update_task(live["id"], {"AggregateId": desired["aggregate_id"]})
        return self.reread(client, None, desired)

    def create_fields(self, client, desired):
        """PrepareTaskWorkload's body: references turned into ids, settings under their API names."""
        fields = {"Name": desired["name"], "HostId": source_by_name(client, desired["source_host"]),
                  "CloudId": item_id(cloud_by_name(client, desired["cloud"])),
                  "TargetTransId": item_id(transport_by_name(client, desired["target_transport_server"],
                                                             "target_transport_server"))}
        if desired.get("source_transport_server"):
            fields["SrcTransId"] = item_id(transport_by_name(client, desired["source_transport_server"],
                                                             "source_transport_server"))
        for option, (create_key, _u, _r) in TASK_SETTINGS.items():
            if create_key and desired.get(option) is not None:
                fields[create_key] = desired[option]
        if desired.get("start_time"):
            fields["StartTime"] = parse_time(desired["start_time"]).strftime("%Y-%m-%d %H:%M")
        if desired.get("route_id"):
            fields["RouteId"] = desired["route_id"]
        if desired.get("volumes"):
            fields["VolumeInfos"] = [volume_info(volume) for volume in desired["volumes"]]
        return fields

    def update_fields(self, desired, changes):
        """UpdateTask's body for the changed settings (the router goes along with a new network or subnet)."""
        fields = {}
        for name in changes:
            update_key = TASK_SETTINGS.get(name, (None, None, None))[1]
            if update_key:
                value = desired[name]
                if name == "start_time":
                    value = parse_time(value).strftime("%Y-%m-%d %H:%M:%S")
                fields[update_key] = value
        if desired.get("route_id") and any(n in changes for n in ("network_id", "subnet_id")):
            fields["RouteId"] = desired["route_id"]
        return fields

    def update_args(self, client, live, desired, changes):
        return (self.update_fields(desired, changes),)

    def update(self, client, live, desired, changes):
        return naming_clashes(lambda: CrudById.update(self, client, live, desired, changes))

    def instance_fields(self, desired, live):
        """CreateInstance's body: the target settings, desired over the task's own."""
        fields = {}
        for name in INSTANCE_SETTINGS:
            value = desired_or_live(name, desired, live)
            if value not in (None, ""):
                fields[TASK_SETTINGS[name][1]] = value
        bandwidth = desired_or_live("bandwidth", desired, live)
        if bandwidth is not None:
            fields["Bandwidth"] = bandwidth
        if desired.get("route_id"):
            fields["RouteId"] = desired["route_id"]
        return fields
