"""The ZStack model's license (GetLicenseInfo, ReloadLicense, UpdateLicense) and how a license text decodes."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone
from typing import Any, Mapping

from .base import NODE_UUID, VERSION, Context, ZStackStore
from .management import ManagementStore

TRIAL_DAYS = 30
LICENSE_CAPABILITIES = {
    name: "true"
    for name in ("addHost", "clonevm", "imagestore", "ipsec", "log", "monitoring", "overProvisioning", "pciDevice",
                 "performanceMonitor", "qos", "setVmRootPassword", "usbDevice", "vipqos", "vmware", "vrouterRoute")
}
LICENSE_STRING_KEYS = ("licenseType", "user", "issuedDate", "expiredDate")
LICENSE_NUMBER_KEYS = ("hostNum", "cpuNum")


class LicenseStore(ZStackStore):
    """The license: its inventory (`info`), the last license text applied (`raw`) and how often it was reloaded."""

    persisted = ("license",)

    def __init__(self, context: Context, management: ManagementStore):
        super().__init__(context)
        self.management = management
        self.license: dict[str, Any] = {}

    def load(self, fixtures: Mapping[str, Any]) -> None:
        """A trial license from now on, its fields overridden by the fixtures' `license`."""
        self.license = {"info": _license_info(self.now(), fixtures.get("license")), "raw": None, "reloads": 0}

    def license_info(self) -> dict[str, Any]:
        """GetLicenseInfo's inventory; `expired` follows the clock. The license itself is never shown."""
        info = dict(self.license["info"])
        expires = parse_license_date(info.get("expiredDate"))
        info["expired"] = expires is not None and self.now() >= expires
        return info

    def reload_license(self, node_uuids: list[str]) -> dict[str, Any]:
        """ReloadLicense on the named management nodes (all of them must exist)."""
        for uuid in node_uuids:
            self.management.require_node(uuid)
        self.license["reloads"] += 1
        return self.license_info()

    def update_license(self, node_uuid: str, raw: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """UpdateLicense: a paid license unless its fields say otherwise."""
        self.management.require_node(node_uuid)
        info = dict(self.license["info"], licenseType="Paid")
        info.update(fields)
        info["availableHostNum"] = info["hostNum"]
        info["availableCpuNum"] = info["cpuNum"]
        self.license["info"] = info
        self.license["raw"] = raw
        return self.license_info()


def format_license_date(epoch: float) -> str:
    """The license's date format, e.g. `2017-01-19 14:31:06` (UTC)."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse_license_date(text: Any) -> float | None:
    """Epoch seconds of a license date, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def decode_license(text: str) -> dict[str, Any]:
    """The license fields a base64 license sets (none unless it decodes to a JSON object).

    Raises ValueError, with the reason, when the text is not base64 or a field has the wrong type.
    """
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None
    if not raw:
        raise ValueError("is empty once decoded")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    fields: dict[str, Any] = {}
    for key in LICENSE_STRING_KEYS:
        if key in data:
            if not isinstance(data[key], str):
                raise ValueError(f"sets {key} to {data[key]!r}, which is not a string")
            fields[key] = data[key]
    for key in LICENSE_NUMBER_KEYS:
        if key in data:
            if isinstance(data[key], bool) or not isinstance(data[key], int) or data[key] < 0:
                raise ValueError(f"sets {key} to {data[key]!r}, which is not a non-negative integer")
            fields[key] = data[key]
    return fields


def default_license_request() -> str:
    """The base64 license request a user sends to obtain a license."""
    request = {"managementNodeUuid": NODE_UUID, "version": VERSION, "thumbprint": "emulated"}
    return base64.b64encode(json.dumps(request, sort_keys=True).encode("utf-8")).decode("ascii")


def _license_info(now: float, overrides: Any) -> dict[str, Any]:
    info = {"licenseType": "Trial", "user": "zstack", "hostNum": 10, "cpuNum": 20, "availableHostNum": 10,
            "availableCpuNum": 20, "issuedDate": format_license_date(now),
            "expiredDate": format_license_date(now + TRIAL_DAYS * 86400), "expired": False,
            "licenseRequest": default_license_request()}
    if overrides is not None:
        if not isinstance(overrides, Mapping):
            raise ValueError("zstack fixtures: 'license' must be a mapping")
        info.update(overrides)
    return info
