"""The reconciler's errors: each says what went wrong in lines meant for a person, `file:line: reason` where a
file is to blame.

`ReconcilerError` is the family; a caller catches the member it means:

- `DocumentError`: a desired-state, endpoints or saved-plan file is wrong (its shape, values, references, secrets).
- `ConnectionProblem`: an endpoint's client cannot be built, or its embedded emulator cannot start.
- `LockProblem`: the lock directory or a lock file cannot be used; `LockHeld`: another apply holds the lock.
- `StalePlan`: a saved plan no longer matches the files or the live state it was made from.
- `StateError`: the state backend (`--state`) cannot be reached or used.
"""

from __future__ import annotations


class ReconcilerError(Exception):
    """One or more problems, each a line for the user (`file:line: reason` where a file is to blame)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class DocumentError(ReconcilerError):
    """A file given to the reconciler is wrong: `file:line: reason` problems, all of them at once."""


class ConnectionProblem(ReconcilerError):
    """An endpoint cannot be connected to: its client refused its options, or its embedded emulator did not start."""


class LockProblem(ReconcilerError):
    """The lock of an endpoint cannot be taken: its directory is not this user's, or its file cannot be opened."""


class LockHeld(LockProblem):
    """Another apply holds the lock of an endpoint (and did not let go within the lock timeout)."""


class StalePlan(ReconcilerError):
    """A saved plan that no longer says what applying would do: a file or the live state moved since."""


class StateError(ReconcilerError):
    """The state backend cannot be reached or used: each problem names its URL, the password masked."""
