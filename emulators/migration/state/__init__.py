"""The migration platform's model, one module per resource family, composed into `MigrationState`.

- `base`: Codes, ActionStates (`TASK_*`, read by the task modules), `MigrationFailure`, `AuthFailure`,
  `Settings`, the state's attributes
- `values`: times and typed request fields; `fixtures`: built-in objects and fixture records
- `account`, `license`, `clouds`, `transports`, `hosts`, `vsphere`: one resource family each
- `tasks` (create, update, delete), `task_actions`, `task_progress` (over emulated time), `task_views`
- `model`: `MigrationState`, the one state object the emulator serves
"""

from .account import check_new_password
from .base import (
    CLOUD,
    CLOUD_TYPES,
    FAILED,
    GIB,
    OK,
    ON_PREMISES,
    SERV_TYPES,
    SERVER_NAME_CLASH,
    STATE_FORMAT,
    VOLUME_NAME_CLASH,
    AuthFailure,
    MigrationFailure,
    Settings,
)
from .fixtures import (
    BUILTIN_BIG_FLAVOR,
    BUILTIN_ENDPOINT,
    BUILTIN_FLAVOR,
    BUILTIN_LINUX_HOST,
    BUILTIN_NETWORK,
    BUILTIN_OFFLINE_HOST,
    BUILTIN_SECURITY_GROUP,
    BUILTIN_SUBNET,
    BUILTIN_SUBNET_2,
    BUILTIN_VCENTER,
    BUILTIN_WINDOWS_HOST,
)
from .license import license_id
from .model import MigrationState
from .values import decode_secret, filtered, format_rfc3339, format_time, parse_time

__all__ = [
    "BUILTIN_BIG_FLAVOR", "BUILTIN_ENDPOINT", "BUILTIN_FLAVOR", "BUILTIN_LINUX_HOST", "BUILTIN_NETWORK",
    "BUILTIN_OFFLINE_HOST", "BUILTIN_SECURITY_GROUP", "BUILTIN_SUBNET", "BUILTIN_SUBNET_2", "BUILTIN_VCENTER",
    "BUILTIN_WINDOWS_HOST", "CLOUD", "CLOUD_TYPES", "FAILED", "GIB", "OK", "ON_PREMISES", "SERV_TYPES",
    "SERVER_NAME_CLASH", "STATE_FORMAT", "VOLUME_NAME_CLASH", "AuthFailure", "MigrationFailure", "MigrationState",
    "Settings", "check_new_password", "decode_secret", "filtered", "format_rfc3339", "format_time", "license_id",
    "parse_time",
]
