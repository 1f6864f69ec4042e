"""`reconciler apply` killed with SIGKILL at each of the points of an apply that matter: the next apply converges.

The apply creates two OpenDCP clusters (ownership by the marker in `desc`) and two migration transport servers
(ownership through the ledger: no field carries a marker), and prunes one of each that an earlier apply made, one
change at a time. It is killed at an exact point, with no timing:

- on the emulators, a hold stops the k-th request of a kind either before the emulator acts on it (the reconciler
  recorded its intent, the platform has nothing) or after (the platform holds the write, the reconciler never hears
  of it); the test kills the reconciler while the request waits;
- between two writes of the state, on PostgreSQL: the test holds a row the apply is about to write (an intent, a
  confirm, a forget, the history's end) in a transaction of its own, sees in `pg_stat_activity` that the apply
  waits for it, and kills it there.

After the kill the next apply exits 0, each object is on its platform exactly once, every entry of the ledger is
`confirmed` and none twice, and a third apply sends no write.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import emulators
from emulators.common.http import Response
from reconciler.api import Options, reconcile
from reconciler.state import open_backend
from reconciler.state.backend import canonical
from reconciler.state.sql import LEDGER_COLUMNS
from tests.contract.platforms import endpoint
from tests.support import BIN, ansible_env, run_cli, writes

pytestmark = pytest.mark.slow
OWNER = "team-a"
#: what an earlier apply made, and the killed apply prunes
BEFORE = {"clusters": ["old"], "servers": {"t-old": "127.0.0.2"}}
#: what the killed apply makes
AFTER = {"clusters": ["web", "db"], "servers": {"t-a": "127.0.0.3", "t-b": "127.0.0.4"}}
#: the ledger once converged: (kind, identity) of every object of AFTER
CONVERGED = sorted([("opendcp_cluster", [name]) for name in AFTER["clusters"]]
                   + [("migration_transport_server", [name]) for name in AFTER["servers"]])
#: the kinds of the apply owned through the ledger alone (their objects carry no marker)
LEDGER_OWNED = ("migration_transport_server",)
#: reads of the poll of `pg_stat_activity` before a test gives up on seeing the apply wait
POLLS = 1200


def label(request: Any) -> str:
    """What a request to an emulator does: its migration action, else `METHOD /path`."""
    if request.method == "POST" and request.body[:1] == b"{":
        try:
            action = (request.json() or {}).get("Action")
        except Exception:  # noqa: BLE001 - any body that is not the platform's JSON names no action
            action = None
        if action:
            return str(action)
    return f"{request.method} {request.path}"


class Hold:
    """Stop the `nth` request labelled `what` on the emulators, before the emulator acts on it (it never does: the
    sender is gone) or `after`, until the test lets it go: `reached` says it waits."""

    def __init__(self, handles: dict[str, Any], what: str, nth: int = 1, after: bool = False) -> None:
        self.reached, self.release = threading.Event(), threading.Event()
        self.seen = 0
        self.lock = threading.Lock()
        for handle in handles.values():
            handle.app.dispatch = self.wrap(handle.app.dispatch, what, nth, after)

    def wrap(self, dispatch: Callable[[Any], Any], what: str, nth: int, after: bool) -> Callable[[Any], Any]:
        """The emulator's dispatch, holding the chosen request."""
        def held(request: Any) -> Any:
            with self.lock:
                chosen = label(request) == what and not self.reached.is_set() and self.count() == nth
            if chosen and not after:
                self.wait()
                # the reconciler was killed as it sent it: the platform never acts on it
                return Response(503, {"error": "the sender is gone"})
            response = dispatch(request)
            if chosen and after:
                self.wait()
            return response
        return held

    def count(self) -> int:
        """Count one more request of the chosen label; how many so far."""
        self.seen += 1
        return self.seen

    def wait(self) -> None:
        """Say the request is held and wait for the test to let it go."""
        self.reached.set()
        assert self.release.wait(120), "the test never released the request"


@dataclass
class Site:
    """The two emulators, the desired-state file and the state's URL of one test."""

    handles: dict[str, Any]
    path: Path
    state: str

    def write(self, objects: dict[str, Any]) -> str:
        """Write the desired state of `objects` (clusters and transport servers); the file's path."""
        resources = {"opendcp_cluster": [{"name": name, "desc": f"the {name} cluster"} for name in objects["clusters"]],
                     "migration_transport_server": [{"name": name, "server_type": "On-Premises", "address": address}
                                                    for name, address in objects["servers"].items()]}
        endpoints = {name: endpoint(name, handle.url) for name, handle in self.handles.items()}
        self.path.write_text(yaml.safe_dump({"version": 1, "endpoints": endpoints,
                                             "settings": {"owner": OWNER, "inline_secrets": True},
                                             "resources": resources}, sort_keys=False), encoding="utf-8")
        return str(self.path)

    def apply(self) -> subprocess.Popen:
        """Start `reconciler apply --prune`, one change at a time."""
        return subprocess.Popen([str(BIN / "reconciler"), "apply", "--prune", "--concurrency", "1", "--state",
                                 self.state, str(self.path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=ansible_env({"CONVERGE_LOCK_DIR": str(self.path.parent / "locks")}),
                                cwd=str(self.path.parent))

    def platforms(self) -> dict[str, list[str]]:
        """The names of the clusters and transport servers on the emulators, each as often as it is there."""
        return {"clusters": sorted(item["name"] for item in self.handles["opendcp"].state()["clusters"].values()),
                "servers": sorted(item["Name"] for item in self.handles["migration"].state()["transports"].values())}

    def ledger(self) -> list[tuple[str, Any, str]]:
        """The owner's ledger: (kind, identity, status) of each entry."""
        with open_backend(self.state, self.path.parent) as backend:
            return sorted((entry.kind, entry.identity, entry.status) for entry in backend.ledger(OWNER))


@pytest.fixture
def site(request, tmp_path) -> Iterator[Site]:
    """Two fresh emulators (OpenDCP, migration) and what an earlier apply made on them; the state's backend is the
    test's parameter `backend` (file or PostgreSQL)."""
    backend = getattr(request, "param", "file")
    state = f"file://{tmp_path / 'state'}" if backend == "file" else str(request.getfixturevalue("postgresql_database"))
    opendcp, migration = emulators.start("opendcp", port=0), emulators.start("migration", port=0)
    try:
        made = Site({"opendcp": opendcp, "migration": migration}, tmp_path / "site.yml", state)
        assert not reconcile(Options([made.write(BEFORE)], apply=True, state=state)).failed
        made.write(AFTER)
        yield made
    finally:
        opendcp.stop()
        migration.stop()


def killed_while(hold: Hold, process: subprocess.Popen) -> None:
    """Kill the apply with SIGKILL once the held request waits, then let the request go."""
    try:
        assert hold.reached.wait(120), "the apply never sent the request held"
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=120)
    finally:
        hold.release.set()
    assert process.returncode == -signal.SIGKILL


def assert_converges(site: Site) -> None:
    """The next apply exits 0; each object is there once, the ledger confirmed and whole; a third writes nothing."""
    for handle in site.handles.values():
        handle.app.dispatch = type(handle.app).dispatch.__get__(handle.app)
    # a killed apply's lock dies with it; PostgreSQL may take a moment to see its connection gone
    args = ["reconciler", "apply", "--prune", "--lock-timeout", "60", "--state", site.state, str(site.path)]
    second = run_cli(args, cwd=site.path.parent)
    assert second.returncode == 0, second.stdout + second.stderr
    assert site.platforms() == {"clusters": sorted(AFTER["clusters"]), "servers": sorted(AFTER["servers"])}
    ledger = site.ledger()
    assert {status for _, _, status in ledger} == {"confirmed"}
    assert len({(kind, json.dumps(identity)) for kind, identity, _ in ledger}) == len(ledger)
    assert [(kind, identity) for kind, identity, _ in ledger if kind in LEDGER_OWNED] == [
        (kind, identity) for kind, identity in CONVERGED if kind in LEDGER_OWNED]
    # a marked object deleted by a killed apply before its entry was forgotten keeps that entry: its marker, not the
    # ledger, owns it, and no prune of its kind reads the ledger
    assert set(map(json.dumps, CONVERGED)) <= {json.dumps([kind, identity]) for kind, identity, _ in ledger}
    for handle in site.handles.values():
        handle.clear_requests()
    third = run_cli(args, cwd=site.path.parent)
    assert third.returncode == 0, third.stdout + third.stderr
    assert [writes(handle.requests) for handle in site.handles.values()] == [[], []]


#: (the request held, which of its kind, held after the emulator acted on it): where the apply is killed
EMULATOR_POINTS = {
    "reading the platform in the plan, before any intent": ("GET /cluster/list", 1, False),
    "after the intent of the first create, before its write": ("POST /cluster/create", 1, False),
    "during the first create: written, its answer never read": ("POST /cluster/create", 1, True),
    "after the first create's answer, before its confirm": ("GET /cluster/2", 1, False),
    "between two changes: the first confirmed, the second's intent only": ("POST /cluster/create", 2, False),
    "during the delete of a marked object: not yet deleted": ("POST /cluster/delete/1", 1, False),
    "after the delete of a marked object, before it is forgotten": ("POST /cluster/delete/1", 1, True),
    "during a ledger-owned create: written, its answer never read": ("AddTransportServer", 1, True),
    "during the delete of a ledger-owned object: not yet deleted": ("DeleteTransportServer", 1, False),
    "after the delete of a ledger-owned object, before it is forgotten": ("DeleteTransportServer", 1, True),
}


@pytest.mark.parametrize("point", list(EMULATOR_POINTS))
def test_an_apply_killed_at_a_platform_request_is_converged_by_the_next(point, site):
    what, nth, after = EMULATOR_POINTS[point]
    hold = Hold(site.handles, what, nth, after)
    killed_while(hold, site.apply())
    assert_converges(site)


@pytest.mark.parametrize("site", ["postgresql"], indirect=True)
def test_an_apply_killed_during_a_ledger_owned_create_with_postgresql(site):
    killed_while(Hold(site.handles, "AddTransportServer", 1, after=True), site.apply())
    assert_converges(site)


def waiting_for(url: str, statement: str) -> None:
    """Read `pg_stat_activity` until a session waits for a lock on a statement starting with `statement`."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as watcher:
        for _ in range(POLLS):
            if watcher.execute("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                               (statement + "%",)).fetchall():
                return
            threading.Event().wait(0.05)
    pytest.fail(f"the apply never waited on {statement}")


@contextlib.contextmanager
def holding_rows(url: str, *statements: tuple[str, tuple[Any, ...]]) -> Iterator[None]:
    """Hold the rows the statements write or lock, in a transaction of the test's own, rolled back at the end."""
    import psycopg

    with psycopg.connect(url) as holder:
        for statement, params in statements:
            holder.execute(statement, params)
        try:
            yield
        finally:
            holder.rollback()


def kill_when_waiting(site: Site, process: subprocess.Popen, statement: str) -> None:
    """Kill the apply with SIGKILL once it waits to run `statement` on the state's database."""
    try:
        waiting_for(site.state, statement)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL


def row_lock(kind: str) -> tuple[str, tuple[Any, ...]]:
    """A statement that locks the owner's ledger rows of `kind` as they are now."""
    return "SELECT 1 FROM ledger WHERE owner = %s AND kind = %s FOR UPDATE", (OWNER, kind)


def killed_after_the_first_create(site: Site, rows: tuple[str, tuple[Any, ...]], statement: str) -> None:
    """Hold the first cluster create once the platform made it, hold `rows` from then on, let the create go and
    kill the apply once it waits to run `statement`."""
    hold = Hold(site.handles, "POST /cluster/create", 1, after=True)
    process = site.apply()
    assert hold.reached.wait(120), "the apply never created a cluster"
    with holding_rows(site.state, rows):
        hold.release.set()
        kill_when_waiting(site, process, statement)


@pytest.mark.parametrize("site", ["postgresql"], indirect=True)
def test_an_apply_killed_before_an_intent_is_recorded_is_converged_by_the_next(site):
    # an uncommitted entry of the same identity: the apply's intent waits for it
    conflicting = (f"INSERT INTO ledger ({LEDGER_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                   (OWNER, "opendcp_cluster", "opendcp", canonical(["web"]), "{}", None, "2026-12-07T00:00:00Z",
                    "intent"))
    with holding_rows(site.state, conflicting):
        kill_when_waiting(site, site.apply(), "INSERT INTO ledger")
    assert "web" not in site.platforms()["clusters"]
    assert_converges(site)


@pytest.mark.parametrize("site", ["postgresql"], indirect=True)
def test_an_apply_killed_before_a_write_is_confirmed_is_converged_by_the_next(site):
    killed_after_the_first_create(site, row_lock("opendcp_cluster"), "UPDATE ledger")
    assert "intent" in {status for _, _, status in site.ledger()}
    assert_converges(site)


@pytest.mark.parametrize("site", ["postgresql"], indirect=True)
def test_an_apply_killed_before_a_pruned_object_is_forgotten_is_converged_by_the_next(site):
    with holding_rows(site.state, row_lock("migration_transport_server")):
        kill_when_waiting(site, site.apply(), "DELETE FROM ledger")
    assert "t-old" not in site.platforms()["servers"]
    assert ("migration_transport_server", ["t-old"], "confirmed") in site.ledger()
    assert_converges(site)


@pytest.mark.parametrize("site", ["postgresql"], indirect=True)
def test_an_apply_killed_as_its_end_is_recorded_in_the_history_is_converged_by_the_next(site):
    killed_after_the_first_create(site, ("SELECT 1 FROM applies FOR UPDATE", ()), "UPDATE applies")
    # every change was made and recorded; only the end of the apply is missing from its history
    assert site.platforms() == {"clusters": sorted(AFTER["clusters"]), "servers": sorted(AFTER["servers"])}
    with open_backend(site.state, site.path.parent) as backend:
        assert backend.history(OWNER)[0].outcome is None
    assert_converges(site)
