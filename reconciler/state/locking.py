"""What the locks of every backend share: the wait for a held key, its refusal, and the number of a key.

The wait takes its clock and its sleep as arguments, so that a test can run it without waiting.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from ansible_collections.converge.platforms.plugins.module_utils.http import redact_url

from ..errors import LockHeld
from .backend import LockHolder

#: seconds between two tries while waiting for a key (the one-machine lock's pace)
POLL_SECONDS = 0.2


def wait_for(try_once: Callable[[], bool], timeout: float, clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> bool:
    """Call `try_once` until it returns True, or `timeout` seconds have gone by (by `clock`); True when it did.

    It is tried once at least, and once more at the deadline; between two tries `sleep` waits `POLL_SECONDS`
    (or what is left until the deadline, when less).
    """
    deadline = clock() + max(0.0, timeout)
    while True:
        if try_once():
            return True
        left = deadline - clock()
        if left <= 0:
            return False
        sleep(min(POLL_SECONDS, left))


def key_number(key: str) -> int:
    """A signed 64-bit number for a key (the first 8 bytes of its SHA-256): a PostgreSQL advisory lock's id."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)


def key_file_name(key: str) -> str:
    """The name of a key's lock file: a digest of the key, as the one-machine lock names its files."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".lock"


def refusal(key: str, holder: LockHolder | None) -> LockHeld:
    """The error of an apply refused a key, naming the apply that holds it (when it is known)."""
    named = holder.describe() if holder else "holder unknown"
    return LockHeld([f"another apply is running against {redact_url(key)} ({named}); wait for it to end, or "
                     f"give --lock-timeout SECONDS to wait for it"])
