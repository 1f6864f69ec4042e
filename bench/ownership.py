"""The ZStack record tags against ownership through the ledger alone: the apply figure of both (docs/performance.md).

Today an apply of N ZStack tags writes each tag and, beside it, its owner's record tag (2N writes, each a POST, a
job and a poll), and records each tag in converge's own state (an intent, then its confirm). Ledger-only ownership
would leave out the record writes and keep the state's. Both applies are measured on the same emulator latency:
the second with the tag kind's record carrier taken off for the measure alone (the ledger still written). The
state's own cost is measured apart: `record_intent` + `confirm` per object, with the file backend and, when
PostgreSQL's `initdb` is installed, a private PostgreSQL (tests/postgres.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .figures import _emulator
from .harness import PASSWORD_VARIABLE, Figure, best_of, tags_file, timed

KIND = "zstack_user_tag"


@contextlib.contextmanager
def without_record_tags() -> Iterator[None]:
    """Take the ZStack tags' record carrier off for the block: an apply then writes the tags and the ledger only."""
    from reconciler.platforms import kinds

    spec = kinds()[KIND]
    spec.ownership = None
    try:
        yield
    finally:
        del spec.ownership


def _apply_once(size: int, latency_ms: float, record_tags: bool, state: str | None = None) -> tuple[float, int, int]:
    """One apply of `size` new tags on a fresh emulator and state (the file default, else `state`, emptied of the
    tags first): (seconds, POSTs sent, changes failed)."""
    from reconciler.api import Options, reconcile

    os.environ[PASSWORD_VARIABLE] = "password"
    with _emulator(latency_ms) as handle, tempfile.TemporaryDirectory() as tmp:
        path = tags_file(Path(tmp), handle.url, size)
        if state is not None:
            forget_all(state, Path(tmp))
        handle.clear_requests()
        with contextlib.nullcontext() if record_tags else without_record_tags():
            seconds, result = timed(lambda: reconcile(Options([str(path)], apply=True, lock=False, state=state)))
        posts = sum(1 for request in handle.requests if request["method"] == "POST")
        return seconds, posts, len(result.report.failed)


def _least(runs: int, size: int, latency_ms: float, record_tags: bool, state: str | None = None) -> tuple:
    """The quickest of `runs` applies (see `_apply_once`)."""
    return min((_apply_once(size, latency_ms, record_tags, state) for _ in range(max(1, runs))), key=lambda row: row[0])


def _apply_figures(size: int, latency_ms: float, runs: int, postgresql: str | None) -> list[Figure]:
    """The apply of N tags with the record tags (today) against the same apply with the ledger alone (file backend,
    and PostgreSQL when there is one)."""
    today, ledger = _least(runs, size, latency_ms, True), _least(runs, size, latency_ms, False)
    failed = today[2] + ledger[2]
    figures = [
        Figure("ownership: apply of N tags, record tags + ledger (today) vs ledger only: POSTs", size,
               float(today[1]), "POSTs", float(ledger[1]), "ledger only", "lower", extra={"failed": failed}),
        Figure("ownership: the same applies, seconds (file backend)", size, today[0], "s", ledger[0], "ledger only",
               "lower", extra={"failed": failed}),
    ]
    if postgresql is not None:
        shared = _least(runs, size, latency_ms, True, postgresql), _least(runs, size, latency_ms, False, postgresql)
        figures.append(Figure("ownership: the same applies, seconds (PostgreSQL)", size, shared[0][0], "s",
                              shared[1][0], "ledger only", "lower", extra={"failed": shared[0][2] + shared[1][2]}))
    return figures


def ledger_seconds(url: str, root: Path, size: int) -> float:
    """Seconds for `size` objects' `record_intent` + `confirm` in the backend at `url`, as an apply records them."""
    from reconciler.state import open_backend

    with open_backend(url, root) as backend:
        def record() -> None:
            for index in range(size):
                identity = ["vm", "VmInstanceVO", f"bench::{index:06d}"]
                backend.record_intent("bench", KIND, "zstack", identity, {}, None)
                backend.confirm("bench", KIND, identity, {})
        return timed(record)[0]


@contextlib.contextmanager
def private_postgresql() -> Iterator[str | None]:
    """The URL of a private PostgreSQL cluster for the block, None when PostgreSQL is not installed."""
    from tests.postgres import Cluster, make_directory, pg_bin

    try:
        pg_bin("initdb")
    except BaseException:  # noqa: BLE001 - pytest.fail's Failed: PostgreSQL is not installed
        yield None
        return
    cluster = Cluster(make_directory())
    try:
        cluster.initdb()
        cluster.start()
        yield cluster.url()
    finally:
        cluster.stop()
        shutil.rmtree(cluster.directory, ignore_errors=True)


def _ledger_figures(size: int, runs: int, postgresql: str | None) -> list[Figure]:
    """The state's cost of an apply of N objects: intent + confirm each, file backend and PostgreSQL."""
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        number = iter(range(1000))
        file_seconds = best_of(runs, lambda: ledger_seconds(f"file://{tmp}/{next(number)}", Path(tmp), size))
        figures.append(Figure("ownership: the ledger's intent + confirm of N objects, file backend", size,
                              file_seconds, "s", extra={"ms_per_object": round(1000 * file_seconds / size, 2)}))
        if postgresql is not None:
            seconds = best_of(runs, lambda: _fresh_postgresql(postgresql, Path(tmp), size))
            figures.append(Figure("ownership: the same, PostgreSQL (127.0.0.1)", size, seconds, "s", file_seconds,
                                  "file backend", "lower", extra={"ms_per_object": round(1000 * seconds / size, 2)}))
    return figures


def forget_all(url: str, root: Path) -> None:
    """Empty the benchmark's state of every ledger entry (each apply starts from none)."""
    from reconciler.state import open_backend

    with open_backend(url, root) as backend:
        backend._run("DELETE FROM ledger")


def _fresh_postgresql(url: str, root: Path, size: int) -> float:
    """`ledger_seconds` on an emptied PostgreSQL ledger."""
    forget_all(url, root)
    return ledger_seconds(url, root, size)


def ownership_figures(size: int, latency_ms: float, runs: int) -> list[Any]:
    """Every figure of the record tags against ledger-only ownership."""
    with private_postgresql() as postgresql:
        return _apply_figures(size, latency_ms, runs, postgresql) + _ledger_figures(size, runs, postgresql)
