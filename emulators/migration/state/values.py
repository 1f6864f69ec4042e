"""Reading request values the way the platform does: times, typed body fields, secrets, filters."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from ...common.fields import optional_field
from .base import MigrationFailure

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_time(epoch: float) -> str:
    """The document's "YYYY-MM-DD HH:MM:SS" (UTC, see the readings)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(TIME_FORMAT)


def format_rfc3339(epoch: float) -> str:
    """License ExpireTime: RFC 3339 with the UTC offset."""
    return datetime.fromtimestamp(int(epoch), timezone.utc).isoformat()


def parse_time(text: Any, key: str) -> float:
    """'yyyy-mm-dd hh:mm' (PrepareTaskWorkload) or 'yyyy-mm-dd hh:mm:ss' (UpdateTask), UTC."""
    if not isinstance(text, str):
        raise MigrationFailure(f"{key} must be a string 'yyyy-mm-dd hh:mm:ss'.")
    for pattern in (TIME_FORMAT, "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    raise MigrationFailure(f"{key} {text!r} is not a time 'yyyy-mm-dd hh:mm:ss'.")


def required_str(body: Mapping[str, Any], key: str) -> str:
    """A non-blank string field, else a failure naming it."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MigrationFailure(f"{key} is required.")
    return value


def optional_str(body: Mapping[str, Any], key: str) -> str:
    """A string field, "" when absent; a non-string is a failure."""
    return optional_field(body, key, str, "", lambda name: MigrationFailure(f"{name} must be a string."))


def int_field(body: Mapping[str, Any], key: str, default: int, minimum: int | None = 0) -> int:
    """An integer field (not a bool), `default` when absent, at least `minimum` unless that is None."""
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise MigrationFailure(f"{key} must be an integer.")
    if minimum is not None and value < minimum:
        raise MigrationFailure(f"{key} must be at least {minimum}.")
    return value


def bool_field(body: Mapping[str, Any], key: str) -> bool:
    """A true/false field, False when absent."""
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise MigrationFailure(f"{key} must be true or false.")
    return value


def decode_secret(value: Any, encrypted: Any) -> Any:
    """SecretKey as sent, or base64-decoded when IsEncrypted says it is encrypted."""
    if str(encrypted).lower() != "true" or not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise MigrationFailure("SecretKey is not valid base64 although IsEncrypted is True.")


def filtered(rows: Iterable[Mapping[str, Any]], **wanted: Any) -> list[dict[str, Any]]:
    """Rows whose fields equal every wanted value that was given (None or "" means any)."""
    return [dict(row) for row in rows if all(value in (None, "") or row.get(key) == value
                                             for key, value in wanted.items())]
