"""The one migration state object, composed of the resource families' mixins.

Plain data (dicts of JSON-able records) plus the rules of the 54 actions of
`migration-transport-api.txt`, one module per resource family. Failures raise `MigrationFailure`;
the HTTP layer puts its Code, Msg and Data in the envelope. The readings taken where the document is
unclear are in `/work/shared/api-docs/README.md` and are cited where they are relied on.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ...common.model import PersistentModel, merge_records
from .account import AccountMixin
from .base import STATE_FORMAT, Settings
from .clouds import CloudMixin
from .fixtures import (
    builtin_endpoints,
    builtin_packer_agents,
    builtin_transport_agents,
    builtin_vsphere_endpoints,
    endpoint_record,
    packer_agent_record,
    transport_agent_record,
    vsphere_record,
)
from .hosts import SourceHostMixin
from .license import LicenseMixin
from .task_actions import TaskActionMixin
from .task_progress import TaskProgressMixin
from .task_views import TaskViewMixin
from .tasks import TaskMixin
from .transports import TransportMixin
from .vsphere import VSphereMixin


class MigrationState(AccountMixin, LicenseMixin, CloudMixin, TransportMixin, SourceHostMixin, VSphereMixin,
                     TaskMixin, TaskActionMixin, TaskProgressMixin, TaskViewMixin, PersistentModel):
    """Account, tokens, license, cloud connections, Transports, source hosts, vSphere platforms, tasks."""

    platform = "migration"
    persisted = ("account", "tokens", "license", "spent_credits", "activation_keys", "endpoints", "transport_agents",
                 "packer_agents", "vsphere_endpoints", "clouds", "transports", "hosts", "platforms", "tasks")
    state_format = STATE_FORMAT

    def __init__(self, settings: Settings, now: Callable[[], float], new_uuid: Callable[[], str]):
        """An empty model reading emulated time from `now` and identifiers from `new_uuid`; `load` fills it."""
        self.settings = settings
        self.now = now
        self.new_uuid = new_uuid
        self.account = {}
        self.tokens = {}
        self.license = None
        self.spent_credits = 0
        self.activation_keys = {}
        self.endpoints = {}
        self.transport_agents = {}
        self.packer_agents = {}
        self.vsphere_endpoints = {}
        self.clouds = {}
        self.transports = {}
        self.hosts = {}
        self.platforms = {}
        self.tasks = {}

    def load(self, fixtures: Mapping[str, Any], username: str, password: str) -> None:
        """Replace everything with the built-in objects, overridden or extended by fixtures."""
        self.account = {"UserName": username, "Password": password, "Changed": False}
        self.tokens, self.clouds, self.transports, self.hosts, self.platforms, self.tasks = {}, {}, {}, {}, {}, {}
        self.endpoints = merge_records("migration", builtin_endpoints(), fixtures.get("cloud_endpoints"),
                                       "cloud_endpoints", endpoint_record)
        self.transport_agents = merge_records("migration", builtin_transport_agents(), fixtures.get("transport_agents"),
                                              "transport_agents", transport_agent_record)
        self.packer_agents = merge_records("migration", builtin_packer_agents(), fixtures.get("packer_agents"),
                                           "packer_agents", packer_agent_record)
        self.vsphere_endpoints = merge_records("migration", builtin_vsphere_endpoints(),
                                               fixtures.get("vsphere_endpoints"), "vsphere_endpoints", vsphere_record)
        self.activation_keys = {str(k): dict(v or {}) for k, v in (fixtures.get("activation_keys") or {}).items()}
        self.license = self.initial_license(fixtures)
        self.spent_credits = 0

    def set_agent_offline(self, address: str, offline: bool) -> None:
        """Test hook: take a Packer or Transport agent off line (or back on)."""
        agents = [a for a in list(self.packer_agents.values()) + list(self.transport_agents.values())
                  if a["address"] == address]
        if not agents:
            raise KeyError(f"no agent at {address}")
        for agent in agents:
            agent["offline"] = bool(offline)
