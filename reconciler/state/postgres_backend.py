"""The `postgresql://...` backend, for teams: the same schema and queries as the file backend (state/sql.py), in
PostgreSQL through psycopg 3.

The lock of a key is a session-level `pg_try_advisory_lock` on the key's 64-bit number, taken on a connection of
its own (so the transactions of the state never touch it), tried again every `POLL_SECONDS` until the timeout.
Its holder's host, pid, files and start go to the `lock_holders` table, which names them to an apply refused.
A lock dies with its connection: an apply killed, or cut from the database, lets go of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import make_conninfo

from ..errors import StateError
from .locking import key_number
from .sql import POSTGRESQL, SqlStore, driver_reason

#: seconds to wait for the database to answer a connection, unless the URL says (connect_timeout=...)
CONNECT_SECONDS = 10
#: the advisory lock two processes migrating the same database at once take in turn
MIGRATION_KEY = "converge:schema-migration"


class PostgresBackend(SqlStore):
    """The state in a PostgreSQL database, shared by the machines that reach it."""

    def __init__(self, url: str, shown_url: str):
        super().__init__(shown_url, POSTGRESQL, (psycopg.Error,))
        self._url = url
        self._connection = self._connect()
        self._locker: psycopg.Connection[Any] | None = None

    def _connect(self) -> psycopg.Connection[Any]:
        """A new autocommit connection; StateError naming the URL (password masked) when there is none."""
        extra = {} if "connect_timeout" in self._url else {"connect_timeout": CONNECT_SECONDS}
        try:
            return psycopg.connect(make_conninfo(self._url, **extra), autocommit=True)
        except psycopg.Error as exc:
            reason = driver_reason(exc)
            password = urlsplit(self._url).password
            if password:
                reason = reason.replace(password, "********")
            raise StateError([f"state backend {self.shown_url}: cannot connect: {reason}"]) from None

    @contextlib.contextmanager
    def _connection_transaction(self) -> Iterator[Any]:
        with self._connection.transaction(), self._connection.cursor() as cursor:
            yield cursor

    def _guard_migration(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (key_number(MIGRATION_KEY),))

    def _lock_connection(self) -> psycopg.Connection[Any]:
        """The connection that holds the advisory locks (opened at the first lock)."""
        if self._locker is None:
            self._locker = self._connect()
        return self._locker

    def _try_key(self, key: str) -> bool:
        with self._driver_errors():
            row = self._lock_connection().execute("SELECT pg_try_advisory_lock(%s)", (key_number(key),)).fetchone()
        return bool(row and row[0])

    def _release_key(self, key: str) -> None:
        with contextlib.suppress(StateError), self._driver_errors():
            self._lock_connection().execute("SELECT pg_advisory_unlock(%s)", (key_number(key),))

    def close(self) -> None:
        if self._locker is not None:
            self._locker.close()  # its advisory locks go with it
            self._locker = None
        self._connection.close()
