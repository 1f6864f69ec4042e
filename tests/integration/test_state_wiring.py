"""converge's own state in plan and apply: `--state URL` / `CONVERGE_STATE`, the ledger around every write, the
history of applies, and the lock of an endpoint across machines (reconciler/recording.py)."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.http import redact_url

import emulators
from reconciler.api import Options, apply, plan, reconcile
from reconciler.recording import revision_of
from reconciler.state import open_backend
from tests.contract.platforms import endpoint
from tests.integration.test_kill import is_write
from tests.postgres import free_port
from tests.support import BIN, ansible_env, run_cli, writes

pytestmark = pytest.mark.slow
OWNER = "team-a"
CONNECTION = {"name": "openstack-prod", "cloud_type": "Openstack", "project_name": "admin", "cloud_user": "admin",
              "cloud_password": "password", "address": "127.0.0.1", "identity_port": 5000}
SERVERS = [{"name": "transport-cloud", "server_type": "Cloud", "cloud": "openstack-prod", "address": "127.0.0.2"},
           {"name": "transport-dc1", "server_type": "On-Premises", "address": "127.0.0.3"}]


@pytest.fixture
def migration():
    """A fresh migration emulator."""
    handle = emulators.start("migration", port=0)
    yield handle
    handle.stop()


@pytest.fixture(params=["file", "postgresql"])
def state(request, tmp_path) -> str:
    """The URL of a fresh state: a directory of the test's own, or a database of its own."""
    if request.param == "file":
        return f"file://{tmp_path / 'state'}"
    return str(request.getfixturevalue("postgresql_database"))


def site(path: Path, url: str, connections=(CONNECTION,), servers=()) -> str:
    """A desired state of cloud connections and transport servers for the migration emulator at `url`."""
    resources = {"migration_cloud_connection": [dict(c) for c in connections]}
    if servers:
        resources["migration_transport_server"] = [dict(s) for s in servers]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"version": 1, "endpoints": {"migration": endpoint("migration", url)},
                                    "settings": {"owner": OWNER, "inline_secrets": True},
                                    "resources": resources}, sort_keys=False), encoding="utf-8")
    return str(path)


def raw_rows(url: str, root: Path, table: str) -> list[tuple]:
    """Every row of a table of the state, as the database holds it."""
    with open_backend(url, root) as backend:
        return backend._run(f"SELECT * FROM {table}")[0]


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"], ["graph", "--plan"]])
def test_a_state_that_cannot_be_reached_fails_before_any_platform_request(command, migration, tmp_path):
    path = site(tmp_path / "site.yml", migration.url)
    url = f"postgresql://converge:hunter2@127.0.0.1:{free_port()}/converge"
    finished = run_cli(["reconciler", *command, "--state", url, path])
    assert finished.returncode == 1
    assert finished.stderr.startswith(f"state backend {redact_url(url)}: cannot connect: ")
    assert "hunter2" not in finished.stdout + finished.stderr
    assert "Traceback" not in finished.stderr
    assert migration.requests == []


def test_the_state_comes_from_converge_state_when_no_option_is_given(migration, tmp_path):
    path = site(tmp_path / "site.yml", migration.url)
    finished = run_cli(["reconciler", "apply", path], env={"CONVERGE_STATE": f"file://{tmp_path / 'elsewhere'}"})
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "elsewhere" / "state.db").exists()
    assert not (tmp_path / ".converge" / "state").exists()


def test_an_apply_keeps_the_ledger_without_secrets_and_its_history(state, migration, tmp_path):
    path = site(tmp_path / "site.yml", migration.url)
    assert not reconcile(Options([path], apply=True, state=state)).failed
    with open_backend(state, tmp_path) as backend:
        (entry,) = backend.ledger(OWNER)
        (applied,) = backend.history(OWNER)
    assert (entry.kind, entry.platform, entry.identity, entry.status, entry.revision) == (
        "migration_cloud_connection", "migration", ["openstack-prod"], "confirmed", None)
    assert entry.applied == {"cloud_type": "Openstack", "project_name": "admin", "cloud_user": "admin",
                             "cloud_password": "(sensitive value)", "address": "127.0.0.1", "identity_port": 5000}
    assert (applied.outcome, applied.files, applied.revision) == ("success", [path], None)
    assert applied.counts == {"create": 1, "update": 0, "replace": 0, "delete": 0, "failed": 0, "skipped": 0}
    # the secret value is in no row of the database, as it is stored
    assert '"password"' not in repr(raw_rows(state, tmp_path, "ledger") + raw_rows(state, tmp_path, "applies"))

    site(tmp_path / "site.yml", migration.url, [dict(CONNECTION, project_name="migrations")])
    assert not reconcile(Options([path], apply=True, state=state)).failed
    with open_backend(state, tmp_path) as backend:
        assert backend.ledger(OWNER)[0].applied["project_name"] == "migrations"
        assert backend.history(OWNER)[0].counts["update"] == 1


def test_a_deleted_object_is_forgotten_once_the_platform_deleted_it(migration, tmp_path):
    path = site(tmp_path / "site.yml", migration.url)
    assert not reconcile(Options([path], apply=True)).failed
    site(tmp_path / "site.yml", migration.url, [dict(CONNECTION, state="absent")])
    assert not reconcile(Options([path], apply=True)).failed
    assert migration.state()["clouds"] == {}
    # no --state: the file default under the desired state's directory
    with open_backend(None, tmp_path) as backend:
        assert backend.ledger(OWNER) == []
        assert [record.counts["delete"] for record in backend.history(OWNER)] == [1, 0]


def test_the_revision_is_the_desired_states_git_commit(migration, tmp_path):
    assert revision_of(tmp_path) is None
    path = site(tmp_path / "site.yml", migration.url)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@127.0.0.1"]
    for args in (["init", "-q"], ["add", "site.yml"], ["commit", "-q", "-m", "site"]):
        subprocess.run(git + args, cwd=tmp_path, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, check=True, capture_output=True,
                          text=True).stdout.strip()
    assert revision_of(tmp_path) == head
    assert not reconcile(Options([path], apply=True)).failed
    with open_backend(None, tmp_path) as backend:
        assert backend.ledger(OWNER)[0].revision == head
        assert backend.history(OWNER)[0].revision == head


class Refusing:
    """An observer that refuses the plan shown to it, as a person answering `no` does."""

    def on_plan(self, plan, redact):
        raise RuntimeError("not applied")

    def on_start(self, planned):
        raise AssertionError("nothing may start")

    def on_outcome(self, outcome, redact):
        raise AssertionError("nothing may end")


def test_an_apply_refused_before_its_writes_is_cancelled_in_the_history(migration, tmp_path):
    path = site(tmp_path / "site.yml", migration.url)
    with plan(Options([path], apply=True)) as run:
        with pytest.raises(RuntimeError):
            apply(run, Refusing())
    assert writes(migration.requests) == []
    with open_backend(None, tmp_path) as backend:
        (record,) = backend.history(OWNER)
        assert backend.ledger(OWNER) == []
    assert record.outcome == "cancelled" and record.counts["create"] == 0 and record.ended_at


def test_an_apply_whose_change_fails_is_failed_in_the_history_and_its_intent_stays(migration, tmp_path):
    path = site(tmp_path / "site.yml", migration.url)
    with plan(Options([path], apply=True)) as run:
        migration.set_faults(fault_rate=1.0, modes=["html"], seed=1)
        report = apply(run)
    assert [outcome.status for outcome in report.outcomes] == ["failed"]
    with open_backend(None, tmp_path) as backend:
        (record,) = backend.history(OWNER)
        (entry,) = backend.ledger(OWNER)
    assert (record.outcome, record.counts["failed"], record.counts["create"]) == ("failed", 1, 0)
    assert entry.status == "intent"  # the write was tried: the next plan reads the platform to settle it


def terminate_after_first_write(handle, cluster, database: str) -> list[int]:
    """Make the emulator cut every connection to `database` right after the first write it answers; the writes
    it saw, counted."""
    import psycopg

    seen = [0]
    dispatch = handle.app.dispatch

    def cutting(request):
        response = dispatch(request)
        if is_write(request):
            seen[0] += 1
            if seen[0] == 1:
                with psycopg.connect(cluster.url(), autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                  (database,))
        return response

    handle.app.dispatch = cutting
    return seen


def test_a_state_lost_mid_apply_stops_before_the_next_write(migration, postgresql, postgresql_database, tmp_path):
    path = site(tmp_path / "site.yml", migration.url, servers=SERVERS)
    seen = terminate_after_first_write(migration, postgresql, postgresql_database.rsplit("/", 1)[1])
    finished = run_cli(["reconciler", "apply", "--concurrency", "1", "--format", "json", "--state",
                        postgresql_database, path])
    assert finished.returncode == 1
    assert seen == [1]  # the write the state could not confirm, and none after it
    report = json.loads(finished.stdout)["report"]
    statuses = [(o["kind"], o["status"], o.get("changed")) for o in report["outcomes"]]
    assert statuses[0] == ("migration_cloud_connection", "failed", True)  # written: the report says so
    assert [status for _, status, _ in statuses[1:]] == ["skipped", "skipped"]
    shown = redact_url(postgresql_database)
    assert report["outcomes"][0]["error"].startswith(f"written, but not recorded: state backend {shown}: ")
    assert f"state backend {shown}: " in finished.stderr
    assert "the apply stopped before its next write" in finished.stderr
    assert len(migration.state()["clouds"]) == 1 and not migration.state()["transports"]
    # the intent is in the ledger: the next plan reads the platform, and the next apply confirms it
    with open_backend(postgresql_database, tmp_path) as backend:
        assert [entry.status for entry in backend.ledger(OWNER)] == ["intent"]
    migration.app.dispatch = type(migration.app).dispatch.__get__(migration.app)
    assert not reconcile(Options([path], apply=True, state=postgresql_database)).failed
    with open_backend(postgresql_database, tmp_path) as backend:
        assert sorted(entry.status for entry in backend.ledger(OWNER)) == ["confirmed"] * 3
    assert len(migration.state()["clouds"]) == 1


class CuttingAfterFirst:
    """An observer that cuts every connection to the state's database as the first change ends."""

    def __init__(self, cluster, database: str) -> None:
        self.cluster, self.database, self.ended = cluster, database, 0

    def on_plan(self, plan, redact):
        """Nothing to show."""

    def on_start(self, planned):
        """Nothing to show."""

    def on_outcome(self, outcome, redact):
        import psycopg

        self.ended += 1
        if self.ended == 1:
            with psycopg.connect(self.cluster.url(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                              (self.database,))


def test_a_state_lost_before_an_intent_fails_that_change_without_writing(migration, postgresql,
                                                                        postgresql_database, tmp_path):
    path = site(tmp_path / "site.yml", migration.url, servers=SERVERS[1:])
    with plan(Options([path], apply=True, concurrency=1, state=postgresql_database)) as run:
        migration.clear_requests()
        report = apply(run, CuttingAfterFirst(postgresql, postgresql_database.rsplit("/", 1)[1]))
    assert [(o.status, o.wrote) for o in report.outcomes] == [("done", False), ("failed", False)]
    shown = redact_url(postgresql_database)
    assert report.outcomes[1].error.startswith(f"state backend {shown}: ")
    assert report.problems[0] == f"{report.outcomes[1].error}: the apply stopped before its next write"
    # nor can the end of the apply be recorded: the report says so
    assert report.problems[1:] == [f"state backend {shown}: the connection is lost: the end of the apply is not "
                                   f"in its history"]
    assert len(writes(migration.requests)) == 1  # the first change's create; none for the second
    assert len(migration.state()["clouds"]) + len(migration.state()["transports"]) == 1


def holding_writes(handle) -> tuple[threading.Event, threading.Event]:
    """Make the emulator hold its first write until the test lets it go: (reached, release)."""
    reached, release = threading.Event(), threading.Event()
    dispatch = handle.app.dispatch

    def held(request):
        if is_write(request) and not reached.is_set():
            reached.set()
            assert release.wait(120), "the test never released the write"
        return dispatch(request)

    handle.app.dispatch = held
    return reached, release


def test_two_applies_from_two_directories_never_run_at_once_with_postgresql(migration, postgresql_database,
                                                                            tmp_path):
    first, second = (site(tmp_path / name / "site.yml", migration.url) for name in ("a", "b"))
    reached, release = holding_writes(migration)
    # the second apply runs elsewhere: another working directory, another one-machine lock directory
    elsewhere = {"CONVERGE_STATE": postgresql_database, "CONVERGE_LOCK_DIR": str(tmp_path / "b" / "locks")}
    env = ansible_env({"CONVERGE_STATE": postgresql_database, "CONVERGE_LOCK_DIR": str(tmp_path / "a" / "locks")})
    running = subprocess.Popen([str(BIN / "reconciler"), "apply", "--concurrency", "1", first], cwd=tmp_path / "a",
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert reached.wait(120), "the first apply never wrote"
        before = len(migration.requests)
        refused = run_cli(["reconciler", "apply", second], cwd=tmp_path / "b", env=elsewhere)
        assert len(migration.requests) == before  # refused before any request
    finally:
        release.set()
        out, err = running.communicate(timeout=300)
    assert running.returncode == 0, out + err
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"another apply is running against {migration.url.lower()} (pid {running.pid} "
                                     f"on {socket.gethostname()} since ")
    assert f", files {first}); wait for it to end, or give --lock-timeout SECONDS" in refused.stderr
    assert len(migration.state()["clouds"]) == 1
    # the lock went with the first apply: the second runs now, with nothing to do
    again = run_cli(["reconciler", "apply", second], cwd=tmp_path / "b", env=elsewhere)
    assert again.returncode == 0, again.stderr


def test_the_file_default_lives_under_the_desired_state_and_stays_out_of_git(migration, tmp_path):
    path = site(tmp_path / "site.yml", migration.url)
    directory = tmp_path / ".converge" / "state"
    planned = run_cli(["reconciler", "plan", path])  # a plan only reads: a state not yet made stays unmade
    assert planned.returncode == 0, planned.stderr
    assert not directory.exists()
    assert not reconcile(Options([path], apply=True)).failed
    assert (directory / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert sqlite3.connect(directory / "state.db").execute("SELECT COUNT(*) FROM ledger").fetchone() == (1,)
