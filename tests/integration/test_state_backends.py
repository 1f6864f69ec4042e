"""The state backends, file (SQLite) and PostgreSQL (a real one, tests/postgres.py), through the same tests:
the schema and its migrations, the ledger, the history, the lock and the suspensions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.http import redact_url

from reconciler.errors import LockHeld, StateError
from reconciler.state import Backend, LockHolder, open_backend, state_url, transfer
from reconciler.state.backend import Suspension
from reconciler.state.locking import POLL_SECONDS, wait_for
from reconciler.state.sql import MIGRATIONS
from reconciler.state.transfer import move_state
from tests.postgres import free_port
from tests.support import ROOT, collections_dir

OWNER = "team-a"
VM = {"uuid": "7f3c", "zone": "z1"}
HOLDER = LockHolder("runner-1", 4242, ["site.yml", "more.yml"], "2026-12-07T00:00:00Z")
REFUSED_B = ("another apply is running against https://b.example (pid 4242 on runner-1 since 2026-12-07T00:00:00Z, "
             "files site.yml, more.yml); wait for it to end, or give --lock-timeout SECONDS to wait for it")


@pytest.fixture(params=["file", "postgresql"])
def url(request, tmp_path) -> str:
    """A fresh backend's URL: a directory of the test's own, or a database of its own in the session's cluster."""
    if request.param == "file":
        return f"file://{tmp_path / 'state'}"
    return str(request.getfixturevalue("postgresql_database"))


@pytest.fixture
def backend(url, tmp_path) -> Iterator[Backend]:
    with open_backend(url, tmp_path) as opened:
        yield opened


@pytest.fixture
def second(url, tmp_path) -> Iterator[Backend]:
    """The same backend opened again, as another apply opens it."""
    with open_backend(url, tmp_path) as opened:
        yield opened


def rows(backend: Backend, sql: str) -> list[tuple]:
    return backend._run(sql)[0]


def test_migrating_again_changes_nothing(backend, url, tmp_path):
    assert backend.migrate() == backend.migrate() == MIGRATIONS[-1][0] == 2
    with open_backend(url, tmp_path) as again:
        assert again.migrate() == 2
    assert [row[0] for row in rows(backend, "SELECT version FROM schema_version ORDER BY version")] == [1, 2]


def test_a_state_of_schema_version_1_is_migrated_and_keeps_its_suspensions(url, tmp_path, monkeypatch):
    import reconciler.state.sql as sql

    with monkeypatch.context() as older:  # a state made by the converge that knew version 1 only
        older.setattr(sql, "MIGRATIONS", sql.MIGRATIONS[:1])
        with open_backend(url, tmp_path) as first:
            first._run("INSERT INTO suspensions (owner, kind, name, reason, since) VALUES (?, ?, ?, ?, ?)",
                       (OWNER, "zstack_vm", "web", "handed over", "2026-12-01T00:00:00Z"))
    with open_backend(url, tmp_path) as migrated:
        assert [row[0] for row in rows(migrated, "SELECT version FROM schema_version ORDER BY version")] == [1, 2]
        assert migrated.suspensions(OWNER) == [Suspension(OWNER, "zstack_vm", "web", "handed over",
                                                          "2026-12-01T00:00:00Z")]
        migrated.suspend(OWNER, "zstack_vm", "web", "still handed over", expires_at="2026-12-09T00:00:00Z",
                         user="ops")
        assert migrated.suspensions(OWNER) == [Suspension(OWNER, "zstack_vm", "web", "still handed over",
                                                          "2026-12-01T00:00:00Z", "2026-12-09T00:00:00Z", None,
                                                          "ops")]


def test_a_schema_newer_than_this_converge_is_refused(backend, url):
    backend._run("INSERT INTO schema_version (version, applied_at) VALUES (3, 'later')")
    with pytest.raises(StateError) as caught:
        backend.migrate()
    assert caught.value.problems == [f"state backend {redact_url(url)}: its schema is at version 3, newer than "
                                     f"this converge knows (2): upgrade converge"]


def test_the_ledger_records_an_intent_confirms_it_lists_it_and_forgets_it(backend):
    backend.record_intent(OWNER, "zstack_vm", "zstack", VM, {"name": "web", "cpu": 2}, "abc123")
    backend.record_intent(OWNER, "vsd_snapshot", "vsd", {"id": 9}, {"name": "nightly"}, "abc123")
    backend.record_intent("team-b", "zstack_vm", "zstack", VM, {"name": "theirs"}, None)
    (entry,) = backend.ledger(OWNER, "zstack_vm")
    assert (entry.platform, entry.identity, entry.applied, entry.revision, entry.status) == \
        ("zstack", VM, {"name": "web", "cpu": 2}, "abc123", "intent")

    backend.confirm(OWNER, "zstack_vm", {"zone": "z1", "uuid": "7f3c"}, {"name": "web", "cpu": 4})  # keys reordered
    assert [(e.kind, e.identity, e.applied, e.status) for e in backend.ledger(OWNER)] == [
        ("vsd_snapshot", {"id": 9}, {"name": "nightly"}, "intent"),
        ("zstack_vm", VM, {"name": "web", "cpu": 4}, "confirmed"),
    ]
    assert backend.forget(OWNER, "zstack_vm", VM) is True
    assert backend.forget(OWNER, "zstack_vm", VM) is False
    assert [e.kind for e in backend.ledger(OWNER)] == ["vsd_snapshot"]
    assert [e.applied for e in backend.ledger("team-b")] == [{"name": "theirs"}]


def test_a_confirm_without_an_intent_is_refused(backend, url):
    with pytest.raises(StateError) as caught:
        backend.confirm(OWNER, "zstack_vm", VM, {"name": "web"})
    assert caught.value.problems == [f'state backend {redact_url(url)}: owner {OWNER}: no intent recorded for '
                                     f'zstack_vm {{"uuid":"7f3c","zone":"z1"}}, nothing to confirm']
    assert backend.ledger(OWNER) == []


def test_a_value_marked_secret_is_never_stored(backend):
    backend.record_intent(OWNER, "zstack_vm", "zstack", VM, {"name": "web", "password": "hunter2"}, "abc",
                          secrets={"password"})
    assert backend.ledger(OWNER)[0].applied == {"name": "web", "password": "(sensitive value)"}
    backend.confirm(OWNER, "zstack_vm", VM, {"name": "web", "password": "hunter3", "token": None},
                    secrets={"password", "token"})
    assert backend.ledger(OWNER)[0].applied == {"name": "web", "password": "(sensitive value)", "token": None}
    stored = repr(rows(backend, "SELECT * FROM ledger"))
    assert "hunter" not in stored


def test_the_history_lists_the_applies_newest_first(backend):
    first = backend.begin_apply(OWNER, "r1", ["site.yml"])
    backend.end_apply(first, "ok", {"create": 2, "update": 1})
    second = backend.begin_apply(OWNER, "r2", ["site.yml", "more.yml"])
    backend.begin_apply("team-b", "x", ["theirs.yml"])
    third = backend.begin_apply(OWNER, None, ["site.yml"])
    backend.end_apply(second, "failed", {"update": 1})

    history = backend.history(OWNER)
    assert [(r.id, r.revision, r.files, r.outcome, r.counts) for r in history] == [
        (third, None, ["site.yml"], None, {}),
        (second, "r2", ["site.yml", "more.yml"], "failed", {"update": 1}),
        (first, "r1", ["site.yml"], "ok", {"create": 2, "update": 1}),
    ]
    assert history[0].ended_at is None and history[1].ended_at is not None
    assert {(r.owner, r.host) for r in history} == {(OWNER, os.uname().nodename)}
    assert [r.id for r in backend.history(OWNER, limit=2)] == [third, second]


def test_the_lock_is_refused_while_held_naming_the_holder_and_free_after(backend, second):
    with backend.lock(["https://b.example", "https://a.example"], HOLDER):
        with pytest.raises(LockHeld) as caught:
            with second.lock(["https://b.example"], HOLDER):
                pytest.fail("two applies held one lock")
        assert caught.value.problems == [REFUSED_B]
        with second.lock(["https://c.example"], HOLDER):  # another endpoint is free
            pass
    with second.lock(["https://a.example", "https://b.example"], HOLDER):
        pass


def test_a_refused_apply_lets_go_of_the_keys_it_took(backend, second, url, tmp_path):
    with backend.lock(["https://b.example"], HOLDER):
        with pytest.raises(LockHeld):
            with second.lock(["https://a.example", "https://b.example"], HOLDER):
                pytest.fail("two applies held one lock")
    with open_backend(url, tmp_path) as third, third.lock(["https://a.example"], HOLDER, timeout=0):
        pass


def test_a_held_key_is_waited_for_up_to_the_timeout_without_sleeping(backend, second):
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    second.clock, second.sleep = (lambda: now[0]), sleep
    with backend.lock(["https://b.example"], HOLDER):
        with pytest.raises(LockHeld) as caught:
            with second.lock(["https://b.example"], HOLDER, timeout=0.5):
                pytest.fail("two applies held one lock")
    assert caught.value.problems == [REFUSED_B]
    assert slept == pytest.approx([POLL_SECONDS, POLL_SECONDS, 0.1])


def test_a_key_freed_during_the_wait_is_taken(backend, second):
    held = backend.lock(["https://b.example"], HOLDER)
    held.__enter__()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            held.__exit__(None, None, None)

    second.clock, second.sleep = (lambda: 0.0), sleep
    with second.lock(["https://b.example"], HOLDER, timeout=30):
        assert len(slept) == 2


def test_the_wait_tries_once_even_without_a_timeout_and_once_more_at_the_deadline():
    tries: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    assert wait_for(lambda: tries.append(now[0]) or False, 0, lambda: now[0], sleep) is False
    assert tries == [0.0]
    tries.clear()
    assert wait_for(lambda: tries.append(now[0]) or False, 0.3, lambda: now[0], sleep) is False
    assert tries == pytest.approx([0.0, 0.2, 0.3])


def lock_process(mode: str, url: str, key: str) -> subprocess.Popen:
    """Another process holding or trying the lock of `key` (tests/state_lock_holder.py)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(collections_dir()), str(ROOT)]))
    return subprocess.Popen([sys.executable, "-m", "tests.state_lock_holder", mode, url, key], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_never_hold_one_lock_at_once(url, tmp_path):
    key = "https://zstack.example"
    child = lock_process("hold", url, key)
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline() == "holding\n"
        with open_backend(url, tmp_path) as backend:
            with pytest.raises(LockHeld) as caught:
                with backend.lock([key], HOLDER):
                    pytest.fail("two processes held one lock")
            (problem,) = caught.value.problems
            assert f"(pid {child.pid} on {os.uname().nodename} since " in problem
            assert problem.endswith(", files child.yml); wait for it to end, or give --lock-timeout SECONDS to "
                                    "wait for it")
            child.stdin.write("\n")
            child.stdin.flush()
            assert child.stdout.readline() == "released\n"
            with backend.lock([key], HOLDER):
                other = lock_process("try", url, key)
                out, err = other.communicate(timeout=60)
                assert (other.returncode, out) == (1, f"refused: {REFUSED_B.replace('b.example', 'zstack.example')}\n")
        other = lock_process("try", url, key)
        assert other.communicate(timeout=60)[0] == "took\n"
    finally:
        child.kill()
        child.wait()


def test_suspensions_are_kept_per_owner_with_their_reason(backend):
    backend.suspend(OWNER, "zstack_vm", "web", "drifts every night")
    backend.suspend(OWNER, "zstack_vm", "web", "handed to the DBAs")
    backend.suspend(OWNER, "vsd_domain", "core", "migration")
    backend.suspend("team-b", "zstack_vm", "db", "theirs")
    assert [(s.kind, s.name, s.reason) for s in backend.suspensions(OWNER)] == [
        ("vsd_domain", "core", "migration"), ("zstack_vm", "web", "handed to the DBAs")]
    assert backend.resume(OWNER, "zstack_vm", "web") is True
    assert backend.resume(OWNER, "zstack_vm", "web") is False
    assert [s.name for s in backend.suspensions(OWNER)] == ["core"]


# --- the file backend -------------------------------------------------------------------------------------


def test_the_file_backend_keeps_its_state_private_and_out_of_git(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVERGE_STATE", raising=False)
    with open_backend(state_url(None), tmp_path) as backend:
        backend.record_intent(OWNER, "zstack_vm", "zstack", VM, {"name": "web"}, None)
    directory = tmp_path / ".converge" / "state"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "locks").stat().st_mode) == 0o700
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (directory / "state.db").is_file()


def test_the_state_url_comes_from_the_option_else_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVERGE_STATE", "file://elsewhere")
    assert state_url("postgresql://db/converge") == "postgresql://db/converge"
    assert state_url(None) == "file://elsewhere"
    with open_backend(state_url(None), tmp_path):
        assert (tmp_path / "elsewhere" / "state.db").is_file()  # a relative path is the desired state's


def test_a_file_that_is_no_database_is_refused_naming_the_url(tmp_path):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.db").write_bytes(b"not a database at all, " * 100)
    with pytest.raises(StateError) as caught:
        open_backend(f"file://{tmp_path / 'state'}", tmp_path)
    database = tmp_path / "state" / "state.db"
    assert caught.value.problems == [f"state backend file://{tmp_path / 'state'}: cannot open {database}: "
                                     f"file is not a database"]


def test_an_unknown_url_is_refused_with_its_password_masked(tmp_path):
    with pytest.raises(StateError) as caught:
        open_backend("mysql://converge:hunter2@127.0.0.1/state", tmp_path)
    assert caught.value.problems == ["state backend mysql://********@127.0.0.1/state: not a URL of a state "
                                     "backend: give file://PATH or postgresql://USER@HOST/DATABASE"]


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def test_an_unreachable_postgresql_fails_first_naming_the_url_without_its_password(tmp_path):
    port = free_port()
    with pytest.raises(StateError) as caught:
        open_backend(f"postgresql://converge:hunter2@127.0.0.1:{port}/state", tmp_path)
    (problem,) = caught.value.problems
    assert problem == (f'state backend postgresql://********@127.0.0.1:{port}/state: cannot connect: connection '
                       f'failed: connection to server at "127.0.0.1", port {port} failed: Connection refused')
    assert "hunter2" not in problem
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_connection_lost_is_a_state_error_naming_the_url(postgresql, postgresql_database, tmp_path):
    import psycopg

    url = postgresql_database.replace("converge@", "converge:hunter2@")
    with open_backend(url, tmp_path) as backend:
        with psycopg.connect(postgresql.url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          (url.rsplit("/", 1)[1],))
        with pytest.raises(StateError) as caught:
            backend.ledger(OWNER)
        with pytest.raises(StateError) as again:
            backend.record_intent(OWNER, "zstack_vm", "zstack", VM, {"name": "web"}, None)
    shown = url.replace("converge:hunter2@", "********@")
    assert caught.value.problems == [f"state backend {shown}: terminating connection due to administrator command"]
    assert again.value.problems == [f"state backend {shown}: the connection is lost"]


def fill(backend: Backend) -> None:
    """A state of two owners: ledger entries, applies and a suspension."""
    backend.record_intent(OWNER, "zstack_vm", "zstack", VM, {"name": "web"}, "r1")
    backend.confirm(OWNER, "zstack_vm", VM, {"name": "web"})
    backend.record_intent("team-b", "vsd_snapshot", "vsd", {"id": 9}, {"name": "nightly"}, None)
    backend.end_apply(backend.begin_apply(OWNER, "r1", ["site.yml"]), "ok", {"create": 1})
    backend.begin_apply("team-b", None, ["b.yml"])
    backend.suspend(OWNER, "zstack_vm", "web", "handed over")


def state_of(backend: Backend) -> list:
    return [(backend.ledger(owner), backend.history(owner), backend.suspensions(owner)) for owner in (OWNER, "team-b")]


def test_a_state_moves_from_file_to_postgresql_and_back_whole(postgresql_database, tmp_path, capsys):
    source = f"file://{tmp_path / 'file-state'}"
    with open_backend(source, tmp_path) as backend:
        fill(backend)
        before = state_of(backend)
    assert transfer.main([source, postgresql_database]) == 0
    assert capsys.readouterr().out == "moved 2 ledger entries, 2 applies of the history and 1 suspensions\n"
    with open_backend(postgresql_database, tmp_path) as moved:
        assert state_of(moved) == before
        assert moved.begin_apply(OWNER, "r2", []) == 3  # ids go on after the copied ones
    assert move_state(postgresql_database, f"file://{tmp_path / 'back'}", tmp_path) == \
        {"ledger": 2, "applies": 3, "suspensions": 1}
    with open_backend(f"file://{tmp_path / 'back'}", tmp_path) as back:
        assert state_of(back)[1] == before[1]
        assert back.begin_apply(OWNER, "r3", []) == 4


def test_a_state_is_never_moved_into_a_backend_that_holds_one(postgresql_database, tmp_path, capsys):
    source = f"file://{tmp_path / 'file-state'}"
    with open_backend(source, tmp_path) as backend:
        fill(backend)
    with open_backend(postgresql_database, tmp_path) as target:
        target.suspend("team-c", "zstack_vm", "db", "theirs")
    assert transfer.main([source, postgresql_database]) == 1
    assert capsys.readouterr().err == (f"state backend {redact_url(postgresql_database)}: it holds a state already "
                                       f"(its suspensions is not empty): move a state only into a backend that "
                                       f"holds none\n")
    with open_backend(postgresql_database, tmp_path) as target:
        assert target.ledger(OWNER) == [] and target.history(OWNER) == []
