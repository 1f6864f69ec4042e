"""A real PostgreSQL for the tests: a private cluster per test session, a fresh database per test.

The cluster is made by `initdb` in a temporary directory (trust authentication, superuser `converge`) and started
by `pg_ctl` on 127.0.0.1 and a free port, its socket in the same directory; it is stopped and removed at the end.
`initdb` refuses to run as root: as root, the PostgreSQL commands run as the unprivileged user `postgres`
(Debian's package makes it), which owns the directory. `.ci/run` installs Debian's `postgresql` when no `initdb`
is found.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: the unprivileged user the PostgreSQL commands run as when the tests run as root
UNPRIVILEGED_USER = "postgres"
SUPERUSER = "converge"
_numbers = itertools.count(1)


def pg_bin(name: str) -> str:
    """The path of a PostgreSQL command: on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin/."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=debian_version)
    if not candidates:
        pytest.fail(f"PostgreSQL's {name} is not installed: install Debian's postgresql (.ci/run does: "
                    f"apt-get install -y --no-install-recommends postgresql)")
    return candidates[-1]


def debian_version(path: str) -> int:
    """The major version of a command under /usr/lib/postgresql/<version>/bin/ (0 when it is no number)."""
    version = Path(path).parent.parent.name
    return int(version) if version.isdigit() else 0


def as_owner() -> list[str]:
    """The prefix that runs a command as the cluster's owner: none, or `runuser`/`setpriv` to `postgres` as root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", UNPRIVILEGED_USER, "--"]
    return ["setpriv", f"--reuid={UNPRIVILEGED_USER}", f"--regid={UNPRIVILEGED_USER}", "--init-groups"]


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on (now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """A private PostgreSQL cluster: its directory, its port, and the URL of its `postgres` database."""

    directory: Path
    port: int = 0

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        """The URL of a database of the cluster (trust authentication: any password is accepted)."""
        login = SUPERUSER if password is None else f"{SUPERUSER}:{password}"
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}"

    def run(self, *command: str) -> None:
        """Run a PostgreSQL command as the cluster's owner; a failure fails the test with its output."""
        proc = subprocess.run([*as_owner(), *command], cwd=self.directory, capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{tail}")

    def initdb(self) -> None:
        """Make the cluster's data directory: trust authentication, superuser `converge`, no locale."""
        self.run(pg_bin("initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                 "--no-locale", "--no-sync")

    def start(self) -> None:
        """Start the server on 127.0.0.1 and a free port, its socket in the cluster's directory."""
        self.port = free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        self.run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"), "-w",
                 "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        """Stop the server at once (its data is thrown away next)."""
        subprocess.run([*as_owner(), pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                       cwd=self.directory, capture_output=True, check=False)


def make_directory() -> Path:
    """A temporary directory for the cluster, owned by the user the PostgreSQL commands run as."""
    directory = Path(tempfile.mkdtemp(prefix="converge-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    return directory


@pytest.fixture(scope="session")
def postgresql() -> Iterator[Cluster]:
    """A private PostgreSQL cluster for the test session (one per xdist worker), stopped and removed at the end."""
    cluster = Cluster(make_directory())
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.directory, ignore_errors=True)


@pytest.fixture
def postgresql_database(postgresql: Cluster) -> Iterator[str]:
    """The URL of a fresh database of the session's cluster, dropped after the test."""
    import psycopg

    name = f"test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(postgresql.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield postgresql.url(name)
    with psycopg.connect(postgresql.url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
