"""Request, response and routing primitives shared by every platform emulator."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

#: the methods that read: a request by any other method is a write whose change is saved before it is answered
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Request:
    """An HTTP request as the platform handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    base_url: str
    path_params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, method: str, target: str, headers: dict[str, str], body: bytes, base_url: str) -> "Request":
        parts = urlsplit(target)
        return cls(
            method=method.upper(),
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
            base_url=base_url,
        )

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def json(self) -> Any:
        """The body decoded as JSON; raises BadRequest when it is not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"request body is not valid JSON: {exc}") from exc
        except RecursionError as exc:
            raise BadRequest("request body is nested too deeply to decode") from exc

    def form(self) -> dict[str, list[str]]:
        """Form-encoded body merged over the query string (for GET-or-POST form APIs)."""
        merged = {k: list(v) for k, v in self.query.items()}
        ctype = self.header("content-type", "") or ""
        if self.body and "application/x-www-form-urlencoded" in ctype:
            for key, values in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items():
                merged.setdefault(key, []).extend(values)
        return merged


@dataclass
class Response:
    """What a handler returns: a status, a body (JSON-able, text or None) and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def encode(self) -> tuple[bytes, str]:
        if self.body is None:
            return b"", self.content_type or "application/json"
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body), self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), self.content_type or "text/plain; charset=utf-8"
        return json.dumps(self.body).encode("utf-8"), self.content_type or "application/json"


class HttpError(Exception):
    """Raised by handlers to answer with a status; the platform app shapes the body."""

    status = 500

    def __init__(self, message: str, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.body = body


class BadRequest(HttpError):
    status = 400


class NotFound(HttpError):
    status = 404


class MethodNotAllowed(HttpError):
    status = 405


Handler = Callable[[Request], Response]


@dataclass
class Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Maps method + path to a handler. Path templates use `{name}` segments."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, methods: str | list[str], template: str, handler: Handler) -> None:
        if isinstance(methods, str):
            methods = [methods]
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/") or "/")
        self._routes.append(Route(frozenset(m.upper() for m in methods), re.compile(f"^{regex}/?$"), handler))

    def route(self, methods: str | list[str], template: str) -> Callable[[Handler], Handler]:
        def decorator(func: Handler) -> Handler:
            self.add(methods, template, func)
            return func

        return decorator

    def resolve(self, request: Request) -> Handler:
        """Find the handler for a request, filling `request.path_params`.

        Raises NotFound for an unknown path and MethodNotAllowed when the path exists
        under other methods only.
        """
        path_matched = False
        for route in self._routes:
            match = route.pattern.match(request.path)
            if not match:
                continue
            path_matched = True
            if request.method in route.methods:
                request.path_params = match.groupdict()
                return route.handler
        if path_matched:
            raise MethodNotAllowed(f"method {request.method} is not allowed on {request.path}")
        raise NotFound(f"no such path: {request.path}")
