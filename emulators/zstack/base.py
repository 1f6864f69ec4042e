"""What every resource family of the ZStack model shares: the built-in uuids, failures, dates, settings, the store.

Records are plain data (dicts of JSON-able values keyed by uuid). Times are stored as emulated epoch
seconds and formatted only when an inventory is built, so what follows the clock does so lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from ..common.model import Store

VERSION = "2.3.1"
ADMIN_ACCOUNT_UUID = "36c27e8ff05c4780bf6d2fa65700f22e"
NODE_UUID = "8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b"
VM_UUIDS = ("a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70", "b2e7a1ccd32a4c4d9f8b3cad5e6f7a81")
HOST_UUID = "c3f8b2dde43b4d5eaa9c4dbe6f7a8b92"
ZONE_UUID = "d4a9c3eef54c4e6fbbad5ecf7a8b9ca3"
CLUSTER_UUID = "e5bad4ff065d4f7acc6e6fd08b9cadb4"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ZStackFailure(Exception):
    """An operation that ZStack refuses: a failed job (503 on poll) with an error body."""

    def __init__(self, code: str, description: str, details: str):
        super().__init__(details)
        self.code = code
        self.description = description
        self.details = details

    def body(self) -> dict[str, Any]:
        """The `{"error": {code, description, details}}` body ZStack answers with."""
        return error_body(self.code, self.description, self.details)


def error_body(code: str, description: str, details: str) -> dict[str, Any]:
    """ZStack's error envelope."""
    return {"error": {"code": code, "description": description, "details": details}}


def not_found(kind: str, uuid: str) -> ZStackFailure:
    """SYS.1003: the resource an operation names does not exist."""
    return ZStackFailure("SYS.1003", "resource not found", f"{kind}[uuid:{uuid}] is not found")


def operation_error(details: str) -> ZStackFailure:
    """SYS.1006: the operation is not allowed in the resource's current state."""
    return ZStackFailure("SYS.1006", "operation error", details)


def format_date(epoch: float) -> str:
    """ZStack's inventory timestamp, e.g. `Apr 24, 2017 7:10:55 PM` (UTC)."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    clock = f"{hour}:{moment.minute:02d}:{moment.second:02d} {half}"
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year} {clock}"


def dated_inventory(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as its inventory: every field, its `createdAt` and `updatedAt` written as ZStack dates."""
    inventory = {key: value for key, value in record.items() if key not in ("createdAt", "updatedAt")}
    inventory["createDate"] = format_date(record["createdAt"])
    inventory["lastOpDate"] = format_date(record["updatedAt"])
    return inventory


@dataclass(frozen=True)
class Settings:
    """What the emulator's options decide about the model."""

    username: str
    password_sha512: str
    session_timeout: float = 7200.0
    job_delay: float = 0.05
    long_job_seconds: float = 5.0
    #: ReloadLicense answers 200 with the result at once (as ZStack's SDKs expect) instead of 202 + job
    reload_license_sync: bool = False
    #: IsReadyToGo refuses a call without a valid session (the document's header list) instead of ignoring it
    ready_to_go_needs_session: bool = False


@dataclass(frozen=True)
class Context:
    """What every store reads: the emulator's settings, its clock and where its uuids come from."""

    settings: Settings
    now: Callable[[], float]
    new_uuid: Callable[[], str]


class ZStackStore(Store):
    """One resource family of the ZStack model: its records (saved under the names `persisted` lists) and rules."""

    def __init__(self, context: Context):
        self.context = context

    def now(self) -> float:
        """Emulated time, seconds since the epoch."""
        return self.context.now()
