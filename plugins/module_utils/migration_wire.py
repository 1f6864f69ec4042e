# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration platform's wire names: how its answers read in option names, and its enums.

The specs (resources/migration/) and `migration_info` speak snake_case option names; the platform
speaks `CloudPass`, `MgntAddr`, `ActionState` and three spellings of the same setting. Every mapping
between the two lives here, next to the client: the facts mappers that turn an answer into option
names, the task settings' names per call, the volume keys, and the ActionState values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime

CLOUD_TYPES = ("Openstack", "Huayun", "CloudUltra 4", "ArcherOS 2020")
SERVER_TYPES = ("On-Premises", "Cloud")

# ActionState, as the first enum of the document (README: "1007 (waiting for recovery)")
STATE_ERROR = 1003
STATE_V2V = 1006
STATE_WAIT_RECOVERY = 1007
STATE_IN_RECOVERY = 1008
STATE_COMPLETED = 1009
DONE_STATES = (1005, 1009)
COMPLETING_STATES = (STATE_V2V, STATE_WAIT_RECOVERY, STATE_IN_RECOVERY)
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def item_id(item):
    """The id of a listed object, whichever case its key has (`Id` or `ID`), or None."""
    return item.get("Id") or item.get("ID") if item else None


def same_text(want, have):
    """Whether two texts are equal but for case and surrounding blanks (the platform's enums vary in case)."""
    return str(want).strip().lower() == str(have if have is not None else "").strip().lower()


def canonical(value, choices):
    """The choice `value` spells in another case (the document's `openstack` for `Openstack`), else `value`."""
    for known in choices:
        if same_text(known, value):
            return known
    return value


def parse_time(text):
    """A naive datetime of the platform's "yyyy-mm-dd hh:mm[:ss]" (its local time), or None."""
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(str(text).strip(), fmt)
        except (TypeError, ValueError):
            continue
    return None


# --- cloud connections ------------------------------------------------------------------------------
CLOUD_API_KEYS = {
    "project_name": "ProjectName",
    "cloud_user": "CloudUser",
    "cloud_password": "CloudPass",
    "identity_port": "IdentityPort",
    "address": "CloudAddr",
    "owner_id": "OwnerId",
    "environment_id": "EnvironmentId",
    "zone_id": "ZoneId",
    "zone_name": "ZoneName",
    "region_id": "RegionId",
    "region_name": "RegionName",
}
#: what UpdateCloudConnection takes besides Id and Name
CLOUD_UPDATE_FIELDS = ("project_name", "cloud_user", "cloud_password", "identity_port", "address", "environment_id",
                       "zone_id", "zone_name", "region_id", "region_name")
#: what VerifyCloudConnection takes besides CloudType and ownerId
CLOUD_VERIFY_FIELDS = ("project_name", "cloud_user", "cloud_password", "identity_port", "address", "environment_id",
                       "zone_id", "region_id")


def decode_cloud_password(text):
    """ListCloudConnection gives CloudPass base64-encoded (README: a secret all the same)."""
    if not text:
        return text
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return text


def cloud_facts(item):
    """A ListCloudConnection item in option names; keys the platform did not send stay out."""
    facts = {"id": item_id(item), "name": item.get("Name"), "cloud_type": item.get("CloudType"),
             "identity_url": item.get("IdentityUrl"), "domain": item.get("Domain"),
             "created_time": item.get("CreatedTime")}
    for option, key in CLOUD_API_KEYS.items():
        if key in item:
            facts[option] = decode_cloud_password(item[key]) if option == "cloud_password" else item[key]
    port = facts.get("identity_port")
    if isinstance(port, str) and port.strip().isdigit():
        facts["identity_port"] = int(port)  # some answers carry the port as text; compare it as the number it is
    return facts


def cloud_fields(values, names):
    """The API fields of the cloud options `names` that `values` sets; the port goes as text, as the API takes it."""
    fields = {}
    for name in names:
        value = values.get(name)
        if value is not None:
            fields[CLOUD_API_KEYS[name]] = str(value) if name == "identity_port" else value
    return fields


# --- transport servers, source hosts, vSphere platforms ----------------------------------------------
def transport_facts(item):
    """A ListTransportServer item in option names."""
    return {"id": item_id(item), "name": item.get("Name"), "server_type": canonical(item.get("ServType"), SERVER_TYPES),
            "cloud": item.get("CloudName") or None, "address": item.get("MgntAddr"),
            "created_time": item.get("CreatedTime"), "max_supported_tasks": item.get("MaxSupportedTasks"),
            "current_tasks": item.get("CurrentTasks"), "storage_id": item.get("StorageId"),
            "storage_type": item.get("StorageType")}


def host_facts(detail):
    """A GetPackerHost answer in option names."""
    return {"id": item_id(detail), "name": detail.get("Name"), "address": detail.get("MgntAddr"),
            "transport_server": detail.get("TransName"), "transport_address": detail.get("TransAddr"),
            "os_type": detail.get("OsType"), "os_name": detail.get("OsName"), "cpu": detail.get("CPU"),
            "memory": detail.get("Memory"), "total_size": detail.get("TotalSize"),
            "host_type": detail.get("HostType"), "agent": detail.get("Agent"), "offline": detail.get("Offline"),
            "in_task": detail.get("InTask"), "can_not_migrate": detail.get("CanNotMigrate"),
            "can_not_migrate_reason": detail.get("CNMReason"), "created_time": detail.get("CreatedTime"),
            "volumes": list(detail.get("VolumeInfos") or [])}


def vsphere_facts(item):
    """A ListHosts VSPlatforms item in option names."""
    return {"id": item_id(item), "name": item.get("Name"), "address": item.get("Ip"),
            "is_vcenter": item.get("IsVcenter"), "created_time": item.get("CreatedTime")}


def vm_sources(tree):
    """Every VM (`VTs`) anywhere in a ListVSHosts tree."""
    found = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "VTs" and isinstance(value, list):
                found.extend(v for v in value if isinstance(v, dict))
            else:
                found.extend(vm_sources(value))
    elif isinstance(tree, list):
        for value in tree:
            found.extend(vm_sources(value))
    return found


# --- migration tasks ----------------------------------------------------------------------------------
def _target(detail, key):
    return (detail.get("TargetHost") or {}).get(key)


#: option -> (PrepareTaskWorkload key, UpdateTask key, how GetTaskDetail shows it); None: the call does not take it
TASK_SETTINGS = {
    "priority": ("Priority", "Priority", lambda d: d.get("Priority")),
    "interval_minutes": ("IntervalMinutes", "IntervalMinutes", lambda d: d.get("IntervalMinutes")),
    # the document spells it three ways: MaxSnapsNum (prepare), MaxSnapNum (update), MaxSnapNumber (detail)
    "max_snapshots": ("MaxSnapsNum", "MaxSnapNum", lambda d: d.get("MaxSnapNumber")),
    "start_time": ("StartTime", "StartTime", lambda d: d.get("StartTime")),
    "compressed": ("IsCompressed", None, lambda d: d.get("IsCompressed")),
    "qos_limit": ("QosLimit", None, lambda d: d.get("QosBW")),
    "storage_id": ("StorageId", None, lambda d: _target(d, "StorageId")),
    "flavor_id": ("FlavorId", "FlavorId", lambda d: _target(d, "Flavor")),
    "network_id": ("NetworkId", "NetworkId", lambda d: _target(d, "Network")),
    "subnet_id": ("SubnetId", "SubnetId", lambda d: _target(d, "Subnet")),
    "security_group_id": ("SecurityGroupId", "SecurityGroupId", lambda d: _target(d, "SecGroup")),
    "aggregate_id": (None, "AggregateId", lambda d: _target(d, "AggregateId")),
    "cpu": ("CPU", "CPU", lambda d: _target(d, "CPU")),
    "sockets": ("Sockets", "Sockets", lambda d: _target(d, "Sockets")),
    "memory": ("Memory", "Memory", lambda d: _target(d, "Memory")),
    "bandwidth": ("BandWidth", "BandWidth", lambda d: _target(d, "BandWidth")),
    "target_server_name": ("TargetServerName", "TargetServerName", lambda d: _target(d, "ServerName")),
    "net_interfaces": ("NetInterfaces", "NetInterfaces", lambda d: (d.get("SourceHost") or {}).get("NetInterfaces")),
}
#: the target settings CreateInstance takes (under their UpdateTask names), desired over the task's own
INSTANCE_SETTINGS = ("flavor_id", "network_id", "subnet_id", "security_group_id", "aggregate_id", "cpu", "sockets",
                     "memory", "target_server_name", "net_interfaces")
VOLUME_KEYS = {"name": "VolumeName", "type": "VolumeType", "size": "VolumeSize", "cloud_volume_name": "CloudVolumeName",
               "prealloc": "PreAlloc"}


def volume_info(volume):
    """One item of PrepareTaskWorkload's VolumeInfos; VolumeSize is "string // GB", so a number is sent as text."""
    info = dict((VOLUME_KEYS[k], v) for k, v in volume.items() if v is not None)
    if isinstance(info.get("VolumeSize"), (int, float)) and not isinstance(info["VolumeSize"], bool):
        info["VolumeSize"] = ("%f" % info["VolumeSize"]).rstrip("0").rstrip(".")
    return info


def volume_option(info):
    """One disk of GetTaskDetail's `SourceHost.VolumeInfos` as an item of the `volumes` option (`volume_info` the
    other way): its size `"40GB"` as the number 40, the flags the platform shows as text as booleans, the empty
    texts of settings never made left out."""
    option = {"name": info.get("Path")}
    size = str(info.get("Size") or "").strip()
    number = size[:-2].strip() if size.upper().endswith("GB") else size
    if number:
        option["size"] = _number(number)
    for name, key in (("type", "VolumeType"), ("cloud_volume_name", "CloudVolumeName")):
        if info.get(key):
            option[name] = info[key]
    if str(info.get("PreAlloc")).lower() == "true":
        option["prealloc"] = True
    return option


def _number(text):
    """A number as the platform writes it in text ("40", "0.5"), as an int or a float; other text as it is."""
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def progress_percent(text):
    """ProgressPrecent ("100%") as a number, or None."""
    try:
        return float(str(text).strip().rstrip("%"))
    except (TypeError, ValueError):
        return None


def task_facts(detail):
    """A GetTaskDetail answer in option names, plus the progress facts."""
    facts = dict((option, read(detail)) for option, (_c, _u, read) in TASK_SETTINGS.items())
    source = detail.get("SourceHost") or {}
    facts.update({
        "id": item_id(detail), "name": detail.get("Name"), "cloud": detail.get("CloudName"),
        "cloud_id": detail.get("CloudId"), "cloud_type": detail.get("CloudType"),
        "source_host": source.get("Name"), "source_address": source.get("MgntAddr"),
        "source_transport_server": (detail.get("SrcTransHost") or {}).get("Name") or None,
        "target_transport_server": (detail.get("TransHost") or {}).get("Name"),
        "type": detail.get("Type"), "agent": detail.get("Agent"), "snap_times": detail.get("SnapTimes"),
        "progress": detail.get("ProgressPrecent"), "last_sync": detail.get("LastSync"),
        "status": detail.get("Status"), "action_state": detail.get("ActionState"),
        "server_id": _target(detail, "ServerID"), "volumes": list(source.get("VolumeInfos") or []),
    })
    return facts


def task_summary(item):
    """A ListTasks item in option names (what `migration_info` lists)."""
    return {"id": item_id(item), "name": item.get("Name"), "source_host": item.get("HostName"),
            "source_address": item.get("HostAddr"), "progress": item.get("ProgressPrecent"),
            "status": item.get("Status"), "action_state": item.get("ActionState"), "last_sync": item.get("LastSync"),
            "snap_times": item.get("SnapTimes"), "start_time": item.get("StartTime")}


def host_summary(item):
    """A ListHosts AgentHosts item in option names (what `migration_info` lists)."""
    return {"id": item_id(item), "name": item.get("Name"), "address": item.get("MgntAddr"),
            "os_name": item.get("OsName"), "total_size": item.get("TotalSize"), "agent": item.get("Agent"),
            "offline": item.get("Offline"), "created_time": item.get("CreatedTime")}


# --- the license ----------------------------------------------------------------------------------------
def license_facts(data):
    """A GetLicense or UpdateLicense answer in option names."""
    return {"id": data.get("Id"), "credits": data.get("Credits"), "used": data.get("Used"),
            "expire_time": data.get("ExpireTime")}
