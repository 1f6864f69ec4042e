"""The base of every platform emulator: options, clock, state hooks and the control API."""

from __future__ import annotations

import functools
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically

from .clock import Clock
from .http import READ_METHODS, HttpError, Request, Response, Router
from .ids import IdSource
from .model import SavedModel


@dataclass
class EmulatorOptions:
    """Everything `converge-emulator` and `emulators.start` accept."""

    host: str = "127.0.0.1"
    port: int = 0
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    #: which faults `fault_rate` draws from (see emulators.common.server.FAULT_MODES); all by default
    fault_modes: tuple[str, ...] | None = None
    #: how long a `timeout` fault holds its answer: longer than the client's read timeout
    fault_delay_s: float = 2.0
    #: the most a `jitter` fault delays an answer
    jitter_ms: float = 200.0
    seed: int | None = None
    time_scale: float = 1.0
    state_file: str | None = None
    fixtures_file: str | None = None
    username: str = "admin"
    password: str = "password"
    #: PEM certificate chain and key: with both, the emulator answers HTTPS only
    tls_cert: str | None = None
    tls_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class EmulatorApp(ABC):
    """Subclasses set `platform` and `default_port`, build routes and own their state.

    All handlers run under `self.lock`, so the state needs no locking of its own. Every platform
    reads emulated time through `now()` (the one `Clock`), and tests step it with `advance_clock`, and
    draws every identifier it hands out from `ids` (the one `IdSource`), whose position is saved with
    the state: an emulator started again from its state file goes on with its identifiers.
    """

    platform = ""
    default_port = 0
    #: the platform's model, set by the platform (each names its own type)
    state: SavedModel

    def __init__(self, options: EmulatorOptions):
        self.options = options
        self.clock = Clock(options.time_scale)
        self.ids = IdSource(options.seed)
        #: set by `close`: the emulator is stopping and handles no more requests
        self.closed = False
        self.lock = threading.RLock()
        self.router = Router()
        self.fixtures = self.load_fixtures(options.fixtures_file)
        self.register_routes(self.router)
        self.reset()
        if options.state_file and Path(options.state_file).exists():
            import json

            self.import_state(json.loads(Path(options.state_file).read_text(encoding="utf-8")))

    # --- hooks for each platform -------------------------------------------------------
    @abstractmethod
    def register_routes(self, router: Router) -> None:
        """Add the platform's routes to the router."""

    @abstractmethod
    def reset(self) -> None:
        """Return to the built-in objects plus the fixtures."""

    def export_state(self) -> dict[str, Any]:
        """The whole model as JSON-able data (the platform's `state.export()`), the position of the
        identifier generator under `ids`."""
        data = self.state.export()
        data["ids"] = self.ids.export()
        return data

    def import_state(self, data: dict[str, Any]) -> None:
        """Replace the model with what `export_state` produced (the platform's `state.restore()`) and go on
        with the identifiers where they stopped. No identifier the data holds is handed out again, even from
        data without a generator position (a state file of an earlier version). ValueError on bad data."""
        if not isinstance(data, dict):
            raise ValueError(f"{self.platform} state: a JSON object is expected, not {type(data).__name__}")
        self.ids.restore(data.get("ids"), data)
        self.state.restore(data)

    def internal_error(self, exc: Exception) -> Response:
        """How the platform answers a fault of its own (a 500 in its error shape); platforms override this."""
        return Response(500, {"error": f"internal error: {type(exc).__name__}: {exc}"})

    def guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """The handler, with any unexpected fault answered by `internal_error`, as a server bug would be."""

        @functools.wraps(handler)
        def guarded(request: Request) -> Response:
            try:
                return handler(request)
            except HttpError:
                raise
            except Exception as exc:  # noqa: BLE001 - the boundary where any fault becomes a 500
                return self.internal_error(exc)

        return guarded

    def control(self, name: str, request: Request) -> Response | None:
        """A control endpoint of the platform's own, `/_emulator/<name>`, or None when it has none of that name
        and method; platforms with switches tests set at run time (OpenDCP's VM manager) override this."""
        return None

    def error_response(self, error: HttpError, request: Request) -> Response:
        """Shape an error the way the platform does; platforms override this."""
        body = error.body if error.body is not None else {"error": error.message}
        return Response(error.status, body)

    def fault_response(self, request: Request) -> Response:
        """What an injected failure looks like: a bare 503 as from a proxy in front of the API."""
        return Response(503, "Service Unavailable (injected fault)", content_type="text/plain")

    def envelope_error(self, request: Request) -> Response:
        """The `envelope` fault: HTTP 200 whose body is the platform's own internal error; platforms override this."""
        return Response(200, {"error": "internal error (injected fault)"})

    def expire_credentials(self) -> None:  # noqa: B027 - a hook with nothing to do where there is no login
        """The `expire` fault: every session and token ends now. Platforms without a login have nothing to expire."""

    def restart(self) -> None:
        """The `restart` fault: as a restart with `--state`, the model is saved, forgotten and read back.

        What `export_state` holds survives (sessions and tokens included where the platform keeps them);
        nothing else does.
        """
        import json

        with self.lock:
            saved = json.loads(json.dumps(self.export_state()))
            self.save_state()
            self.reset()
            self.import_state(saved)

    # --- shared ---------------------------------------------------------------------------
    def now(self) -> float:
        """Emulated time, seconds since the epoch: the one clock every platform's state reads."""
        return self.clock.now()

    def advance_clock(self, seconds: float) -> float:
        """Step emulated time forward by `seconds` (a number >= 0) and return the new `now()`.

        Objects that progress (jobs, builds, saves, flows, tasks) and things that expire (sessions,
        tokens, licenses) see the new time on their next request. Raises ValueError on bad input.
        """
        with self.lock:
            return self.clock.advance(seconds)

    @staticmethod
    def load_fixtures(path: str | None) -> dict[str, Any]:
        """The fixtures file as a mapping (empty without a path)."""
        if not path:
            return {}
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: fixtures must be a mapping")
        return data

    def save_state(self) -> None:
        """Write the model to the state file, atomically, when there is one."""
        if not self.options.state_file:
            return
        import json

        # the state holds the platform's passwords in clear: readable by its owner alone (write_atomically's 0600)
        write_atomically(self.options.state_file, json.dumps(self.export_state(), indent=1, sort_keys=True))

    def serve(self, request: Request) -> Response | None:
        """Dispatch a request; when it may have changed the model, write the state file before it is answered.

        A request may have changed the model when it is a write or when it drew an identifier (OSG view and
        OpenDCP also take writes by GET), so no identifier is answered that the state file does not hold.
        None once `close` has run: the request is not handled.
        """
        with self.lock:
            if self.closed:
                return None
            drawn = self.ids.drawn
            response = self.dispatch(request)
            if request.method not in READ_METHODS or self.ids.drawn != drawn:
                self.save_state()
            return response

    def close(self) -> None:
        """Handle no more requests and write the state file a last time, as a server stopped by SIGTERM does.

        Taken under the lock, after any request being handled: the file then holds every change answered,
        reads that changed the model (a flow moved on, a GET that wrote) included.
        """
        with self.lock:
            self.closed = True
            self.save_state()

    def dispatch(self, request: Request) -> Response:
        """Resolve and run a handler, turning HttpError into the platform's error shape."""
        try:
            handler = self.router.resolve(request)
            with self.lock:
                return handler(request)
        except HttpError as error:
            return self.error_response(error, request)
