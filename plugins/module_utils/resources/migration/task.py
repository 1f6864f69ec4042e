# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration platform's tasks (`migration_task`): the kind's options, validation and reading.

Planning is in task_plan.py, the write bodies in task_writes.py, the actions and waits in task_actions.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.migration_wire import parse_time, task_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.base import MigrationSpec
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.common import (
    check_not_empty,
    details,
    details_by_name,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.task_actions import TaskActions
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.task_plan import TaskPlanning
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration.task_writes import TaskWrites
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError

#: one disk of `volumes`, as PrepareTaskWorkload's VolumeInfos takes it (migration_wire.VOLUME_KEYS)
VOLUME_OPTIONS = {
    "name": Field("str", "Device of the source disk, such as C(/dev/vda).", required=True),
    "type": Field("str", "Type of the cloud volume."),
    "size": Field("raw", "Size of the cloud volume, GB (a number, or a number as text)."),
    "cloud_volume_name": Field("str", "Name of the cloud volume."),
    "prealloc": Field("bool", "Allocate the cloud volume's space at once."),
}
#: one interface of `net_interfaces`, under the API's own names
NET_INTERFACE_OPTIONS = {
    "NetworkId": Field("str", "Network of the interface."),
    "SecurityGroupId": Field("str", "Security group of the interface."),
    "Mac": Field("str", "MAC address of the interface."),
    "SubNets": Field("list", "Subnets of the interface.", elements="dict", options={
        "SubnetId": Field("str", "The subnet."),
        "Ip": Field("str", "Address of the interface in the subnet."),
    }),
}


class TaskSpec(TaskPlanning, TaskActions, TaskWrites, MigrationSpec):
    """A migration task copying one source host into a cloud, identified by its name.

    A new task takes one license credit; deleting a task that has not finished gives it back. The task copies the
    source host through the transport servers every I(interval_minutes) from I(start_time) on, keeping
    I(max_snapshots) copies, until it is completed. C(state=running) also resumes a task an error paused (action
    state 1003) with C(ContinueTask). C(state=completed) runs the final sync and creates the cloud server
    (C(CompleteTask)), which needs the first full copy done; with I(wait) the module waits for the first full copy
    and then for the server. When creating the server failed after the final sync, C(state=completed) creates it
    again (C(CreateInstance)) with the task's target settings.

    The platform's rules on changes are checked before anything is written, and a change they forbid fails naming
    the option: I(interval_minutes), I(start_time) and I(max_snapshots) cannot change within 60 seconds of the
    task's start time; the target flavour, CPU, memory, sockets, network, subnet, security group and interfaces
    cannot change once the task is waiting for recovery (action state 1007) or later; the source host, cloud,
    transport servers, storage, compression and QoS limit cannot change at all. I(start_time) is the platform's
    local time. I(volumes) is used when the task is created.
    """

    kind = "migration_task"
    label = "task"
    # a new task takes a license credit, and a vSphere VM is a source only once its platform is added
    prerequisites = ("migration_license", "migration_vsphere_platform")
    result_key = "task"
    description = "Create, change, resume, complete and delete migration tasks."
    states = ("present", "absent", "running", "completed")
    waits = True
    fields = {
        "name": Field("str", "Name of the task; it identifies the task.", required=True),
        "source_host": Field("str", "Name of the source: a Packer host, or a VM of a vSphere platform (for the "
                                    "reconciler, name such a VM under C(existing.migration_source_host)). Required "
                                    "to create the task.", reference="migration_source_host", updatable=False),
        "cloud": Field("str", "Name of the cloud connection to migrate into. Required to create the task.",
                       reference="migration_cloud_connection", updatable=False),
        "target_transport_server": Field("str", "Name of the C(Cloud) transport server that receives the data. "
                                                "Required to create the task.",
                                         reference="migration_transport_server", updatable=False),
        "source_transport_server": Field("str", "Name of the C(On-Premises) transport server relaying the data, "
                                                "when the copy does not go directly.",
                                         reference="migration_transport_server", updatable=False),
        "priority": Field("int", "Priority of the task; higher runs first.", min=0),
        "interval_minutes": Field("int", "Minutes between two copies.", min=1),
        "max_snapshots": Field("int", "How many copies (snapshots) to keep.", min=1),
        "start_time": Field("str", "When the first copy starts, C(yyyy-mm-dd hh:mm) in the platform's local time."),
        "compressed": Field("bool", "Compress the data in transit (off by default); set when the task is created.",
                            updatable=False),
        "qos_limit": Field("int", "Bandwidth limit of the copy, MB/s; set when the task is created.",
                           updatable=False, min=0),
        "storage_id": Field("str", "Storage of the cloud volumes; set when the task is created.", updatable=False),
        "flavor_id": Field("str", "Flavour of the cloud server (or give I(cpu) and I(memory))."),
        "cpu": Field("int", "vCPUs of the cloud server, instead of I(flavor_id).", min=1),
        "sockets": Field("int", "CPU sockets of the cloud server.", min=1),
        "memory": Field("int", "Memory of the cloud server, GB, instead of I(flavor_id).", min=1),
        "network_id": Field("str", "Network of the cloud server."),
        "subnet_id": Field("str", "Subnet of the cloud server."),
        "route_id": Field("str", "Router (Huayun public cloud); not shown by the platform, so only sent.",
                          compare=False),
        "security_group_id": Field("str", "Security group of the cloud server."),
        "aggregate_id": Field("str", "Host aggregate of the cloud server (set through C(UpdateTask))."),
        "bandwidth": Field("int", "Public bandwidth of the cloud server, Mbit/s (Huayun public cloud).", min=0),
        "target_server_name": Field("str", "Name of the cloud server; it must not exist in the cloud yet."),
        "volumes": Field("list", "Disks to migrate; used when the task is created.", elements="dict",
                         compare=False, options=VOLUME_OPTIONS),
        "net_interfaces": Field("list", "Interfaces of the cloud server (agentless vSphere migrations), under the "
                                        "API's own key names.", elements="dict", options=NET_INTERFACE_OPTIONS),
    }

    def check(self, desired):
        check_not_empty(desired, ("name", "source_host", "cloud", "target_transport_server", "start_time"))
        if desired.get("start_time") and parse_time(desired["start_time"]) is None:
            raise SpecError("start_time", "must be 'yyyy-mm-dd hh:mm' (or with ':ss'), got %r" % desired["start_time"])

    def read(self, client, desired):
        return self.read_many(client, [desired])[0]

    def read_many(self, client, desired_list):
        names = set(d["name"] for d in desired_list)
        name = next(iter(names)) if len(names) == 1 else None
        return details_by_name(client.list_tasks(name=name), [desired["name"] for desired in desired_list],
                               lambda task_id: task_facts(client.get_task_detail(task_id)))

    def read_all(self, client, within=None):
        """Every task, ListTasks read page by page (agent tasks and those of vSphere platforms), each read with
        GetTaskDetail as `read_many` reads it."""
        return details(client.list_tasks(), lambda task_id: task_facts(client.get_task_detail(task_id)))
