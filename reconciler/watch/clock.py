"""The time a watch goes by: the wall clock (tests give a watch one they step: tests/watch_support.py, so no
test waits on the wall clock)."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """What a watch asks of time."""

    def now(self) -> float:
        """Seconds since the epoch, UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for durations)."""
        ...

    def wait(self, seconds: float, wake: threading.Event) -> bool:
        """Wait up to `seconds`, or until `wake` is set; True when it was set."""
        ...


class WallClock:
    """The machine's clock."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float, wake: threading.Event) -> bool:
        return wake.wait(max(0.0, seconds))
