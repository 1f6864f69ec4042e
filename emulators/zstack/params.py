"""Reading a ZStack API request: its headers, body sections and typed parameters, each refused with a 400
(SYS.1007) that names the parameter, and the errors the HTTP layer answers in ZStack's shape."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..common.http import BadRequest, HttpError, Request
from .base import error_body

#: The codes ZStack itself uses (IdentityErrors: ID.1000 wrong credentials, ID.1001 invalid session).
LOGIN_FAILED_CODE = "ID.1000"
INVALID_SESSION_CODE = "ID.1001"
#: The body fields every API message may carry beside its own (the document's "systemTags (可选)" rows).
TAG_LIST_PARAMETERS = ("systemTags", "userTags")

_JOB_UUID = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")
#: a uuid as ZStack writes it: 32 hex digits without dashes
UUID_HEX = re.compile(r"^[0-9a-fA-F]{32}$")


class ZStackError(HttpError):
    """An HTTP error answered with ZStack's `{"error": {code, description, details}}` body."""

    def __init__(self, status: int, code: str, description: str, details: str):
        super().__init__(details, status, error_body(code, description, details))


def invalid_argument(parameter: str, reason: str) -> ZStackError:
    """400 SYS.1007, naming the parameter."""
    return ZStackError(400, "SYS.1007", "invalid argument", f"parameter[{parameter}] {reason}")


def invalid_session(details: str) -> ZStackError:
    """401 for a missing, unknown or expired session."""
    return ZStackError(401, INVALID_SESSION_CODE, "invalid session", details)


def job_uuid_header(request: Request) -> str | None:
    """`X-Job-UUID`: a uuid4 as 32 lowercase hex digits without dashes, else 400."""
    value = request.header("X-Job-UUID")
    if value is None:
        return None
    if not _JOB_UUID.match(value.strip()):
        raise invalid_argument("X-Job-UUID", "must be a version 4 UUID written as 32 lowercase hex digits without '-'")
    return value.strip()


def webhook_header(request: Request) -> str | None:
    """`X-Web-Hook`: an http(s) URL, else 400."""
    value = request.header("X-Web-Hook")
    if value is None:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # such as an unclosed IPv6 bracket: `http://[::1`
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid_argument("X-Web-Hook", f"must be an http or https URL, not {value!r}")
    return value.strip()


def json_body(request: Request) -> dict[str, Any]:
    """The JSON body as a mapping ({} when there is none)."""
    try:
        data = request.json()
    except BadRequest as exc:
        raise invalid_argument("body", "is not valid JSON") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise invalid_argument("body", "must be a JSON object")
    for name in TAG_LIST_PARAMETERS:
        string_list(data.get(name), name, required=False)
    return data


def action_section(request: Request, name: str) -> dict[str, Any]:
    """The map under an action name (`{"updateSystemTag": {...}}`); the name must be there."""
    body = json_body(request)
    if name not in body:
        raise invalid_argument(name, f"is missing: the body must be {{\"{name}\": {{...}}}}")
    return _mapping(body[name], name)


def params_section(request: Request) -> dict[str, Any]:
    """The `params` map of a create call ({} when absent, so the missing field gets named)."""
    return _mapping(json_body(request).get("params"), "params")


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_argument(name, "must be a JSON object")
    return value


def required_string(section: dict[str, Any], name: str) -> str:
    """A non-empty string parameter."""
    value = section.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise invalid_argument(name, "is missing")
    if not isinstance(value, str):
        raise invalid_argument(name, "must be a string")
    return value


def optional_string(section: dict[str, Any], name: str) -> str | None:
    """A string parameter that may be left out."""
    value = section.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid_argument(name, "must be a string")
    return value


def string_list(value: Any, name: str, required: bool = True) -> list[str]:
    """A list of non-empty strings (non-empty itself when required)."""
    if value is None:
        if required:
            raise invalid_argument(name, "is missing")
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise invalid_argument(name, "must be a list of strings")
    if required and not value:
        raise invalid_argument(name, "must not be empty")
    return list(value)


def query_list(request: Request, name: str) -> list[str]:
    """A list query parameter, repeated (`a=1&a=2`) or comma-separated (`a=1,2`)."""
    return [item.strip() for value in request.args(name) for item in value.split(",") if item.strip()]


def query_boolean(request: Request, name: str) -> bool:
    """A boolean query parameter: true or false (any case), false when absent."""
    value = (request.arg(name) or "").strip().lower()
    if value not in ("", "true", "false"):
        raise invalid_argument(name, f"must be true or false, not {request.arg(name)!r}")
    return value == "true"


def body_or_query_value(request: Request, name: str) -> str | None:
    """A DELETE parameter: the document puts it in the body, ZStack's SDKs in the query string."""
    body = json_body(request)
    if name in body:
        value = body[name]
        if value is not None and not isinstance(value, str):
            raise invalid_argument(name, "must be a string")
        return value
    return request.arg(name)
