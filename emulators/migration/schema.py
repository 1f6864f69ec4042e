"""The declared type of every body field of every action: one table, checked before the action runs.

The document gives each field a type (STRING, int, bool, []string, lists of objects). The platform's
server decodes a body into typed structures (its ActionState enum is a Go `const (...)` block), so a
value of another JSON type is a refusal, not a value it makes do with: the emulator answers the
envelope's failure (Code -1) with a Msg naming the field, before the action sees the body. `null`
stands for a field left out. Fields the table does not name are ignored, as a typed decoder ignores
them. Where the document itself gives a field two types (IdentityPort is STRING in Add/Update and
`5000` in Verify; IsEncrypted is the text "False"), both readings are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Union

from .state import MigrationFailure

#: the integers a 64-bit field holds
INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1
_DIGITS = re.compile(r"^\d{1,5}$")
_FLAG_TEXT = ("true", "false")


def json_kind(value: Any) -> str:
    """The JSON type of a decoded value, as a refusal names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string" if _is_text(value) else "a string that is not valid Unicode (a lone surrogate)"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _refusal(description: str, value: Any, path: str) -> str:
    return f"{path} must be {description}, got {json_kind(value)}."


def _is_text(value: Any) -> bool:
    """A string of valid Unicode (a lone surrogate escape such as "\\ud800" is no text)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_integer(value: Any) -> bool:
    """A whole JSON number (not a boolean, not 2.5, not NaN) that a 64-bit integer holds."""
    return isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX


def _is_port(value: Any) -> bool:
    """IdentityPort: the document writes STRING and `5000`; a port number or its digits are both taken."""
    if isinstance(value, str):
        return bool(_DIGITS.match(value))
    return _is_integer(value) and 0 <= value <= 65535


def _is_flag_text(value: Any) -> bool:
    """IsEncrypted: the document's "False" (the text), or a boolean."""
    return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in _FLAG_TEXT)


@dataclass(frozen=True)
class Scalar:
    """A declared scalar type: what a refusal calls it and which values have it."""

    description: str
    accepts: Callable[[Any], bool]

    def problem(self, value: Any, path: str) -> str | None:
        """None when the value fits (null is a field left out), else the refusal's text naming `path`."""
        if value is None or self.accepts(value):
            return None
        return _refusal(self.description, value, path)


@dataclass(frozen=True)
class ListOf:
    """A list whose every item has the item type."""

    item: "FieldType"

    def problem(self, value: Any, path: str) -> str | None:
        """None when the value is null or a list of fitting items, else the first refusal's text."""
        if value is None:
            return None
        if not isinstance(value, list):
            return _refusal("a list", value, path)
        for index, item in enumerate(value):
            found = self.item.problem(item, f"{path}[{index}]")
            if found:
                return found
        return None


@dataclass(frozen=True)
class Record:
    """An object whose named fields have their types (other keys are ignored)."""

    fields: Mapping[str, "FieldType"]

    def problem(self, value: Any, path: str) -> str | None:
        """None when the value is null or an object of fitting fields, else the first refusal's text."""
        if value is None:
            return None
        if not isinstance(value, dict):
            return _refusal("an object", value, path)
        return fields_problem(self.fields, value, f"{path}.")


#: what a body field may be declared as
FieldType = Union[Scalar, ListOf, Record]


def fields_problem(fields: Mapping[str, FieldType], body: Mapping[str, Any], prefix: str = "") -> str | None:
    """The first field of `body` whose value does not have its declared type, as a refusal's text."""
    for key, kind in fields.items():
        found = kind.problem(body.get(key), prefix + key)
        if found:
            return found
    return None


STR = Scalar("a string", _is_text)
INT = Scalar(f"an integer from {INT_MIN} to {INT_MAX}", _is_integer)
BOOL = Scalar("true or false", lambda value: isinstance(value, bool))
PORT = Scalar("a port number (an integer or its digits as a string)", _is_port)
FLAG = Scalar('true, false, "True" or "False"', _is_flag_text)


def strings(*keys: str) -> dict[str, FieldType]:
    """Each key a string field."""
    return {key: STR for key in keys}


def integers(*keys: str) -> dict[str, FieldType]:
    """Each key an integer field."""
    return {key: INT for key in keys}


SUBNETS = ListOf(Record(strings("SubnetId", "Ip")))
NET_INTERFACES = ListOf(Record({**strings("NetworkId", "SecurityGroupId", "Mac"), "SubNets": SUBNETS}))
VOLUME_INFOS = ListOf(Record({**strings("VolumeName", "VolumeType", "VolumeSize", "CloudVolumeName"),
                              "PreAlloc": BOOL}))
CLOUD_FIELDS = {**strings("ProjectName", "CloudUser", "CloudPass", "CloudAddr", "OwnerId", "EnvironmentId",
                          "ZoneId", "ZoneName", "RegionId", "RegionName"), "IdentityPort": PORT}
MANAGEMENT_API = {**strings("APIMgntURL", "AccessKey", "SecretKey"), "IsEncrypted": FLAG, "isEncrypted": FLAG}
TARGET_FIELDS = {**strings("FlavorId", "NetworkId", "SubnetId", "RouteId", "SecurityGroupId", "AggregateId",
                           "TargetServerName"),
                 **integers("CPU", "Sockets", "Memory", "BandWidth"), "NetInterfaces": NET_INTERFACES}
BY_ID = strings("Id")

#: Action (or session URL) -> {body field: its type}; the 54 documented actions.
BODY_TYPES: dict[str, dict[str, FieldType]] = {
    "Login": strings("UserName", "Password"),
    "ReAuth": {},
    "Logout": {},
    # /MgntSetting
    "ChangePassword": strings("UserName", "Password", "NewPassword"),
    "UpdateLicense": strings("ActivationKey"),
    "DeleteLicense": {},
    "GetLicense": {},
    # /MgmtCloudConnection
    "ListCloudType": {},
    "AddCloudConnection": {**strings("CloudName", "CloudType"), **CLOUD_FIELDS},
    "DeleteCloudConnection": BY_ID,
    "UpdateCloudConnection": {**strings("Id", "Name"), **CLOUD_FIELDS},
    "ListCloudConnection": strings("Name"),
    "VerifyCloudConnection": {**strings("CloudType", "IdentityProtocal", "ownerId", "zoneId"), **CLOUD_FIELDS},
    "ListProject": MANAGEMENT_API,
    "ListEnvironment": {**MANAGEMENT_API, **strings("HypervisorType")},
    "ListZone": {**MANAGEMENT_API, **strings("EnvironmentId", "OwnerId")},
    "ListRegion": MANAGEMENT_API,
    # /MgmtTransportConnection
    "AddTransportServer": strings("ServType", "Name", "CloudId", "MgntAddr"),
    "VerifyTransportConnection": strings("MgntAddr"),
    "DeleteTransportServer": BY_ID,
    "RefreshTransportServer": BY_ID,
    "UpdateTransportServer": strings("Id", "Name"),
    "ListTransportServer": strings("Ip", "Name", "ServType"),
    # /portal/MgmtHostConnection: Packer hosts
    "AddPackerHost": strings("Name", "TransId", "MgntAddr"),
    "DeletePackerHost": BY_ID,
    "RefreshPackerHost": BY_ID,
    "VerifyPackerConnection": strings("HostId", "TransAddr"),
    "UpdatePackerHost": strings("TransId", "Id", "Name"),
    "ListHosts": {**strings("Name", "MgntAddr"), "TaskFree": BOOL},
    "GetPackerHost": BY_ID,
    # /portal/MgmtHostConnection: vSphere platforms
    "AddVSPlatform": strings("Name", "Ip", "UserName", "Passwd", "TransId"),
    "DeleteVSPlatform": strings("ID"),
    "RefreshVSPlatform": strings("ID"),
    "UpdateVSPlatform": strings("ID", "Name", "UserName", "Passwd", "TransId"),
    "ListVSHosts": {},
    "VerifyVSPlatformConnection": strings("VSPlatformID", "TransAddr"),
    # /MgmtTask
    "PrepareTaskWorkload": {**strings("Name", "HostId", "CloudId", "SrcTransId", "TargetTransId", "StorageId",
                                      "StartTime"),
                            **integers("Priority", "IntervalMinutes", "MaxSnapsNum", "MaxSnapNum", "QosLimit"),
                            "IsCompressed": BOOL, **TARGET_FIELDS, "VolumeInfos": VOLUME_INFOS},
    "DeleteTask": BY_ID,
    "UpdateTask": {**strings("Id", "Name", "StartTime"),
                   **integers("IntervalMinutes", "MaxSnapNum", "MaxSnapsNum", "Priority"), **TARGET_FIELDS},
    "ListTasks": {**strings("Name", "SrcHost"), **integers("PageLimit", "PageNum")},
    "GetTaskDetail": BY_ID,
    "CompleteTask": BY_ID,
    "ContinueTask": BY_ID,
    "CheckTargetHostInfoExisting": {**strings("CloudId", "TaskName", "TargetServerName"),
                                    "CloudVolumeNames": ListOf(STR), "NetInterfaces": NET_INTERFACES},
    "DisplayTaskHistory": BY_ID,
    "ListSnapshots": BY_ID,
    "ListVolumeTypes": strings("Id", "StorageId"),
    "ListStorages": strings("Id", "StorageId"),
    "ListFlavors": BY_ID,
    "ListNetworks": BY_ID,
    "ListSecurityGroups": BY_ID,
    "ListQuota": BY_ID,
    "CreateInstance": {**strings("Id"), **TARGET_FIELDS, "Bandwidth": INT},
    "GetInstance": BY_ID,
}


def check_body(action: str, body: Mapping[str, Any]) -> None:
    """Refuse (MigrationFailure, Code -1) a body one of whose fields has another type than `action` declares."""
    found = fields_problem(BODY_TYPES.get(action, {}), body)
    if found:
        raise MigrationFailure(found)

