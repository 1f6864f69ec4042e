"""Connections to the platforms a run needs, including emulators started in-process (`embedded`)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Optional

from ansible_collections.converge.platforms.plugins.module_utils.client_base import Client
from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically
from ansible_collections.converge.platforms.plugins.module_utils.http import Redactor, redact_url

from .desired import DesiredState
from .errors import ConnectionProblem
from .platforms import kinds, platform

#: where an embedded emulator keeps its state, under the desired state's directory (`DesiredState.secret_root`)
EMBEDDED_STATE_DIR = Path(".converge") / "embedded"
EMBEDDED_CREDENTIALS = {"username": "admin", "password": "password"}


def keep_out_of_git(directory: Path) -> None:
    """A `.gitignore` of `*` in a directory of emulator state, which holds passwords in clear."""
    ignore = directory / ".gitignore"
    if not ignore.exists():
        write_atomically(str(ignore), "# emulator state written by the reconciler: never commit it\n*\n", 0o644)


class Session:
    """Clients per platform for one reconciler run; close() logs out and stops embedded emulators."""

    def __init__(self, desired: DesiredState, root: Optional[Path] = None):
        self.desired = desired
        #: the desired state's directory when its files are read elsewhere (a revision's, unpacked)
        self.root = root
        self.redact = Redactor()
        self._clients: dict[str, Client] = {}
        self._emulators: list[Any] = []
        self._lock = threading.Lock()

    def platforms_in_use(self) -> list[str]:
        known = kinds()
        return sorted({known[entry.kind].platform for entry in self.desired.entries})

    def connect(self) -> "Session":
        """Resolve secrets and build a client for each platform the entries use (no request yet)."""
        for name in self.platforms_in_use():
            self._clients[name] = self._build(name)
        return self

    def client(self, name: str) -> Client:
        """The platform's client, built on first use for a platform no entry names (prune reads it)."""
        with self._lock:
            if name not in self._clients:
                self._clients[name] = self._build(name)
            return self._clients[name]

    def requests_by_status(self) -> dict[str, dict[str, int]]:
        """Requests sent so far to each platform, by the HTTP status of their answer ("none": no answer)."""
        with self._lock:
            clients = dict(self._clients)
        return {name: client.status_counts() for name, client in sorted(clients.items())}

    def unreachable(self, name: str, error: Exception) -> str | None:
        """`file:line: endpoints.<name>: cannot reach <url> after N attempts: ...` for a transport error, else None."""
        if not getattr(error, "transport", False):
            return None
        endpoint = self.desired.endpoints[name]
        client = self._clients.get(name)
        url = (client.base_url if client is not None else None) or endpoint.data.get("url")
        attempts = getattr(error, "attempts", 1)
        return self.redact(f"{endpoint.file}:{endpoint.line}: endpoints.{name}: cannot reach {redact_url(url)} after "
                           f"{attempts} attempt{'s' if attempts != 1 else ''}: {error}")

    def _build(self, name: str) -> Client:
        endpoint = self.desired.endpoints[name]
        params = endpoint.resolve()
        if endpoint.embedded:
            try:
                params = self._embedded(name, params)
            except (OSError, ValueError) as exc:
                raise ConnectionProblem([f"{endpoint.file}:{endpoint.line}: endpoints.{name}.state_file: the embedded "
                                     f"emulator cannot start from it: {exc}"]) from None
        for key, option in platform(name).connection_argument_spec.items():
            # the embedded emulator's well-known default is no secret, and masking the word everywhere garbles output
            well_known = endpoint.embedded and params.get(key) == EMBEDDED_CREDENTIALS.get(key)
            if option.get("no_log") and params.get(key) and not well_known:
                self.redact.add(params[key])
            if key not in params and "default" in option:
                params[key] = option["default"]
        try:
            return platform(name).client_factory(params)
        except ValueError as exc:
            raise ConnectionProblem([f"{endpoint.file}:{endpoint.line}: endpoints.{name}: {exc}"])

    def embedded_state_file(self, name: str) -> Path:
        """Where the platform's embedded emulator keeps its state unless its endpoint names a `state_file`:
        `.converge/embedded/<platform>.json` under the desired state's directory, so the same files meet the same
        platform from any working directory (under the working directory when the state has no directory)."""
        return Path(self.root or self.desired.secret_root or ".") / EMBEDDED_STATE_DIR / f"{name}.json"

    def _embedded(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        """Start the platform's emulator in this process, keeping its state between runs."""
        import emulators

        state_file = Path(params.pop("state_file", None) or self.embedded_state_file(name))
        state_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        keep_out_of_git(state_file.parent)
        handle = emulators.start(name, port=0, state_file=str(state_file))
        self._emulators.append(handle)
        merged = dict(EMBEDDED_CREDENTIALS)
        merged.update({k: v for k, v in params.items() if k != "embedded" and v is not None})
        merged["url"] = handle.url
        return merged

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        for handle in self._emulators:
            handle.stop()
        self._clients.clear()
        self._emulators.clear()

    def __enter__(self) -> "Session":
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()
