"""The license and its migration credits: GetLicense, UpdateLicense, DeleteLicense; one credit per task."""

from __future__ import annotations

import re
import uuid as uuid_module
from typing import Any, Mapping

from .base import MigrationFailure, StateBase
from .values import format_rfc3339

LICENSE_NAMESPACE = "migration-license:"
_ACTIVATION_KEY = re.compile(r"^[A-Za-z0-9-]{16,64}$")


def license_id(key: str) -> str:
    """The same key always installs the license with the same Id (see the readings)."""
    return str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, LICENSE_NAMESPACE + key))


class LicenseMixin(StateBase):
    """The installed license (or none), what activation keys install, and the credits tasks take."""

    def initial_license(self, fixtures: Mapping[str, Any]) -> dict[str, Any] | None:
        """The license installed at start: the fixtures' `license` (None for none), else 100 credits for a year."""
        if "license" in fixtures and fixtures["license"] is None:
            return None
        given = fixtures.get("license") or {}
        return {"Id": str(given.get("id", license_id("built-in"))), "Credits": int(given.get("credits", 100)),
                "ExpireAt": self.now() + float(given.get("days", 365)) * 86400}

    def used_credits(self) -> int:
        """Credits taken: one per task, plus those of completed tasks deleted since (they keep theirs)."""
        return self.spent_credits + len(self.tasks)

    def get_license(self) -> dict[str, Any] | None:
        """GetLicense's Data, or None when no license is installed."""
        if self.license is None:
            return None
        return {"Credits": self.license["Credits"], "ExpireTime": format_rfc3339(self.license["ExpireAt"]),
                "Id": self.license["Id"], "Used": self.used_credits()}

    def update_license(self, key: Any) -> dict[str, Any]:
        """UpdateLicense: install the license an activation key stands for."""
        if not isinstance(key, str) or not (key in self.activation_keys or _ACTIVATION_KEY.match(key)):
            raise MigrationFailure("Invalid activation key.")
        terms = self.activation_keys.get(key, {})
        installed = str(terms.get("id", license_id(key)))
        if self.license is None or self.license["Id"] != installed or self.now() >= self.license["ExpireAt"]:
            # the key of the license installed and still valid installs nothing new (see the readings)
            self.license = {"Id": installed, "Credits": int(terms.get("credits", 100)),
                            "ExpireAt": self.now() + float(terms.get("days", 365)) * 86400}
        return self.get_license() or {}

    def delete_license(self) -> None:
        """DeleteLicense: refused when none is installed."""
        if self.license is None:
            raise MigrationFailure("No license is installed.")
        self.license = None

    def take_credit(self) -> None:
        """Check that a new task may take a credit: a license is installed, valid and not used up."""
        if self.license is None:
            raise MigrationFailure("No license is installed; a task needs one migration credit.")
        if self.now() >= self.license["ExpireAt"]:
            raise MigrationFailure("The license has expired.")
        if self.used_credits() >= self.license["Credits"]:
            raise MigrationFailure("No migration credits left in the license.")
