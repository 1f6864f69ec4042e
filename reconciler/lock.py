"""One apply at a time per endpoint, on one machine: an advisory lock file per endpoint an apply writes to.

As Terraform locks its state for `apply`, an apply here takes an exclusive `flock` on a file per endpoint
(named by a digest of its URL) before it plans, and holds it until it has applied. A second apply that
shares an endpoint with a running one is refused at once, naming the holder, or waits up to
`lock_timeout` seconds for it. `plan` takes no lock: it writes nothing.

The lock reaches the applies of one machine (one CI runner, one AWX execution node). None of the five
platforms offers a lock of its own, so applies from two machines must be kept apart by the pipeline (a
concurrency group): see docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .desired import Endpoint
from .errors import LockHeld, LockProblem

#: seconds between two tries while waiting for a lock
POLL_SECONDS = 0.2


def lock_dir() -> Path:
    """Where the lock files live, checked to be ours: `CONVERGE_LOCK_DIR`, else `$XDG_RUNTIME_DIR/converge-locks`,
    else `converge-locks-<uid>` under the temp dir.

    The directory is made 0700 when missing. One that is a symlink, is not a directory, belongs to another
    user or lets others in (group or other permission bits) is refused with LockProblem: in a shared temp
    dir another user could have made it first, to read or replace what an apply writes there.
    """
    configured = os.environ.get("CONVERGE_LOCK_DIR")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if configured:
        path = Path(configured)
    elif runtime and os.path.isdir(runtime):
        path = Path(runtime) / "converge-locks"
    else:
        path = Path(tempfile.gettempdir()) / f"converge-locks-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)
    problem = _not_ours(path)
    if problem:
        raise LockProblem([f"lock directory {path}: {problem}; remove it, or set CONVERGE_LOCK_DIR to a "
                             f"directory of your own with mode 0700"])
    return path


def _not_ours(path: Path) -> str | None:
    """Why `path` is not a private directory of this user, or None when it is."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_uid != os.getuid():
        return f"belongs to uid {info.st_uid}, not to this user (uid {os.getuid()})"
    if info.st_mode & 0o077:
        return f"has mode {stat.S_IMODE(info.st_mode):04o}, open to other users"
    return None


def endpoint_key(endpoint: Endpoint) -> str:
    """What identifies the platform an endpoint writes to: its URL, or the embedded emulator's state directory."""
    url = endpoint.data.get("url")
    if isinstance(url, str) and url.strip():
        return url.strip().rstrip("/").lower()
    return f"embedded:{endpoint.platform}:{Path.cwd()}"


@contextlib.contextmanager
def apply_lock(endpoints: dict[str, Endpoint], files: list[str], timeout: float = 0.0) -> Iterator[None]:
    """Hold the lock of every endpoint (in a fixed order, so two applies never deadlock) for the block.

    Raises LockHeld naming the endpoint and the apply holding it when a lock is not free within
    `timeout` seconds.
    """
    held: list[Any] = []
    try:
        for name, endpoint in sorted(endpoints.items(), key=lambda item: endpoint_key(item[1])):
            held.append(_acquire(name, endpoint, files, timeout))
        yield
    finally:
        for handle in reversed(held):
            handle.close()  # closing the file releases its flock


def _acquire(name: str, endpoint: Endpoint, files: list[str], timeout: float) -> Any:
    key = endpoint_key(endpoint)
    path = lock_dir() / (hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".lock")
    # never through a symlink, whoever planted it; closed with the handle, which holds the lock
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise LockProblem([f"{endpoint.file}:{endpoint.line}: endpoints.{name}: cannot open the lock file "
                             f"{path}: {exc.strerror}"]) from None
    handle = os.fdopen(descriptor, "r+", encoding="utf-8")
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(handle)
                handle.close()
                raise LockHeld([f"{endpoint.file}:{endpoint.line}: endpoints.{name}: another apply is "
                                     f"running against {key} ({holder}); wait for it to end, or give "
                                     f"--lock-timeout SECONDS to wait for it"]) from None
            time.sleep(POLL_SECONDS)
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "files": files,
                             "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
    handle.flush()
    return handle


def _holder(handle: Any) -> str:
    """Who holds a lock, as its file says."""
    try:
        handle.seek(0)
        info = json.loads(handle.read() or "{}")
    except (OSError, ValueError):
        info = {}
    return holder_text(info)


def holder_text(info: Any) -> str:
    """A lock's holder as a refused apply names it, from its `pid`, `host`, `since` and `files`."""
    if not isinstance(info, dict) or "pid" not in info:
        return "holder unknown"
    return f"pid {info['pid']} on {info.get('host', '?')} since {info.get('since', '?')}, " \
           f"files {', '.join(info.get('files') or []) or '?'}"
