"""A hostile or broken HTTP server on 127.0.0.1 for the tests: one misbehaviour (a mode) for every read.

`HostileServer(platform, mode)` listens on a free port and answers every request the way `mode` says;
only the logins and logouts of ZStack and the migration platform are answered as the platform would (so
that the read after them meets the mode), except in `redirect` mode, where the login is redirected too
(it carries the password). The modes:

- `drip`: the status line and headers at once, then the body a byte at a time (`drip_interval` apart);
- `slow-headers`: the whole answer, status line and headers included, a byte at a time;
- `huge`: a JSON body of `huge_bytes` with no Content-Length (`declare_length` sends one);
- `endless`: every page of a paged list full of items never seen before (an empty page after `page_limit`
  pages, then resets, so a client that never stops still ends);
- `deep`: a JSON array nested `depth` deep;
- `redirect`: 307 to another origin, a second server (`thief`) that records what reaches it;
  `redirect-home`: 307 once to the same origin, then the platform's empty answer;
- `html`: a 200 HTML page, as a captive portal or a proxy's login page answers;
- `reset`: the request is read and the connection reset (RST) without an answer.

Every request is logged in `requests`; `sent` counts the body bytes written. The drips and the huge body
are finite, so a client that reads them whole still ends.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODES = ("drip", "slow-headers", "huge", "endless", "deep", "redirect", "redirect-home", "html", "reset")
ZSTACK_SESSION = "5e55104c0ffee0005e55104c0ffee000"
MIGRATION_TOKEN = "hostile-token-0123456789"
#: what each platform answers to a read that finds nothing: the drip's body, the same-origin redirect's answer
EMPTY_ANSWERS = {
    "zstack": {"inventories": []},
    "vsd": {"scode": 0, "desc": "", "message": "", "message_cn": "", "stack": None,
            "data": {"list": [], "total_count": 0}},
    "osgview": {"status": 200, "msg": "", "vm_status": "ACTIVE"},
    "migration": {"Code": 0, "Msg": "", "Data": {"AgentTasks": [], "VSTasks": [], "TaskTotal": 0}},
    "opendcp": {"code": 0, "msg": "", "data": []},
}
PORTAL_PAGE = (b"<html><head><title>Sign in</title></head><body><h1>Sign in to the guest network</h1>"
               b"<form action=\"/portal\"><input name=\"user\"></form></body></html>")


def _page(platform: str, request: dict[str, Any], served: int, page_limit: int) -> dict[str, Any]:
    """A full page of new items in the platform's list envelope (an empty one after `page_limit` pages)."""
    query, body = request["query"], request["json"] or {}
    size = int((query.get("limit") or query.get("page_size") or [body.get("PageLimit") or 100])[0])
    count = 0 if served >= page_limit else size
    items = [{"uuid": "%032x" % (served * size + index), "name": "item-%d-%d" % (served, index)}
             for index in range(count)]
    if platform == "zstack":
        return {"inventories": items}
    if platform == "vsd":
        return dict(EMPTY_ANSWERS["vsd"], data={"list": items, "total_count": 10 ** 9})
    if platform == "migration":
        tasks = [{"Id": item["uuid"], "Name": item["name"]} for item in items]
        return {"Code": 0, "Msg": "", "Data": {"AgentTasks": tasks, "VSTasks": [], "TaskTotal": 10 ** 9}}
    return {"code": 0, "msg": "", "data": [dict(item, id=served * size + index + 1) for index, item in
                                           enumerate(items)], "page": served + 1, "page_size": size}


class _Recorder(BaseHTTPRequestHandler):
    """Logs each request on its server; subclasses answer it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms wait between them
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        """Silent: the tests read `requests` instead."""

    def _record(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        parts = urlsplit(self.path)
        entry = {"method": self.command, "path": parts.path, "query": parse_qs(parts.query), "json": body,
                 "body": raw, "headers": dict(self.headers)}
        with self.server.lock:
            self.server.owner.requests.append(entry)
        return entry

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.answer(self._record())

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def answer(self, request: dict[str, Any]) -> None:
        self.send_json(404, {"error": "nothing here"})

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, "application/json", json.dumps(body).encode(), headers)

    def send_body(self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        """An answer of `data` with its length and type, and `headers` besides."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Hostile(_Recorder):
    """Answers every request the way the server's mode says."""

    def answer(self, request: dict[str, Any]) -> None:
        owner = self.server.owner
        if owner.mode not in ("redirect",) and self._session_call(request):
            return
        getattr(self, "mode_" + owner.mode.replace("-", "_"))(request)

    def _session_call(self, request: dict[str, Any]) -> bool:
        """Answer a login or logout as the platform would; False for any other call."""
        platform, path = self.server.owner.platform, request["path"]
        if platform == "zstack" and path == "/zstack/v1/accounts/login":
            self.send_json(200, {"inventory": {"uuid": ZSTACK_SESSION, "accountUuid": "a" * 32}})
        elif platform == "zstack" and path.startswith("/zstack/v1/accounts/sessions/"):
            self.send_json(200, {})
        elif platform == "migration" and path == "/Login":
            self.send_json(200, {"Code": 0, "Msg": "", "Data": {"Token": MIGRATION_TOKEN, "IsFirstLogin": False}})
        elif platform == "migration" and path == "/Logout":
            self.send_json(200, {"Code": 0, "Msg": "", "Data": None})
        else:
            return False
        return True

    def _empty(self) -> bytes:
        return json.dumps(EMPTY_ANSWERS[self.server.owner.platform]).encode()

    def _write_slowly(self, data: bytes) -> None:
        owner = self.server.owner
        for index in range(len(data)):
            if owner.stopping.is_set():
                return
            self.wfile.write(data[index:index + 1])
            self.wfile.flush()
            owner.count(1)
            # the pace of the drip is the point: a gap shorter than the client's timeout between any two bytes;
            # the wait ends at once when the server stops
            owner.stopping.wait(owner.drip_interval)

    def mode_drip(self, request):
        body = self._empty().ljust(self.server.owner.drip_bytes)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        self._write_slowly(body)

    def mode_slow_headers(self, request):
        body = self._empty()
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: %s\r\nContent-Length: %d\r\n\r\n"
                % ("." * self.server.owner.drip_bytes, len(body))).encode()
        self.close_connection = True
        self._write_slowly(head + body)

    def mode_huge(self, request):
        owner = self.server.owner
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if owner.declare_length:
            self.send_header("Content-Length", str(owner.huge_bytes + 12))
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"x" * 65536
        self.wfile.write(b'{"data": "')
        written = 0
        while written < owner.huge_bytes and not owner.stopping.is_set():
            piece = chunk[:owner.huge_bytes - written]
            self.wfile.write(piece)
            written += len(piece)
            owner.count(len(piece))
        self.wfile.write(b'"}')

    def mode_endless(self, request):
        owner = self.server.owner
        with self.server.lock:
            served = owner.pages
            owner.pages += 1
        if served > owner.page_limit:
            self.mode_reset(request)  # a client that read the empty page and still asks: end it there
            return
        self.send_json(200, _page(owner.platform, request, served, owner.page_limit))

    def mode_deep(self, request):
        depth = self.server.owner.depth
        self.send_body(200, "application/json", b"[" * depth + b"]" * depth)

    def mode_redirect(self, request):
        self._redirect(self.server.owner.thief.url + self.path)

    def mode_redirect_home(self, request):
        if "redirected" in request["query"]:
            self.send_json(200, EMPTY_ANSWERS[self.server.owner.platform])
            return
        self._redirect(self.path + ("&" if "?" in self.path else "?") + "redirected=1")

    def _redirect(self, location: str) -> None:
        self.send_response(307)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def mode_html(self, request):
        self.send_body(200, "text/html; charset=utf-8", PORTAL_PAGE)

    def mode_reset(self, request):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True  # the client gave up: what the tests want of it


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: "_Served", handler: type[_Recorder]):
        super().__init__(("127.0.0.1", 0), handler)
        self.owner = owner
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        """Quiet: a client that gives up mid-answer is what these servers are for."""


class _Served:
    """A server running in a thread until `stop()`; `requests` logs what reached it."""

    handler: type[_Recorder] = _Recorder

    def __init__(self):
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self._server = _Server(self, self.handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return "http://%s:%d" % (host, port)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Thief(_Served):
    """The other origin a redirect points to: it records every request and answers 404."""


class HostileServer(_Served):
    """One platform's endpoint misbehaving in one mode (see the module's docstring)."""

    handler = _Hostile

    def __init__(self, platform: str, mode: str, *, drip_interval: float = 0.05, drip_bytes: int = 60,
                 huge_bytes: int = 8 << 20, declare_length: bool = False, page_limit: int = 2000,
                 depth: int = 200_000):
        if platform not in EMPTY_ANSWERS or mode not in MODES:
            raise ValueError("unknown platform %r or mode %r" % (platform, mode))
        super().__init__()
        self.platform, self.mode = platform, mode
        self.drip_interval, self.drip_bytes = drip_interval, drip_bytes
        self.huge_bytes, self.declare_length = huge_bytes, declare_length
        self.page_limit, self.depth = page_limit, depth
        #: body bytes written so far, and pages of a list answered so far
        self.sent = 0
        self.pages = 0
        self.thief = Thief()

    def count(self, size: int) -> None:
        with self._server.lock:
            self.sent += size

    def start(self):
        self.thief.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.thief.stop()
