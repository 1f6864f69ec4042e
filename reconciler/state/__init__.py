"""converge's own state: per owner the ledger of the objects it created or adopted, the history of its applies,
the lock of each endpoint and the suspensions, in a backend chosen by URL (`--state URL` or `CONVERGE_STATE`):

- `file://PATH` (the default, PATH being the desired state's `.converge/state/`): SQLite, for one machine;
- `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`: PostgreSQL, for a team whose machines apply the same
  endpoints (the lock then reaches across machines).

`open_backend` opens the backend and brings its schema up to date, so a backend that cannot be reached or used
fails with StateError before anything else is done.
"""

from __future__ import annotations

import os
from pathlib import Path

from ansible_collections.converge.platforms.plugins.module_utils.http import redact_url

from ..errors import StateError
from .backend import ApplyRecord, Backend, LedgerEntry, LockHolder, Suspension, public_values
from .sqlite_backend import STATE_DIR, FileBackend

__all__ = ["ApplyRecord", "Backend", "LedgerEntry", "LockHolder", "STATE_VARIABLE", "StateError", "Suspension",
           "open_backend", "public_values", "state_url"]

#: the environment variable naming the state backend when `--state` is not given
STATE_VARIABLE = "CONVERGE_STATE"
FILE_SCHEME = "file://"
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")


def state_url(option: str | None) -> str | None:
    """The backend's URL: `--state` when given, else `CONVERGE_STATE`, else None (the file default)."""
    return option or os.environ.get(STATE_VARIABLE) or None


def file_directory(url: str | None, root: Path) -> Path:
    """The directory of a file backend: `root`'s `.converge/state/` for None, else the PATH of `file://PATH`
    (`~` expanded; a relative PATH is taken from `root`, the desired state's directory)."""
    if url is None:
        return root / STATE_DIR
    path = Path(url[len(FILE_SCHEME):]).expanduser()
    return path if path.is_absolute() else root / path


def open_backend(url: str | None, root: Path, create: bool = True) -> Backend:
    """The backend `url` names (None: the file backend under `root`), opened and migrated. With `create` false
    (a run that only reads) a file state not yet made is read as empty, and nothing is made on disk.

    Raises StateError, naming the URL with its password masked, when the URL is of no known kind or the backend
    cannot be reached or used.
    """
    backend: Backend
    if url is None or url.startswith(FILE_SCHEME):
        directory = file_directory(url, root)
        backend = FileBackend(directory, url or f"{FILE_SCHEME}{directory}", create)
    elif url.startswith(POSTGRESQL_SCHEMES):
        from .postgres_backend import PostgresBackend  # psycopg is imported only by those who use it

        backend = PostgresBackend(url, redact_url(url))
    else:
        raise StateError([f"state backend {redact_url(url)}: not a URL of a state backend: give file://PATH or "
                          f"postgresql://USER@HOST/DATABASE"])
    try:
        backend.migrate()
    except BaseException:
        backend.close()
        raise
    return backend
