"""The time a watch goes by: the wall clock, or, in tests, one they step (no test waits on the wall clock)."""

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


class SteppedClock:
    """A clock that moves only when stepped: a wait moves it by the seconds waited, at once."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.current = start
        self.waits: list[float] = []

    def now(self) -> float:
        return self.current

    def monotonic(self) -> float:
        return self.current

    def step(self, seconds: float) -> None:
        """Move the clock on by `seconds`."""
        self.current += seconds

    def wait(self, seconds: float, wake: threading.Event) -> bool:
        self.waits.append(seconds)
        if wake.is_set():
            return True
        self.current += max(0.0, seconds)
        return False
