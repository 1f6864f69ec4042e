"""Emulators of the platforms converge manages, written from their API documents.

`start(platform, port=0, **options)` runs one as a real HTTP server on 127.0.0.1 in a
background thread and returns an `EmulatorHandle`.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from .common.app import EmulatorOptions
from .common.server import EmulatorServer, serve_in_thread
from .registry import PLATFORMS, app_class

__all__ = ["EmulatorHandle", "EmulatorOptions", "PLATFORMS", "start"]


class EmulatorHandle:
    """A running emulator: its URL, its request log, its state, its clock, and `stop()`."""

    def __init__(self, platform: str, server: EmulatorServer):
        self.platform = platform
        self.server = server
        self.app = server.app
        self._thread = serve_in_thread(server)

    @property
    def url(self) -> str:
        """The emulator's base URL, http://127.0.0.1:<port>."""
        return self.server.url

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request log: method, path, query, status, time (and fault when one was injected)."""
        return self.server.log.entries()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.server.log.clear()

    def state(self) -> dict[str, Any]:
        """The emulator's whole model, as `GET /_emulator/state` answers it."""
        with self.app.lock:
            return self.app.export_state()

    def now(self) -> float:
        """The emulator's emulated time, seconds since the epoch."""
        return self.app.now()

    def advance_clock(self, seconds: float) -> float:
        """Step the emulator's clock forward by `seconds` (>= 0) and return the new emulated time.

        The same as `POST /_emulator/clock {"advance": seconds}`; raises ValueError on bad input.
        """
        return self.app.advance_clock(seconds)

    def set_faults(self, latency_ms: float | None = None, fault_rate: float | None = None,
                   seed: int | None = None, modes: Any = None, delay_s: float | None = None,
                   jitter_ms: float | None = None) -> None:
        """Change the injected latency, fault rate, fault seed or fault modes (None keeps the current value).

        `modes` are names of `emulators.common.server.FAULT_MODES` (503, drop, 504, 429, html, truncated,
        timeout, jitter, envelope, expire, restart); `delay_s` is how long a `timeout` holds its answer and
        `jitter_ms` the most a `jitter` delays one.
        """
        self.server.set_faults(latency_ms, fault_rate, seed, modes, delay_s, jitter_ms)

    def stop(self) -> None:
        """Stop as `converge-emulator` does on SIGTERM (the state file written a last time); close the port."""
        self.server.stop()
        self._thread.join(timeout=5)

    def __enter__(self) -> "EmulatorHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_options(**options: Any) -> EmulatorOptions:
    """EmulatorOptions from keyword arguments; unknown names go to `extra`."""
    known = {f.name for f in fields(EmulatorOptions)}
    extra = {k: v for k, v in options.items() if k not in known}
    base = {k: v for k, v in options.items() if k in known and v is not None}
    return EmulatorOptions(**base, extra=extra)


def start(platform: str, port: int = 0, **options: Any) -> EmulatorHandle:
    """Start one platform's emulator on 127.0.0.1 (port 0 picks a free port)."""
    opts = build_options(port=port, **options)
    app = app_class(platform)(opts)
    return EmulatorHandle(platform, EmulatorServer(app))
