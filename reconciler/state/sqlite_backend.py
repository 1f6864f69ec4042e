"""The `file://PATH` backend, for one machine: SQLite (the standard library's sqlite3) at `PATH/state.db`.

The directory (by default the desired state's `.converge/state/`) is made with mode 0700 and a `.gitignore` of
`*`, as the embedded emulators' state is: the state names objects and is the business of this machine only.
Every write is a transaction of its own, synced to disk as it commits (a write-ahead log, `synchronous=FULL`).
The lock of a key is an exclusive `flock` on a file of `PATH/locks/` (named by a digest of the key, as the
one-machine lock names its files), held while the apply runs; the row of the key in `lock_holders` names the
apply holding it to the one refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically

from ..errors import StateError
from .locking import key_file_name
from .sql import SQLITE, SqlStore

#: where the file backend keeps the state by default, under the desired state's directory
STATE_DIR = Path(".converge") / "state"
DATABASE = "state.db"
LOCKS_DIR = "locks"
#: seconds a write waits for another process's write to the same database before it fails
BUSY_SECONDS = 30.0


def prepare(directory: Path) -> None:
    """Make the state directory and its locks directory (mode 0700) when missing, with a `.gitignore` of `*`."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    (directory / LOCKS_DIR).mkdir(mode=0o700, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        write_atomically(str(ignore), "# converge's state (ledger, history, locks): never commit it\n*\n", 0o644)


class FileBackend(SqlStore):
    """The state in a SQLite database of a local directory."""

    def __init__(self, directory: Path, shown_url: str, create: bool = True):
        """Open the state in `directory`; with `create` false (a run that only reads, as `plan`) a state not yet made
        is read as an empty one in memory, and nothing is made on disk (the checkout may be read-only)."""
        super().__init__(shown_url, SQLITE, (sqlite3.Error,))
        self.directory = directory
        self._lock_files: dict[str, IO[str]] = {}
        database = directory / DATABASE
        try:
            if create:
                prepare(directory)
            location = str(database) if create or database.exists() else ":memory:"
            self._connection = sqlite3.connect(location, timeout=BUSY_SECONDS, isolation_level=None,
                                               check_same_thread=False)
            if create:
                # a write-ahead log synced at each commit: as durable as the rollback journal, with one fsync a
                # write instead of three (an intent and its confirm cost 0.7 ms, not 2.7: docs/performance.md)
                self._connection.execute("PRAGMA journal_mode=WAL")
                self._connection.execute("PRAGMA synchronous=FULL")
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StateError([f"state backend {shown_url}: cannot open {database}: {reason}"]) from None

    @contextlib.contextmanager
    def _connection_transaction(self) -> Iterator[Any]:
        cursor = self._connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")  # takes the write lock at once: two writers never deadlock
            try:
                yield cursor
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        finally:
            cursor.close()

    def _try_key(self, key: str) -> bool:
        path = self.directory / LOCKS_DIR / key_file_name(key)
        try:  # never through a symlink, whoever planted it
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StateError([f"state backend {self.shown_url}: cannot open the lock file {path}: "
                              f"{exc.strerror}"]) from None
        handle = os.fdopen(descriptor, "r+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._lock_files[key] = handle
        return True

    def _release_key(self, key: str) -> None:
        handle = self._lock_files.pop(key, None)
        if handle is not None:
            handle.close()  # closing the file lets go of its flock

    def close(self) -> None:
        for key in list(self._lock_files):
            self._release_key(key)
        self._connection.close()
