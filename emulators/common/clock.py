"""The one clock of an emulator: real time, sped up by `time_scale`, plus whatever tests stepped forward.

Every platform reads its emulated time here (through `EmulatorApp.now`), so objects that progress
(jobs, builds, memory saves, flows, migration tasks) and things that expire (sessions, tokens,
licenses) all move together when time is scaled or stepped.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable


def _seconds(value: Any, name: str) -> float:
    """A finite, non-negative number of seconds; anything else is a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, not {type(value).__name__}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
    return seconds


class Clock:
    """Emulated epoch seconds: wall time at start + elapsed real time * `time_scale` + stepped offset.

    `advance(seconds)` steps time forward at once; time never goes back. Safe to use from many threads.
    """

    def __init__(self, time_scale: float = 1.0, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic):
        scale = _seconds(time_scale, "time_scale")
        if scale <= 0:
            raise ValueError("time_scale must be positive")
        self._time_scale = scale
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._wall_start = float(wall())
        self._real_start = float(monotonic())
        self._offset = 0.0

    @property
    def time_scale(self) -> float:
        """How many emulated seconds pass per real second."""
        return self._time_scale

    @property
    def offset(self) -> float:
        """The emulated seconds stepped forward so far with `advance`."""
        with self._lock:
            return self._offset

    def now(self) -> float:
        """Emulated wall-clock time, seconds since the epoch."""
        with self._lock:
            return self._wall_start + (self._monotonic() - self._real_start) * self._time_scale + self._offset

    def advance(self, seconds: float) -> float:
        """Step emulated time forward by `seconds` (a number >= 0) and return the new `now()`."""
        step = _seconds(seconds, "advance")
        with self._lock:
            self._offset += step
        return self.now()

    def real_seconds(self, emulated: float) -> float:
        """How many real seconds pass while `emulated` seconds of emulated time do (without steps)."""
        return max(0.0, float(emulated)) / self._time_scale
