"""Suspensions: what `reconciler suspend` sets aside, kept in the state backend so that every runner sees it.

A suspension names its target as `--target` does (`KIND` or `KIND/NAME`), or the whole owner (`*`). It lasts
until `reconciler resume`, until `--for DURATION` has passed (`expires_at`), or, for the one a rollback sets,
until the branch moves past the head it saw (`until_revision`). Each cycle of a watch reads them (`sweep`):
an expired one is lifted, and said so, before anything is planned.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, Optional

from ..state import Backend
from ..state.backend import Suspension

#: the kind and name of a suspension of every entry of the owner
EVERYTHING = "*"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"^(?:\d+[smhd])+$")


def parse_duration(text: str) -> int:
    """Seconds of a duration such as `90s`, `30m`, `2h` or `1h30m`; ValueError naming the forms otherwise."""
    cleaned = text.strip().lower()
    if not DURATION.match(cleaned) or not any(int(n) for n, _ in re.findall(r"(\d+)([smhd])", cleaned)):
        raise ValueError(f"{text!r} is not a duration: give a number and a unit, as 90s, 30m, 2h or 1h30m")
    return sum(int(number) * UNITS[unit] for number, unit in re.findall(r"(\d+)([smhd])", cleaned))


def iso(seconds: float) -> str:
    """A time as the state keeps it: ISO 8601, UTC, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def target_of(suspension: Suspension) -> Optional[str]:
    """The `--target` a suspension holds (`KIND` or `KIND/NAME`), None for the whole owner."""
    if suspension.kind == EVERYTHING:
        return None
    return suspension.kind if suspension.name == EVERYTHING else f"{suspension.kind}/{suspension.name}"


def key_of(target: Optional[str]) -> tuple[str, str]:
    """The (kind, name) a suspension of `target` is kept under."""
    if not target:
        return EVERYTHING, EVERYTHING
    kind, _, name = target.partition("/")
    return kind, name or EVERYTHING


def describe(suspension: Suspension) -> str:
    """`suspended by USER since T until T: REASON`, as a held change and the status say it."""
    until = f" until {suspension.expires_at}" if suspension.expires_at else ""
    if suspension.until_revision:
        until += f" until a commit after {suspension.until_revision[:12]}"
    who = f" by {suspension.user}" if suspension.user else ""
    return f"suspended{who} since {suspension.since}{until}: {suspension.reason}"


@dataclass(frozen=True)
class Lifted:
    """A suspension a watch lifted itself, and why."""

    suspension: Suspension
    why: str

    def describe(self) -> str:
        target = target_of(self.suspension) or "everything"
        return f"the suspension of {target} ({self.suspension.reason}) {self.why}: lifted"


class Active:
    """The suspensions in force for one cycle."""

    def __init__(self, suspensions: list[Suspension]) -> None:
        self.suspensions = suspensions

    @property
    def everything(self) -> Optional[Suspension]:
        """The suspension of the whole owner, if any."""
        return next((s for s in self.suspensions if target_of(s) is None), None)

    def covering(self, names: Callable[[str], bool]) -> Optional["Covering"]:
        """The suspension that holds an entry (`names(target)` says whether a target names it), if any."""
        for suspension in self.suspensions:
            target = target_of(suspension)
            if target is None or names(target):
                return Covering(suspension)
        return None


@dataclass(frozen=True)
class Covering:
    """A suspension as the reason of a held change."""

    suspension: Suspension

    def describe(self) -> str:
        return describe(self.suspension)


def expired_why(suspension: Suspension, now: float, revision: Optional[str]) -> Optional[str]:
    """Why a suspension no longer holds (its time passed, the branch moved past it), None while it holds."""
    if suspension.expires_at and suspension.expires_at <= iso(now):
        return f"expired at {suspension.expires_at}"
    if suspension.until_revision and revision and revision != suspension.until_revision:
        return f"ended: the branch moved from {suspension.until_revision[:12]} to {revision[:12]}"
    return None


def sweep(backend: Backend, owner: str, now: float, revision: Optional[str] = None) -> tuple[Active, list[Lifted]]:
    """The owner's suspensions in force at `now` (UTC seconds), and those lifted here because they ended."""
    active, lifted = [], []
    for suspension in backend.suspensions(owner):
        why = expired_why(suspension, now, revision)
        if why is None:
            active.append(suspension)
        elif backend.resume(owner, suspension.kind, suspension.name):
            lifted.append(Lifted(suspension, why))
    return Active(active), lifted
