"""The state in SQL, for SQLite and PostgreSQL alike: the schema, its migrations and every query, written once.

The two dialects differ in two things only, which `Dialect` holds: how a query marks a parameter (`?` here, as
SQLite does; `%s` for psycopg) and the column type of a generated id. Times are ISO 8601 texts made by Python and
JSON values are texts, so nothing else depends on the database.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import getpass
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import StateError
from .backend import ApplyRecord, Backend, LedgerEntry, LockHolder, Suspension, canonical, public_values, utc_now
from .locking import refusal, wait_for

#: the table every version of the schema has: one row per migration applied
SCHEMA_VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                        " applied_at TEXT NOT NULL)")

#: the migrations, numbered from 1, each applied once and in order, in one transaction with its version row
MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        "CREATE TABLE ledger (owner TEXT NOT NULL, kind TEXT NOT NULL, identity TEXT NOT NULL, platform TEXT NOT NULL,"
        " applied TEXT NOT NULL, revision TEXT, applied_at TEXT NOT NULL,"
        " status TEXT NOT NULL CHECK (status IN ('intent', 'confirmed')), PRIMARY KEY (owner, kind, identity))",
        "CREATE TABLE applies (id {serial}, owner TEXT NOT NULL, revision TEXT, user_name TEXT NOT NULL,"
        " host TEXT NOT NULL, files TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, outcome TEXT,"
        " counts TEXT)",
        "CREATE INDEX applies_by_owner ON applies (owner, id)",
        "CREATE TABLE lock_holders (lock_key TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,"
        " files TEXT NOT NULL, started_at TEXT NOT NULL)",
        "CREATE TABLE suspensions (owner TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
        " reason TEXT NOT NULL, since TEXT NOT NULL, PRIMARY KEY (owner, kind, name))",
    ]),
    (2, [  # `reconciler suspend --for`, and the suspension a rollback holds until a newer commit arrives
        "ALTER TABLE suspensions ADD COLUMN expires_at TEXT",
        "ALTER TABLE suspensions ADD COLUMN until_revision TEXT",
        "ALTER TABLE suspensions ADD COLUMN user_name TEXT",
    ]),
]

LEDGER_COLUMNS = "owner, kind, platform, identity, applied, revision, applied_at, status"
APPLY_COLUMNS = "id, owner, revision, user_name, host, files, started_at, ended_at, outcome, counts"
SUSPENSION_COLUMNS = "owner, kind, name, reason, since, expires_at, until_revision, user_name"
#: what moving a state to another backend copies, table by table (who holds a lock is not copied: no apply runs)
KEPT_TABLES = {"ledger": LEDGER_COLUMNS, "applies": APPLY_COLUMNS, "suspensions": SUSPENSION_COLUMNS}


@dataclass(frozen=True)
class Dialect:
    """What the SQL of a database differs in: the parameter mark and the type of a generated id column."""

    parameter: str
    serial: str
    #: what brings the generator of `applies.id` past the ids copied into it, where it needs telling
    after_copy: str | None = None

    def sql(self, text: str) -> str:
        """A query written with `?` marks and `{serial}`, in this dialect."""
        return text.replace("{serial}", self.serial).replace("?", self.parameter)


SQLITE = Dialect(parameter="?", serial="INTEGER PRIMARY KEY AUTOINCREMENT")
POSTGRESQL = Dialect(parameter="%s", serial="BIGSERIAL PRIMARY KEY",
                     after_copy="SELECT setval(pg_get_serial_sequence('applies', 'id'), (SELECT MAX(id) FROM applies))")


def driver_reason(exc: BaseException) -> str:
    """What a driver's error says, on one line: its first (psycopg adds hints and details below it)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def current_user() -> str:
    """The name of the user running this process (its uid when it has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


class SqlStore(Backend):
    """A backend over a DB-API connection: a subclass opens it, runs a transaction and names its driver's errors."""

    def __init__(self, shown_url: str, dialect: Dialect, driver_errors: tuple[type[BaseException], ...]) -> None:
        self.shown_url = shown_url
        self.dialect = dialect
        #: the driver's exceptions, turned into StateError naming the backend
        self.driver_errors = driver_errors
        self._mutex = threading.RLock()
        #: how a lock waits for a held key: a test gives a clock and a sleep of its own, and waits for nothing
        self.clock: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], None] = time.sleep

    @abc.abstractmethod
    def _connection_transaction(self) -> contextlib.AbstractContextManager[Any]:
        """A transaction on the connection, yielding a cursor: committed at the end of the block, else rolled back."""

    def _guard_migration(self, cursor: Any) -> None:
        """Keep two processes from migrating at once (inside the migration's transaction); SQLite's BEGIN does."""

    @abc.abstractmethod
    def _try_key(self, key: str) -> bool:
        """Take the lock of `key` if it is free, without waiting; True when taken."""

    @abc.abstractmethod
    def _release_key(self, key: str) -> None:
        """Let go of the lock of `key`, taken by `_try_key`."""

    @contextlib.contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """One thing done with the driver at a time; its errors as StateError naming the backend."""
        with self._mutex:
            try:
                yield
            except self.driver_errors as exc:
                raise StateError([f"state backend {self.shown_url}: {driver_reason(exc)}"]) from None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """One transaction, one thread at a time; the driver's errors as StateError."""
        with self._driver_errors(), self._connection_transaction() as cursor:
            yield cursor

    @contextlib.contextmanager
    def lock(self, keys: list[str], holder: LockHolder, timeout: float = 0.0) -> Iterator[None]:
        taken: list[str] = []
        try:
            for key in sorted(set(keys)):
                if not wait_for(functools.partial(self._try_key, key), timeout, self.clock, self.sleep):
                    raise refusal(key, self._holder_of(key))
                taken.append(key)
                self._set_holder(key, holder)
            yield
        finally:
            for key in reversed(taken):
                with contextlib.suppress(StateError):
                    self._drop_holder(key, holder)
                self._release_key(key)

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[list[tuple[Any, ...]], int]:
        """One statement in a transaction of its own: its rows (none without a result) and its row count."""
        with self._transaction() as cursor:
            cursor.execute(self.dialect.sql(sql), params)
            return (list(cursor.fetchall()) if cursor.description else []), cursor.rowcount

    def migrate(self) -> int:
        with self._transaction() as cursor:
            self._guard_migration(cursor)
            cursor.execute(SCHEMA_VERSION_TABLE)
            cursor.execute("SELECT MAX(version) FROM schema_version")
            current = cursor.fetchone()[0] or 0
            newest = MIGRATIONS[-1][0]
            if current > newest:
                raise StateError([f"state backend {self.shown_url}: its schema is at version {current}, newer than "
                                  f"this converge knows ({newest}): upgrade converge"])
            for number, statements in MIGRATIONS[current:]:
                for statement in statements:
                    cursor.execute(self.dialect.sql(statement))
                cursor.execute(self.dialect.sql("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"),
                               (number, utc_now()))
        return newest

    # --- the ledger ----------------------------------------------------------------------------------------
    def ledger(self, owner: str, kind: str | None = None) -> list[LedgerEntry]:
        where, params = ("owner = ?", (owner,)) if kind is None else ("owner = ? AND kind = ?", (owner, kind))
        rows, _ = self._run(f"SELECT {LEDGER_COLUMNS} FROM ledger WHERE {where} ORDER BY kind, identity", params)
        return [LedgerEntry(owner=row[0], kind=row[1], platform=row[2], identity=json.loads(row[3]),
                            applied=json.loads(row[4]), revision=row[5], applied_at=row[6], status=row[7])
                for row in rows]

    def record_intent(self, owner: str, kind: str, platform: str, identity: Mapping[str, Any],
                      applied: Mapping[str, Any], revision: str | None, secrets: Collection[str] = ()) -> None:
        self._run(f"INSERT INTO ledger ({LEDGER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (owner, kind, identity) DO UPDATE SET platform = excluded.platform, "
                  "applied = excluded.applied, revision = excluded.revision, applied_at = excluded.applied_at, "
                  "status = excluded.status",
                  (owner, kind, platform, canonical(identity), canonical(public_values(applied, secrets)), revision,
                   utc_now(), "intent"))

    def confirm(self, owner: str, kind: str, identity: Mapping[str, Any], applied: Mapping[str, Any],
                secrets: Collection[str] = ()) -> None:
        _, count = self._run("UPDATE ledger SET applied = ?, applied_at = ?, status = ? "
                             "WHERE owner = ? AND kind = ? AND identity = ?",
                             (canonical(public_values(applied, secrets)), utc_now(), "confirmed", owner, kind,
                              canonical(identity)))
        if count == 0:
            raise StateError([f"state backend {self.shown_url}: owner {owner}: no intent recorded for {kind} "
                              f"{canonical(identity)}, nothing to confirm"])

    def forget(self, owner: str, kind: str, identity: Mapping[str, Any]) -> bool:
        _, count = self._run("DELETE FROM ledger WHERE owner = ? AND kind = ? AND identity = ?",
                             (owner, kind, canonical(identity)))
        return count > 0

    # --- the history ---------------------------------------------------------------------------------------
    def begin_apply(self, owner: str, revision: str | None, files: list[str]) -> int:
        user, host = current_user(), socket.gethostname()
        rows, _ = self._run("INSERT INTO applies (owner, revision, user_name, host, files, started_at) "
                            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            (owner, revision, user, host, json.dumps(files), utc_now()))
        return int(rows[0][0])

    def end_apply(self, apply_id: int, outcome: str, counts: Mapping[str, int]) -> None:
        self._run("UPDATE applies SET ended_at = ?, outcome = ?, counts = ? WHERE id = ?",
                  (utc_now(), outcome, canonical(counts), apply_id))

    def history(self, owner: str, limit: int = 20) -> list[ApplyRecord]:
        rows, _ = self._run(f"SELECT {APPLY_COLUMNS} FROM applies WHERE owner = ? ORDER BY id DESC LIMIT ?",
                            (owner, limit))
        return [ApplyRecord(id=row[0], owner=row[1], revision=row[2], user=row[3], host=row[4],
                            files=json.loads(row[5]), started_at=row[6], ended_at=row[7], outcome=row[8],
                            counts=json.loads(row[9]) if row[9] else {})
                for row in rows]

    # --- the suspensions -----------------------------------------------------------------------------------
    def suspend(self, owner: str, kind: str, name: str, reason: str, expires_at: str | None = None,
                until_revision: str | None = None, user: str | None = None) -> None:
        self._run(f"INSERT INTO suspensions ({SUSPENSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (owner, kind, name) DO UPDATE SET reason = excluded.reason, "
                  "expires_at = excluded.expires_at, until_revision = excluded.until_revision, "
                  "user_name = excluded.user_name",
                  (owner, kind, name, reason, utc_now(), expires_at, until_revision, user))

    def resume(self, owner: str, kind: str, name: str) -> bool:
        _, count = self._run("DELETE FROM suspensions WHERE owner = ? AND kind = ? AND name = ?", (owner, kind, name))
        return count > 0

    def suspensions(self, owner: str) -> list[Suspension]:
        rows, _ = self._run(f"SELECT {SUSPENSION_COLUMNS} FROM suspensions WHERE owner = ? "
                            "ORDER BY kind, name", (owner,))
        return [Suspension(*row) for row in rows]

    # --- who holds a lock ----------------------------------------------------------------------------------
    def _set_holder(self, key: str, holder: LockHolder) -> None:
        """Name `holder` as the holder of `key`, in place of whoever held it last."""
        self._run("INSERT INTO lock_holders (lock_key, host, pid, files, started_at) VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT (lock_key) DO UPDATE SET host = excluded.host, pid = excluded.pid, "
                  "files = excluded.files, started_at = excluded.started_at",
                  (key, holder.host, holder.pid, json.dumps(holder.files), holder.started_at))

    def _holder_of(self, key: str) -> LockHolder | None:
        """Who holds `key` (or held it last), as recorded."""
        rows, _ = self._run("SELECT host, pid, files, started_at FROM lock_holders WHERE lock_key = ?", (key,))
        return LockHolder(rows[0][0], rows[0][1], json.loads(rows[0][2]), rows[0][3]) if rows else None

    def _drop_holder(self, key: str, holder: LockHolder) -> None:
        """Take `holder`'s name off `key` (another's name, written since, stays)."""
        self._run("DELETE FROM lock_holders WHERE lock_key = ? AND host = ? AND pid = ?",
                  (key, holder.host, holder.pid))

    # --- moving a state to another backend -----------------------------------------------------------------
    def kept_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the tables a move copies, by table, as stored."""
        return {table: self._run(f"SELECT {columns} FROM {table}")[0] for table, columns in KEPT_TABLES.items()}

    def load(self, tables: Mapping[str, list[tuple[Any, ...]]]) -> None:
        """Write the rows `kept_rows` gave into this backend, which must hold no state yet: all or nothing."""
        with self._transaction() as cursor:
            for table in KEPT_TABLES:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                if cursor.fetchone()[0]:
                    raise StateError([f"state backend {self.shown_url}: it holds a state already (its {table} is "
                                      f"not empty): move a state only into a backend that holds none"])
            for table, columns in KEPT_TABLES.items():
                marks = ", ".join("?" for _ in columns.split(","))
                cursor.executemany(self.dialect.sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})"),
                                   tables.get(table, []))
            if self.dialect.after_copy:
                cursor.execute(self.dialect.after_copy)
