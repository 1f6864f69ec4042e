"""What every part of the migration model shares: codes, ActionStates, failures, settings, the state's attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

STATE_FORMAT = 1
OK = 0
#: Generic failure Code: the document only says "true|false"; 1 and 2 are taken by the name clashes.
FAILED = -1
SERVER_NAME_CLASH = 1
VOLUME_NAME_CLASH = 2

CLOUD_TYPES = ("Huayun", "Openstack", "CloudUltra 4", "ArcherOS 2020")
ON_PREMISES = "On-Premises"
CLOUD = "Cloud"
SERV_TYPES = {"on-premises": ON_PREMISES, "cloud": CLOUD}

# ActionState, the first enum of the document (README: "1007 (waiting for recovery)").
TASK_CREATED = 1000
TASK_COPYING = 1001
TASK_SNAPSHOTTED = 1002
TASK_ERROR = 1003
TASK_STOPPED = 1004  # "when delete task": a deleted task is gone, so the emulator never shows it
TASK_SUCCESS = 1005
TASK_V2V = 1006
TASK_WAIT_RECOVERY = 1007
TASK_IN_RECOVERY = 1008
TASK_COMPLETED = 1009
GIB = 1024 ** 3


class MigrationFailure(Exception):
    """An action the platform refuses: its Code, its Msg and the Data it still returns."""

    def __init__(self, msg: str, code: int = FAILED, data: Any = None):
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.data = data


class AuthFailure(Exception):
    """A missing, unknown or expired token (answered with HTTP 401)."""


@dataclass(frozen=True)
class Settings:
    """What the emulator's options decide about the model."""

    token_seconds: float = 1800.0
    task_seconds: float = 5.0


def existing(records: Mapping[str, dict[str, Any]], record_id: Any, label: str) -> dict[str, Any]:
    """The record of an Id (a string), else the failure "<label> '<id>' does not exist."."""
    record = records.get(record_id) if isinstance(record_id, str) else None
    if record is None:
        raise MigrationFailure(f"{label} {record_id!r} does not exist.")
    return record


def is_finished(task: Mapping[str, Any]) -> bool:
    """Whether a task is done for good: its cloud instance exists and it reached ActionState 1009."""
    return task["Instance"] is not None and task["ActionState"] == TASK_COMPLETED


class RefuseClashes(Protocol):
    """`TaskMixin.refuse_clashes`, which its callers give keyword arguments."""

    def __call__(self, config: Mapping[str, Any], exclude: str | None, check_volumes: bool) -> None:
        """Code 1 for a cloud server name in use, Code 2 for cloud volume names in use."""


class StateBase:
    """The attributes of the one state object, which every resource family's mixin reads and writes.

    `MigrationState` sets them all; each family keeps its rules in its own module and reaches the
    others' records (and methods) through `self`.
    """

    settings: Settings
    now: Callable[[], float]
    new_uuid: Callable[[], str]
    account: dict[str, Any]
    tokens: dict[str, dict[str, Any]]
    license: dict[str, Any] | None
    spent_credits: int
    activation_keys: dict[str, dict[str, Any]]
    endpoints: dict[str, dict[str, Any]]
    transport_agents: dict[str, dict[str, Any]]
    packer_agents: dict[str, dict[str, Any]]
    vsphere_endpoints: dict[str, dict[str, Any]]
    clouds: dict[str, dict[str, Any]]
    transports: dict[str, dict[str, Any]]
    hosts: dict[str, dict[str, Any]]
    platforms: dict[str, dict[str, Any]]
    tasks: dict[str, dict[str, Any]]

    # --- the rules of one family that others call, each defined in the module named ---------------------
    # license
    take_credit: Callable[[], None]
    # clouds
    cloud: Callable[[Any], dict[str, Any]]
    cloud_endpoint: Callable[[Any], dict[str, Any]]
    quota: Callable[[Any], dict[str, int]]
    # transports
    transport: Callable[[Any], dict[str, Any]]
    transport_agent: Callable[[Any], dict[str, Any]]
    transport_tasks: Callable[[str], list[dict[str, Any]]]
    # hosts
    host: Callable[[Any], dict[str, Any]]
    host_task: Callable[[str], dict[str, Any] | None]
    host_offline: Callable[[Mapping[str, Any]], bool]
    host_view: Callable[[Mapping[str, Any]], dict[str, Any]]
    # vsphere
    vsphere_at: Callable[[Any], dict[str, Any] | None]
    platform_summary: Callable[[Mapping[str, Any]], dict[str, Any]]
    # tasks
    task: Callable[[Any], dict[str, Any]]
    task_changes: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
    check_task_target: Callable[[Mapping[str, Any]], None]
    refuse_clashes: RefuseClashes
    server_names: Callable[[str, str | None], set[str]]
    volume_names: Callable[[str, str | None], set[str]]
    used_ips: Callable[[str, str | None], dict[str, set[str]]]
    # task_progress
    record_event: Callable[[dict[str, Any], float, int, str], None]
    start_copy: Callable[[dict[str, Any], float], None]
    start_recovery: Callable[[dict[str, Any], float], None]
    # task_views
    progress: Callable[[Mapping[str, Any]], float]
