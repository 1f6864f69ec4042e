"""Cloud connections and the reachable clouds behind them (/MgmtCloudConnection, quotas)."""

from __future__ import annotations

import base64
import re
import uuid as uuid_module
from typing import Any, Mapping

from .base import CLOUD_TYPES, MigrationFailure, StateBase, existing
from .values import format_time

_CLOUD_NAME = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]{2,20}$")


class CloudMixin(StateBase):
    """Cloud connections: add, update, delete, list, verify; the cloud each one reaches and its quota."""

    def add_cloud(self, body: Mapping[str, Any]) -> str:
        """AddCloudConnection: the new connection's ID (32 hex digits, as in the document)."""
        name = _cloud_name(body.get("CloudName"))
        cloud_type = _cloud_type(body.get("CloudType"))
        self._refuse_cloud_name(name)
        cloud_id = uuid_module.UUID(self.new_uuid()).hex
        record = {"ID": cloud_id, "AccountId": uuid_module.uuid5(uuid_module.NAMESPACE_URL,
                                                                  self.account["UserName"]).hex,
                  "Name": name, "CloudType": cloud_type, "Domain": "Default", "CreatedTime": format_time(self.now())}
        record.update(_cloud_fields(body, defaults=True))
        self.clouds[cloud_id] = record
        return cloud_id

    def update_cloud(self, body: Mapping[str, Any]) -> None:
        """UpdateCloudConnection: the fields sent; a new Name must not be taken."""
        cloud = self.cloud(body.get("Id"))
        if body.get("Name") not in (None, cloud["Name"]):
            name = _cloud_name(body["Name"])
            self._refuse_cloud_name(name)
            cloud["Name"] = name
        cloud.update(_cloud_fields(body, defaults=False))

    def delete_cloud(self, cloud_id: Any) -> str:
        """DeleteCloudConnection: refused while a Transport server belongs to the cloud."""
        cloud = self.cloud(cloud_id)
        users = [t["Name"] for t in self.transports.values() if t["CloudId"] == cloud["ID"]]
        if users:
            raise MigrationFailure(f"Cloud {cloud['ID']} has Transport servers ({', '.join(sorted(users))}); "
                                   "delete them first.")
        del self.clouds[cloud["ID"]]
        return cloud["ID"]

    def list_clouds(self, name: Any) -> list[dict[str, Any]]:
        """ListCloudConnection, filtered by exact Name when one is given."""
        return [self.cloud_view(c) for c in self.clouds.values() if name in (None, "", c["Name"])]

    def cloud(self, cloud_id: Any) -> dict[str, Any]:
        """A cloud connection by ID, else a failure."""
        return existing(self.clouds, cloud_id, "Cloud connection")

    def cloud_view(self, cloud: Mapping[str, Any]) -> dict[str, Any]:
        """A connection as ListCloudConnection shows it (CloudPass base64-encoded)."""
        view = {k: v for k, v in cloud.items() if k != "CloudPass"}
        view["CloudPass"] = base64.b64encode(cloud["CloudPass"].encode("utf-8")).decode("ascii")
        view["IdentityUrl"] = f"http://{cloud['CloudAddr']}:{cloud['IdentityPort']}/v3"
        return view

    def _refuse_cloud_name(self, name: str) -> None:
        if any(c["Name"] == name for c in self.clouds.values()):
            raise MigrationFailure(f"Cloud name {name!r} already exists.")

    def verify_cloud(self, body: Mapping[str, Any]) -> None:
        """VerifyCloudConnection: the type is known and the cloud accepts the credentials."""
        _cloud_type(body.get("CloudType"))
        self.endpoint_at(body.get("CloudAddr"), body.get("CloudUser"), body.get("CloudPass"))

    def endpoint_at(self, address: Any, user: Any, password: Any) -> dict[str, Any]:
        """The reachable cloud at an address whose credentials match, else a failure."""
        for endpoint in self.endpoints.values():
            if endpoint["address"] == address:
                if endpoint["credentials"].get(user) != password or not isinstance(user, str):
                    raise MigrationFailure(f"Authentication failed on cloud {address}: wrong user or password.")
                return endpoint
        raise MigrationFailure(f"Cannot connect to cloud {address!r}.")

    def endpoint_by_credentials(self, access_key: Any, secret_key: Any) -> dict[str, Any]:
        """The reachable cloud that knows an AccessKey/SecretKey pair (ListRegion has no URL)."""
        for endpoint in self.endpoints.values():
            if isinstance(access_key, str) and endpoint["credentials"].get(access_key) == secret_key:
                return endpoint
        raise MigrationFailure("Authentication failed: wrong AccessKey or SecretKey.")

    def cloud_endpoint(self, cloud_id: Any) -> dict[str, Any]:
        """The reachable cloud a connection points at."""
        cloud = self.cloud(cloud_id)
        return self.endpoint_at(cloud["CloudAddr"], cloud["CloudUser"], cloud["CloudPass"])

    def quota(self, cloud_id: Any) -> dict[str, int]:
        """What is left of the cloud's quota once the instances the platform created are counted."""
        cloud = self.cloud(cloud_id)
        left = dict(self.cloud_endpoint(cloud_id)["quota"])
        for task in self.tasks.values():
            if task["Config"]["CloudId"] == cloud["ID"] and task["Instance"] is not None:
                for key, value in task["Instance"]["Uses"].items():
                    left[key] -= value
        return left


def _cloud_name(name: Any) -> str:
    if not isinstance(name, str) or not _CLOUD_NAME.match(name):
        raise MigrationFailure("CloudName must be 2-20 characters: letters, digits, Chinese, '_' or '-'.")
    return name


def _cloud_type(value: Any) -> str:
    for cloud_type in CLOUD_TYPES:
        if isinstance(value, str) and value.lower() == cloud_type.lower():
            return cloud_type
    raise MigrationFailure(f"CloudType must be one of {', '.join(CLOUD_TYPES)}.")


_CLOUD_FIELDS = {"ProjectName": "", "CloudUser": None, "CloudPass": None, "IdentityPort": "5000", "CloudAddr": None,
                 "OwnerId": "", "EnvironmentId": "", "ZoneId": "", "ZoneName": "", "RegionId": "", "RegionName": ""}


def _cloud_fields(body: Mapping[str, Any], defaults: bool) -> dict[str, Any]:
    """The connection fields sent (AddCloudConnection requires user, password and address)."""
    fields: dict[str, Any] = {}
    for key, default in _CLOUD_FIELDS.items():
        value = body.get(key)
        if key == "IdentityPort" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is None:
            if not defaults:
                continue
            if default is None:
                raise MigrationFailure(f"{key} is required.")
            value = default
        if not isinstance(value, str) or (default is None and not value):
            raise MigrationFailure(f"{key} must be a non-empty string." if default is None else
                                   f"{key} must be a string.")
        fields[key] = value
    return fields
