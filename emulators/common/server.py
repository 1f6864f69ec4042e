"""A threaded HTTP server around an EmulatorApp: latency, fault injection, request log, control API."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import random
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from .app import EmulatorApp
from .http import READ_METHODS, HttpError, Request, Response

CONTROL_PREFIX = "/_emulator/"
MAX_LOG_ENTRIES = 200_000
#: the largest request body read; a longer one is answered 413 unread
MAX_BODY_BYTES = 16 * 1024 * 1024


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or name, with or without a port or brackets) is this machine's loopback."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


#: the faults an emulator injects, each with when it strikes (before the handler, or after its change is
#: committed) and what the client sees
FAULT_MODES = {
    "503": "before: a proxy's 503, the request not handled",
    "drop": "before or after: the connection closed with no answer",
    "504": "after: a gateway timeout, the change made",
    "429": "before: too many requests, with Retry-After: 0",
    "html": "before: a proxy's HTML 502 page instead of the platform's JSON",
    "truncated": "after: the platform's answer cut off halfway through its JSON",
    "timeout": "after: the change made, the answer held past the client's read timeout (fault_delay_s)",
    "jitter": "around: the answer delayed by a random 0 to jitter_ms, then given whole",
    "envelope": "before: HTTP 200 whose envelope carries the platform's own internal error",
    "expire": "before: every session and token expires, then the request meets the platform's own refusal",
    "restart": "before: the emulator restarts from its saved state, dropping the connection",
}
#: faults that strike after the handler has run (its change, if any, committed)
AFTER_MODES = ("504", "truncated", "timeout")
#: faults after which the request is handled all the same
PASS_THROUGH_MODES = ("jitter", "expire")
#: the modes drawn when none are chosen: those every client must survive without a read-back of a write
DEFAULT_FAULT_MODES = ("503", "drop", "504")


def check_fault_modes(modes: Any) -> tuple[str, ...]:
    """The fault modes as a tuple; ValueError naming a mode that does not exist."""
    if isinstance(modes, str):
        modes = [mode.strip() for mode in modes.split(",") if mode.strip()]
    if not isinstance(modes, (list, tuple)) or not modes:
        raise ValueError("fault modes: a list of one or more of " + ", ".join(FAULT_MODES))
    unknown = [mode for mode in modes if mode not in FAULT_MODES]
    if unknown:
        raise ValueError(f"unknown fault mode {unknown[0]!r}; known: {', '.join(FAULT_MODES)}")
    return tuple(modes)


@dataclass
class FaultPlan:
    """What to do with one request: fail before the handler, after it, or not at all."""

    when: str | None = None  # "before" | "after" | None
    how: str = "503"  # one of FAULT_MODES
    #: seconds a `timeout` holds its answer, or a `jitter` delays it
    delay: float = 0.0


class RequestLog:
    """Thread-safe, bounded list of the requests an emulator has served."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._added = threading.Condition(self._lock)

    def add(self, entry: dict[str, Any]) -> None:
        """Append one entry, dropping the oldest beyond the bound."""
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > MAX_LOG_ENTRIES:
                del self._entries[: len(self._entries) - MAX_LOG_ENTRIES]
            self._added.notify_all()

    def wait_for(self, holds: Callable[[list[dict[str, Any]]], bool], timeout: float) -> bool:
        """Wait until `holds(entries)` is true, woken by each request served (never by polling); False when
        `timeout` seconds passed first. For a test that waits on another process's requests."""
        with self._added:
            return self._added.wait_for(lambda: holds(list(self._entries)), timeout)

    def entries(self) -> list[dict[str, Any]]:
        """A copy of the entries, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


class EmulatorServer(ThreadingHTTPServer):
    """One platform on one port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: EmulatorApp):
        self.app = app
        self.log = RequestLog()
        self.latency_ms = app.options.latency_ms
        self.fault_rate = app.options.fault_rate
        self.fault_modes = check_fault_modes(app.options.fault_modes or DEFAULT_FAULT_MODES)
        self.fault_delay_s = float(app.options.fault_delay_s)
        self.jitter_ms = float(app.options.jitter_ms)
        # its own generator: the platforms' identifiers, drawn from the app's, never shift the faults of a seed
        self.fault_rng = random.Random(app.options.seed)
        self._fault_lock = threading.Lock()
        super().__init__((app.options.host, app.options.port), _Handler)
        self.scheme = "http"
        if app.options.tls_cert or app.options.tls_key:
            self._serve_tls(app.options.tls_cert, app.options.tls_key)

    def _serve_tls(self, cert: str | None, key: str | None) -> None:
        """Answer HTTPS with this certificate and key (both needed); each connection's handshake in its thread."""
        if not cert or not key:
            self.server_close()
            raise ValueError("tls_cert and tls_key go together: give both, or neither")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.scheme = "https"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that refused the certificate or went away is no error of the emulator's: say nothing."""
        import sys

        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        """Stop as `converge-emulator` does on SIGTERM: accept no more connections, let the request being
        handled finish, write the state file a last time (`EmulatorApp.close`; a request that comes after it
        on an open connection is dropped unhandled) and close the port."""
        self.shutdown()
        try:
            self.app.close()
        finally:
            self.server_close()

    @property
    def address(self) -> str:
        """`host:port` of the socket the server listens on."""
        host, port = self.server_address[:2]
        return f"{host.decode() if isinstance(host, bytes) else host}:{port}"

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"{self.scheme}://{self.address}"

    def set_faults(self, latency_ms: float | None = None, fault_rate: float | None = None,
                   seed: int | None = None, modes: Any = None, delay_s: float | None = None,
                   jitter_ms: float | None = None) -> None:
        """Change latency, fault rate (0 to 1, else ValueError), the seed of the fault draws, the modes drawn,
        how long a `timeout` fault holds its answer or how long a `jitter` fault may delay one."""
        with self._fault_lock:
            if modes is not None:
                self.fault_modes = check_fault_modes(modes)
            for name, value in (("fault_delay_s", delay_s), ("jitter_ms", jitter_ms)):
                if value is not None:
                    if isinstance(value, bool) or float(value) < 0:
                        raise ValueError(f"{name} must be a number >= 0")
                    setattr(self, name, float(value))
            if latency_ms is not None:
                self.latency_ms = float(latency_ms)
            if fault_rate is not None:
                if not 0 <= float(fault_rate) <= 1:
                    raise ValueError("fault_rate must be between 0 and 1")
                self.fault_rate = float(fault_rate)
            if seed is not None:
                self.fault_rng.seed(seed)

    def plan_fault(self, method: str) -> FaultPlan:
        """Draw a fault for one request from the seeded generator.

        Writes fail half the time after their change is committed, the case that
        creates duplicates in clients that retry blindly. As from a real proxy, a 503
        means the request was not handled (before); a change that was committed loses
        its answer as a dropped connection or a 504 gateway timeout (after).
        """
        rng = self.fault_rng
        with self._fault_lock:
            if self.fault_rate <= 0 or rng.random() >= self.fault_rate:
                return FaultPlan()
            if self.fault_modes == DEFAULT_FAULT_MODES:
                # the draw of earlier versions, so that a seed keeps meaning the same faults
                dropped = rng.random() < 0.3
                when = "after" if method not in READ_METHODS and rng.random() < 0.5 else "before"
                return FaultPlan(when, "drop" if dropped else ("504" if when == "after" else "503"))
            how = self.fault_modes[int(rng.random() * len(self.fault_modes)) % len(self.fault_modes)]
            if how == "drop":
                when = "after" if method not in READ_METHODS and rng.random() < 0.5 else "before"
            else:
                when = "after" if how in AFTER_MODES else "before"
            if how == "jitter":
                return FaultPlan(when, how, rng.uniform(0, self.jitter_ms) / 1000.0)
            return FaultPlan(when, how, self.fault_delay_s if how == "timeout" else 0.0)


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorServer
    protocol_version = "HTTP/1.1"
    # headers and body are written separately; without this, keep-alive answers wait on delayed ACKs
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Silence the default stderr access log; the request log keeps the record."""

    def _handle(self) -> None:
        started = time.monotonic()
        read = self._read_request()
        if read is None:
            return
        request, host = read
        if request.path.startswith(CONTROL_PREFIX):
            # a web page of another site that a name resolving to 127.0.0.1 lets in (DNS rebinding) names
            # its own host: the control API answers only requests addressed to this machine's loopback
            if not is_loopback(host):
                self._send(Response(403, {"error": f"the control API answers only for a loopback host, not {host}"}))
                return
            self._send(self._control(request))
            return

        if self.server.latency_ms:
            time.sleep(self.server.latency_ms / 1000.0)
        fault = self.server.plan_fault(request.method)
        entry = _log_entry(request)
        if fault.how in PASS_THROUGH_MODES:
            entry["fault"] = f"{fault.when}-{fault.how}"
            if fault.how == "jitter":
                time.sleep(fault.delay)
            else:
                self.server.app.expire_credentials()
            fault = FaultPlan()
        if fault.when == "before":
            self._fail(fault, request, entry, started)
            return
        response = self.server.app.serve(request)
        if response is None:  # the emulator is stopping: the request is not handled, its connection dropped
            entry.update(status=None, stopping=True)
            self.server.log.add(entry)
            self._drop_connection()
            return
        self._answer(fault, request, response, entry, started)

    def _read_request(self) -> tuple[Request, str] | None:
        """The request, its body read, and the host it names; None when its Content-Length was refused (and
        answered 400 or 413)."""
        length, refusal = _body_length(self.headers.get("Content-Length"))
        if refusal:
            self.close_connection = True  # the body, if any, was not read: the connection cannot go on
            self._send(refusal)
            return None
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or self.server.address
        request = Request.from_raw(self.command, self.path, dict(self.headers.items()), body,
                                   f"{self.server.scheme}://{host}")
        return request, host

    def _answer(self, fault: FaultPlan, request: Request, response: Response, entry: dict[str, Any],
                started: float) -> None:
        """Send what the handler answered, or the fault planned to strike after it (its change committed)."""
        if fault.when == "after" and fault.how == "truncated":
            entry.update(committed=True, fault="after-truncated", status=response.status)
            self.server.log.add(entry)
            self._send(_truncated(response))
            return
        if fault.when == "after" and fault.how == "timeout":
            entry.update(committed=True, fault="after-timeout", status=response.status)
            self.server.log.add(entry)
            time.sleep(fault.delay)  # the client has given up by now; it may be gone
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send(response)
            return
        if fault.when == "after":
            entry["committed"] = True
            self._fail(fault, request, entry, started)
            return
        entry.update(status=response.status, duration_ms=round((time.monotonic() - started) * 1000, 3))
        self.server.log.add(entry)
        self._send(response)

    def _fail(self, fault: FaultPlan, request: Request, entry: dict[str, Any], started: float) -> None:
        entry.update(fault=f"{fault.when}-{fault.how}", duration_ms=round((time.monotonic() - started) * 1000, 3))
        if fault.how == "restart":
            self.server.app.restart()
        if fault.how in ("drop", "restart"):
            entry["status"] = None
            self.server.log.add(entry)
            self._drop_connection()
            return
        response = self.server.app.fault_response(request)
        if fault.how == "envelope":
            response = self.server.app.envelope_error(request)
        elif fault.how == "504":
            response = Response(504, "Gateway Timeout (injected fault)", content_type="text/plain")
        elif fault.how == "429":
            response = Response(429, "Too Many Requests (injected fault)", headers={"Retry-After": "0"},
                                content_type="text/plain")
        elif fault.how == "html":
            response = Response(502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
                                     "Gateway</h1></center><hr><center>nginx</center></body></html>",
                                content_type="text/html")
        entry["status"] = response.status
        self.server.log.add(entry)
        self._send(response)

    def _drop_connection(self) -> None:
        """Close the connection with no answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):  # the peer may already have gone
            self.connection.shutdown(socket.SHUT_RDWR)

    def _control(self, request: Request) -> Response:
        """The control API under /_emulator/: state, requests, reset, faults and clock, then the platform's own
        endpoints (`EmulatorApp.control`).

        `GET|POST /_emulator/clock` answers `{"now": <emulated epoch seconds>, "time_scale": ...}`;
        a POST with `{"advance": seconds}` steps emulated time forward first.
        """
        app = self.server.app
        name = request.path[len(CONTROL_PREFIX):].strip("/")
        if name == "state" and request.method == "GET":
            with app.lock:
                return Response(200, app.export_state())
        if name == "requests" and request.method == "GET":
            return Response(200, self.server.log.entries())
        if name == "requests" and request.method == "DELETE":
            self.server.log.clear()
            return Response(200, {})
        if name == "reset" and request.method == "POST":
            with app.lock:
                app.reset()
                app.save_state()
            self.server.log.clear()
            return Response(200, {})
        if name == "faults" and request.method == "POST":
            try:
                data = request.json() or {}
                self.server.set_faults(data.get("latency_ms"), data.get("fault_rate"), data.get("seed"),
                                       data.get("modes"), data.get("delay_s"), data.get("jitter_ms"))
            except (ValueError, TypeError, AttributeError) as exc:
                return Response(400, {"error": str(exc)})
            return Response(200, self._faults_body())
        if name == "faults" and request.method == "GET":
            return Response(200, self._faults_body())
        if name == "clock" and request.method == "GET":
            return Response(200, clock_body(app))
        if name == "clock" and request.method == "POST":
            return self._advance_clock(request)
        own = app.control(name, request)
        if own is not None:
            return own
        return Response(404, {"error": f"no such control endpoint: {request.method} {request.path}"})

    def _faults_body(self) -> dict[str, Any]:
        return {"latency_ms": self.server.latency_ms, "fault_rate": self.server.fault_rate,
                "modes": list(self.server.fault_modes), "delay_s": self.server.fault_delay_s,
                "jitter_ms": self.server.jitter_ms}

    def _advance_clock(self, request: Request) -> Response:
        """POST /_emulator/clock `{"advance": seconds}`: step emulated time; 400 on anything else."""
        app = self.server.app
        try:
            data = request.json()
        except HttpError as error:
            return Response(400, {"error": error.message})
        if not isinstance(data, dict) or "advance" not in data:
            return Response(400, {"error": 'the body must be a JSON object {"advance": <seconds >= 0>}'})
        try:
            app.advance_clock(data["advance"])
        except ValueError as exc:
            return Response(400, {"error": str(exc)})
        return Response(200, clock_body(app))

    def _send(self, response: Response) -> None:
        payload, content_type = response.encode()
        self.send_response(response.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


def _body_length(header: str | None) -> tuple[int, Response | None]:
    """The length a Content-Length header gives, or a 400 / 413 answer for one that is not a length we read."""
    text = (header or "0").strip()
    if not text.isdigit():
        return 0, Response(400, {"error": f"Content-Length {text[:40]!r} is not a number of bytes"})
    if int(text) > MAX_BODY_BYTES:
        return 0, Response(413, {"error": f"a request body is at most {MAX_BODY_BYTES} bytes"})
    return int(text), None


def clock_body(app: EmulatorApp) -> dict[str, float]:
    """What the clock endpoint answers: emulated epoch seconds and the time scale."""
    return {"now": app.now(), "time_scale": app.clock.time_scale}


def _log_entry(request: Request) -> dict[str, Any]:
    """The request log's entry for a request: method, path, query, time, and what tells two calls apart."""
    entry: dict[str, Any] = {"method": request.method, "path": request.path, "query": request.query,
                             "time": time.time()}
    action = _action_of(request)
    if action:
        entry["action"] = action
    if request.body:
        # tells two calls with the same path apart (which object an action-RPC read names) without keeping it
        entry["body_digest"] = hashlib.sha256(bytes(request.body)).hexdigest()[:16]
    return entry


def _action_of(request: Request) -> str | None:
    """The `Action` of an action-RPC call (a JSON body naming it), for the request log."""
    if not request.body or "json" not in (request.header("content-type", "") or ""):
        return None
    try:
        body = request.json()
    except HttpError:
        return None
    action = body.get("Action") if isinstance(body, dict) else None
    return action if isinstance(action, str) else None


def _truncated(response: Response) -> Response:
    """The response with its body cut off halfway, as a connection lost mid-answer leaves it."""
    body, content_type = response.encode()
    return Response(response.status, body[: max(1, len(body) // 2)], dict(response.headers), content_type)


def serve_in_thread(server: EmulatorServer) -> threading.Thread:
    """Run a server in a daemon thread and return the thread."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return thread
