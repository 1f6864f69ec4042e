"""The HTTP server of `reconciler watch --listen HOST:PORT`, on a daemon thread beside the loop.

    GET /metrics      the watch's metrics in Prometheus' text format (metrics.WatchMetrics)
    GET /healthz      200 `ok` while the loop runs, 503 `stopping` once it was told to stop
    GET /readyz       200 `ready` once a cycle has planned a revision, 503 `not ready` before
    GET /api/status   WatchStatus.as_dict() as JSON
    GET /             the status page for people (page.status_page)

HEAD is answered as GET without the body; any other method is refused (405), any other path is 404. The
server only reads what the loop wrote (WatchStatus is behind its lock): a request never waits for a cycle.
An error while answering is logged as one line and answered 500, never as a traceback.
"""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Callable, Iterator, Optional
from urllib.parse import urlsplit

from ..errors import ReconcilerError
from .metrics import CONTENT_TYPE, WatchMetrics
from .page import status_page
from .status import WatchStatus

if TYPE_CHECKING:
    from .loop import Watcher

TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON = "application/json"


class ListenProblem(ReconcilerError):
    """A `--listen` value that is not HOST:PORT, or an address the server cannot bind, named."""


def parse_listen(value: str) -> tuple[str, int]:
    """(host, port) of `HOST:PORT` (`[::1]:PORT` for IPv6); port 0 lets the system choose a free one."""
    host, colon, port = value.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise ListenProblem([f"--listen {value!r}: give HOST:PORT, as 127.0.0.1:9100 (port 0: any free port)"])
    return host, int(port)


@dataclass(frozen=True)
class Answer:
    """One answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


def text(status: int, words: str) -> Answer:
    """A plain-text answer of one line."""
    return Answer(status, TEXT, (words + "\n").encode())


class WatchServer:
    """The routes above, served from a daemon thread until `stop()`."""

    def __init__(self, host: str, port: int, status: WatchStatus, metrics: WatchMetrics,
                 healthy: Callable[[], bool], log: Callable[[str], None] = lambda line: None) -> None:
        self.status = status
        self.metrics = metrics
        self.healthy = healthy
        self.log = log
        self.host = host.strip("[]")
        server_class = _IPv6Server if ":" in self.host else ThreadingHTTPServer
        try:
            self._httpd = server_class((self.host, port), _handler_for(self))
        except OSError as exc:
            raise ListenProblem([f"--listen {host}:{port}: cannot serve there: {exc.strerror or exc}"])
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="watch-http", daemon=True)

    @property
    def url(self) -> str:
        """The server's root URL, with the port it is bound to."""
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self._httpd.server_port}/"

    def start(self) -> WatchServer:
        """Serve from the daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (requests under way end first)."""
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=30)
        self._httpd.server_close()

    def __enter__(self) -> WatchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str) -> Answer:
        """The answer to a GET of `path`."""
        route = urlsplit(path).path
        if route == "/metrics":
            return Answer(200, CONTENT_TYPE, self.metrics.exposition())
        if route == "/healthz":
            return text(200, "ok") if self.healthy() else text(503, "stopping")
        if route == "/readyz":
            return text(200, "ready") if self.status.ready else text(503, "not ready: no revision planned yet")
        if route == "/api/status":
            return Answer(200, JSON, json.dumps(self.status.as_dict(), indent=1, default=str).encode())
        if route in ("/", "/index.html"):
            return Answer(200, HTML, status_page(self.status.as_dict()).encode())
        return text(404, f"not found: {route} (see /, /api/status, /metrics, /healthz, /readyz)")


@contextmanager
def serving(watcher: Watcher, listen: Optional[str], log: Callable[[str], None]) -> Iterator[Optional[WatchServer]]:
    """The server of `--listen HOST:PORT` for a watcher (its metrics observe every cycle), serving for the block
    (nothing without `listen`); it logs `serving http://HOST:PORT/` once bound."""
    if listen is None:
        yield None
        return
    host, port = parse_listen(listen)
    metrics = WatchMetrics(lambda: watcher.status.revision)
    watcher.observers = (*watcher.observers, metrics.observe)
    with WatchServer(host, port, watcher.status, metrics, healthy=lambda: not watcher.stopping, log=log) as server:
        log(f"serving {server.url}")
        yield server


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _handler_for(server: WatchServer) -> type[BaseHTTPRequestHandler]:
    """The request handler class of a server: GET and HEAD through `server.answer`, 405 for the rest."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "converge-watch"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            self._send(self._answer(), body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._send(self._answer(), body=False)

        def _refuse(self) -> None:
            self._send(text(405, f"method {self.command} not allowed: GET and HEAD only"), body=True,
                       allow="GET, HEAD")

        def __getattr__(self, name: str) -> Callable[[], None]:
            """`do_<METHOD>` of any other method (POST, PUT, TRACE, ...): refused with 405."""
            if name.startswith("do_"):
                return self._refuse
            raise AttributeError(name)

        def _answer(self) -> Answer:
            try:
                return server.answer(self.path)
            except Exception as exc:  # an answer, not a traceback: the loop goes on whatever a page does
                server.log(f"watch server: {self.command} {urlsplit(self.path).path}: {type(exc).__name__}: {exc}")
                return text(500, "internal error: see the watch's log")

        def _send(self, answer: Answer, body: bool, allow: str | None = None) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("Cache-Control", "no-store")
            if allow:
                self.send_header("Allow", allow)
            self.end_headers()
            if body:
                self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
            """Requests are not logged: a scrape every 15 s would drown the cycles' lines."""

    return Handler
