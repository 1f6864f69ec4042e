"""The ZStack model's notifications (QueryNotification, DeleteNotifications, UpdateNotificationsStatus)."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from ..common.model import merge_records
from .base import HOST_UUID, VM_UUIDS, Context, ZStackStore, dated_inventory


class NotificationStore(ZStackStore):
    """The notifications the management node has sent, by uuid."""

    persisted = ("notifications",)

    def __init__(self, context: Context):
        super().__init__(context)
        self.notifications: dict[str, dict[str, Any]] = {}

    def load(self, fixtures: Mapping[str, Any]) -> None:
        """The built-in notifications, overridden or extended by the fixtures."""
        now = self.now()
        self.notifications = merge_records("zstack", builtin_notifications(now), fixtures.get("notifications"),
                                           "notifications", lambda item: _notification_record(item, now))

    def notification_inventories(self) -> list[dict[str, Any]]:
        """QueryNotification rows."""
        return [dated_inventory(record) for record in self.notifications.values()]

    def delete_notifications(self, uuids: Iterable[str]) -> None:
        """DeleteNotifications: uuids that do not exist are skipped."""
        for uuid in uuids:
            self.notifications.pop(uuid, None)

    def update_notifications_status(self, uuids: Iterable[str], status: str) -> None:
        """UpdateNotificationsStatus: mark notifications Read or Unread; unknown uuids are skipped."""
        now = self.now()
        for uuid in uuids:
            record = self.notifications.get(uuid)
            if record is not None:
                record["status"] = status
                record["updatedAt"] = now


def builtin_notifications(now: float) -> list[dict[str, Any]]:
    """A few notifications, as the management node would have sent them."""
    return [
        {"uuid": "0f1e2d3c4b5a49688796a5b4c3d2e1f0", "name": "system", "sender": "system", "type": "Warning",
         "content": "the host[uuid:%s] becomes Disconnected, change the VM[uuid:%s]' state to Unknown",
         "arguments": json.dumps([HOST_UUID, VM_UUIDS[0]]), "resourceUuid": VM_UUIDS[0],
         "resourceType": "VmInstanceVO", "time": float(int((now - 3600) * 1000))},
        {"uuid": "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6", "name": "system", "sender": "system", "type": "Info",
         "content": "VM[uuid:%s] started on the host[uuid:%s]",
         "arguments": json.dumps([VM_UUIDS[1], HOST_UUID]), "resourceUuid": VM_UUIDS[1],
         "resourceType": "VmInstanceVO", "time": float(int((now - 1800) * 1000))},
        {"uuid": "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7", "name": "system", "sender": "system", "type": "Info",
         "content": "the host[uuid:%s] is Connected", "arguments": json.dumps([HOST_UUID]),
         "resourceUuid": HOST_UUID, "resourceType": "HostVO", "time": float(int((now - 600) * 1000))},
    ]


def _notification_record(item: Mapping[str, Any], now: float) -> dict[str, Any]:
    created = float(item.get("createdAt", item.get("time", now * 1000) / 1000))
    return {"uuid": item["uuid"], "name": item.get("name", "system"), "content": item.get("content", ""),
            "arguments": item.get("arguments", "[]"), "sender": item.get("sender", "system"),
            "status": item.get("status", "Unread"), "resourceUuid": item.get("resourceUuid"),
            "resourceType": item.get("resourceType"), "type": item.get("type", "Info"),
            "time": float(item.get("time", created * 1000)), "opaque": item.get("opaque"),
            "createdAt": created, "updatedAt": float(item.get("updatedAt", created))}
