"""What every part of the migration model shares: codes, ActionStates, failures, settings, the state's attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

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


def is_finished(task: Mapping[str, Any]) -> bool:
    """Whether a task is done for good: its cloud instance exists and it reached ActionState 1009."""
    return task["Instance"] is not None and task["ActionState"] == TASK_COMPLETED


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
