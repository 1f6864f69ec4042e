"""Figures of `reconciler import`: N ZStack user tags, and the mixed all-platform estate.

An import reads every object of the kinds it takes, then validates and plans the files it wrote. Its reading
is held to the read floor (each list page once, with the sessions' log-ins and log-outs); its plan to the
requests `reconciler plan` of the same files sends. Its time and peak RSS, as a user runs it (the CLI, a
process of its own), are set against `reconciler plan` of the same estate, the run an import ends with.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from unittest import mock

import yaml

from .harness import PASSWORD_VARIABLE, VM, Figure, reconciler_command, run_child
from .mixed import _read_key, mixed_document

PAGE_SIZE = 1000  # the ZStack client's page, and the emulator's default limit
TAGS_KIND = "zstack_user_tag"


@contextlib.contextmanager
def chdir(directory: str) -> Iterator[None]:
    """Work in `directory` for the block (the reconciler keeps embedded state and locks under the working one)."""
    before = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


@dataclass
class ImportRun:
    """One in-process import: the requests (platform, request) of its reading and of its plan, apart; the
    seconds before its plan (reading, writing and validating the files) and of its plan; its result."""

    reading: list = field(default_factory=list)
    planning: list = field(default_factory=list)
    writing_s: float = 0.0
    plan_s: float = 0.0
    result: Any = None


def import_in_process(endpoints: str, out: str, handles: dict[str, Any], kinds: list[str]) -> ImportRun:
    """`import_platforms` once, its reading and its plan measured apart: the reading ends where the import starts
    planning what it wrote."""
    from reconciler import importer

    for handle in handles.values():
        handle.clear_requests()
    run = ImportRun()
    plan = importer.plan_run
    started = time.perf_counter()

    def planned(*args: Any, **kwargs: Any) -> Any:
        run.writing_s = time.perf_counter() - started
        run.reading.extend((name, r) for name, handle in handles.items() for r in handle.requests)
        for handle in handles.values():
            handle.clear_requests()
        return plan(*args, **kwargs)

    with mock.patch.object(importer, "plan_run", planned):
        run.result = importer.import_platforms(importer.ImportOptions([endpoints], out, kinds))
    run.plan_s = time.perf_counter() - started - run.writing_s
    run.planning = [(name, r) for name, handle in handles.items() for r in handle.requests]
    return run


def cli_figures(label: str, size: int, endpoints: str, out: str, kinds: list[str], runs: int) -> list[Figure]:
    """The import CLI's time and peak RSS against `reconciler plan` of the files it wrote (the same estate)."""
    kind_args = [arg for kind in kinds for arg in ("--kind", kind)]
    imported = [run_child(reconciler_command("import", "--endpoints", endpoints, "--out", out, *kind_args))
                for _ in range(max(1, runs))]
    files = sorted(str(path) for path in Path(out).glob("*.yml"))
    planned = [run_child(reconciler_command("plan", "--endpoints", endpoints, *files)) for _ in range(max(1, runs))]
    import_s, import_code, import_rss = min(imported)
    plan_s, plan_code, plan_rss = min(planned)
    failed = {"failed": import_code != 0 or plan_code != 0, "import_rc": import_code, "plan_rc": plan_code}
    return [
        Figure(f"{label}: import CLI", size, import_s, "s", plan_s, "plan CLI of the files it wrote", "lower", None,
               dict(failed, peak_rss_mib=import_rss)),
        Figure(f"{label}: import CLI, peak RSS", size, float(import_rss), "MiB", float(plan_rss),
               "plan CLI of the files it wrote", "lower", None, failed),
    ]


def request_figures(label: str, size: int, run: ImportRun, floors: tuple[float, float],
                    floor_names: tuple[str, str]) -> list[Figure]:
    """The requests of the reading and of the plan of an import, each against its floor; the time it takes before
    its plan against the plan's."""
    rows = []
    for (phase, requests), floor, floor_name in zip((("reading", run.reading), ("its plan", run.planning)), floors,
                                                    floor_names, strict=True):
        distinct = Counter(_read_key(name, r) for name, r in requests)
        extra = {"requests_per_platform": dict(Counter(name for name, _r in requests)),
                 "reads_sent_again": {" ".join(str(part) for part in key[:3] + key[4:5]): count - 1
                                      for key, count in distinct.items() if count > 1}}
        rows.append(Figure(f"{label}: import, HTTP requests of {phase}", size, float(len(requests)), "requests", floor,
                           floor_name, "lower", 1.0, extra))
    result = run.result
    rows[0].extra.update(entries=result.entries, kinds=result.kinds, problems=len(result.problems),
                         failed=bool(result.problems) or result.plan is None or bool(result.changes))
    rows.append(Figure(f"{label}: import in-process, reading, writing and validating the files", size, run.writing_s,
                       "s", run.plan_s, "its plan of the files it wrote", "lower"))
    return rows


def distinct_reads(requests: list) -> float:
    """How many distinct reads `requests` (platform, request) hold: the floor when each is needed once."""
    return float(len({_read_key(name, r) for name, r in requests}))


def write_endpoints(path: Path, endpoints: dict[str, dict[str, Any]]) -> str:
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return str(path)


def import_tags(size: int, latency_ms: float, runs: int) -> list[Figure]:
    """An import of `size` ZStack user tags (made in the emulator's state, not through its API): its reading
    against the floor (a login, a `QueryUserTag` page per 1,000 tags, the page after a full one, a logout), its
    plan against `reconciler plan` of the file it wrote, its time and peak RSS against that plan's."""
    from .figures import _emulator

    os.environ.setdefault(PASSWORD_VARIABLE, "password")
    label = "import of ZStack user tags"
    with _emulator(latency_ms) as handle, tempfile.TemporaryDirectory() as tmp, chdir(tmp):
        for index in range(size):
            handle.app.state.tagging.create_tag("User", "VmInstanceVO", VM, f"bench::{index:06d}")
        endpoints = write_endpoints(Path(tmp) / "endpoints.yml", {"zstack": {
            "url": handle.url, "username": "admin", "password": {"env": PASSWORD_VARIABLE}}})
        out = str(Path(tmp) / "imported")
        handles = {"zstack": handle}
        run = import_in_process(endpoints, out, handles, [TAGS_KIND])
        pages = size // PAGE_SIZE + 1  # a page that comes back full is followed by one more, which may be empty
        rows = request_figures(label, size, run, (2.0 + pages, 3.0 + pages),
                               ("floor: login + pages of the tags + logout",
                                "floor: login + pages of the tags + a page of the owner's records + logout"))
        rows += cli_figures(label, size, endpoints, out, [TAGS_KIND], runs)
    return rows


def import_mixed(clusters: int, latency_ms: float, runs: int) -> list[Figure]:
    """An import of every kind of every platform, the estate the all-platform example applies with `clusters`
    more OpenDCP clusters (a service each): its reading against the floor (each distinct read once, log-ins
    and log-outs), its plan against `reconciler plan` of the files it wrote, its time and peak RSS against
    that plan's."""
    from reconciler.api import Options, reconcile
    from tests.contract.platforms import endpoint
    from tests.integration.test_all_platforms_faults import desired_file, five_platforms

    label = "import of the mixed estate"
    with five_platforms(latency_ms=latency_ms) as handles, tempfile.TemporaryDirectory() as tmp, chdir(tmp):
        applied = reconcile(Options([desired_file(Path(tmp) / "mixed.yml", mixed_document(clusters), handles)],
                                    apply=True, lock=False))
        assert not applied.failed, "the mixed estate could not be applied"
        endpoints = write_endpoints(Path(tmp) / "endpoints.yml",
                                    {name: endpoint(name, handle.url) for name, handle in handles.items()})
        out = str(Path(tmp) / "imported")
        run = import_in_process(endpoints, out, handles, [])
        floor_name = "floor: each distinct read once, log-ins and log-outs"
        rows = request_figures(label, clusters, run, (distinct_reads(run.reading), distinct_reads(run.planning)),
                               (floor_name, floor_name))
        rows += cli_figures(label, clusters, endpoints, out, [], runs)
    return rows


def import_figures(tags: int, clusters: int, latency_ms: float, runs: int) -> list[Figure]:
    """Both imports' figures: `tags` ZStack user tags, and the mixed estate with `clusters` OpenDCP clusters."""
    return import_tags(tags, latency_ms, runs) + import_mixed(clusters, latency_ms, runs)
