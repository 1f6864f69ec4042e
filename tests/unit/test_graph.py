"""The per-resource graph: ordering by entry, concurrency across kinds, contained failures, cycles."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.client_base import Client
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec

from reconciler import executor, planner
from reconciler.desired import Entry, checks, model
from reconciler.graph import Graph, entry_graph

CALLS: list[tuple[str, str, str]] = []
LOCK = threading.Lock()


class FakeSpec(ResourceSpec):
    """A kind kept in memory; `fail` names entries whose write fails, `barrier` makes writes meet."""

    identity = ("name",)
    result_key = "thing"

    def __init__(self, kind, platform, parent=None, prerequisites=()):
        self.kind = kind
        self.platform = platform
        self.prerequisites = prerequisites
        self.fields = {"name": Field("str", required=True), "size": Field("int")}
        if parent:
            self.fields["parent"] = Field("str", reference=parent)
        self.store: dict[str, dict] = {}
        self.fail: set[str] = set()
        self.barrier: threading.Barrier | None = None

    def read(self, client, desired):
        return self.store.get(desired["name"])

    def _write(self, verb, name):
        with LOCK:
            CALLS.append((verb, self.kind, name))
        if self.barrier is not None:
            self.barrier.wait()
        if name in self.fail:
            raise ApiError(f"{self.kind} {name} refused", "POST", "/" + self.kind, 400, code="E1")

    def create(self, client, desired):
        self._write("create", desired["name"])
        self.store[desired["name"]] = {"name": desired["name"], "size": desired.get("size")}
        return self.store[desired["name"]]

    def delete(self, client, live):
        self._write("delete", live["name"])
        del self.store[live["name"]]


@pytest.fixture
def kinds(monkeypatch):
    CALLS.clear()
    specs = {
        "cluster": FakeSpec("cluster", "a"),
        "service": FakeSpec("service", "a", parent="cluster"),
        "license": FakeSpec("license", "b"),
        "task": FakeSpec("task", "b", prerequisites=("license",)),
        "tag": FakeSpec("tag", "c"),
    }
    for module in (model, checks, planner, executor):
        monkeypatch.setattr(module, "kinds", lambda: specs)
    return specs


def entries(*items):
    return [Entry(kind, data, "site.yml", line) for line, (kind, data) in enumerate(items, start=1)]


def fake_client():
    """A platform client whose HTTP layer has written nothing."""
    return Client(SimpleNamespace(thread_write_count=0))


def session():
    return SimpleNamespace(client=lambda platform: fake_client(), redact=lambda text: text,
                           unreachable=lambda platform, error: None)


def plan_of(specs, items):
    changes = []
    for entry in items:
        spec = specs[entry.kind]
        desired = spec.normalize(entry.data)
        changes.append(planner.PlannedChange(entry, spec.plan(desired, spec.read(None, desired))))
    return planner.Plan(changes)


def test_independent_kinds_on_two_platforms_run_at_the_same_time(kinds):
    barrier = threading.Barrier(2, timeout=30)
    kinds["cluster"].barrier = kinds["tag"].barrier = barrier
    report = executor.apply_plan(plan_of(kinds, entries(("cluster", {"name": "c1"}), ("tag", {"name": "t1"}))),
                                 session(), concurrency=2)
    assert [o.status for o in report.outcomes] == ["done", "done"] and not barrier.broken


def test_a_failed_entry_skips_only_its_dependants_and_names_the_cause(kinds):
    kinds["cluster"].fail = {"bad"}
    items = entries(("cluster", {"name": "bad"}), ("cluster", {"name": "good"}),
                    ("service", {"name": "s-bad", "parent": "bad"}), ("service", {"name": "s-good", "parent": "good"}),
                    ("tag", {"name": "t"}))
    report = executor.apply_plan(plan_of(kinds, items), session(), concurrency=1)
    status = {o.planned.entry.data["name"]: o for o in report.outcomes}
    assert {name: o.status for name, o in status.items()} == {
        "bad": "failed", "good": "done", "s-bad": "skipped", "s-good": "done", "t": "done"}
    assert status["s-bad"].error == ("skipped because cluster[name=bad] (site.yml:1) failed: POST /cluster: HTTP 400: "
                                     "code E1: cluster bad refused")
    assert ("create", "service", "s-bad") not in CALLS
    assert CALLS.index(("create", "cluster", "good")) < CALLS.index(("create", "service", "s-good"))


def test_a_skip_is_transitive_and_still_names_the_first_failure(kinds):
    kinds["license"].fail = {"lic"}
    items = entries(("task", {"name": "t1"}), ("license", {"name": "lic"}), ("task", {"name": "t2"}))
    report = executor.apply_plan(plan_of(kinds, items), session(), concurrency=4)
    assert [(o.planned.entry.data["name"], o.status) for o in report.outcomes] == [
        ("lic", "failed"), ("t1", "skipped"), ("t2", "skipped")]
    assert all("license[name=lic] (site.yml:2) failed" in o.error for o in report.outcomes[1:])


def test_a_prerequisite_runs_first_so_the_tasks_succeed_in_one_run(kinds):
    items = entries(("task", {"name": "t1"}), ("task", {"name": "t2"}), ("license", {"name": "lic"}))
    report = executor.apply_plan(plan_of(kinds, items), session(), concurrency=4)
    assert [o.status for o in report.outcomes] == ["done"] * 3 and CALLS[0] == ("create", "license", "lic")


def test_deletes_run_children_first_and_a_failed_child_delete_keeps_its_parent(kinds):
    kinds["cluster"].store = {"c1": {"name": "c1"}, "c2": {"name": "c2"}}
    kinds["service"].store = {"s1": {"name": "s1"}, "s2": {"name": "s2"}}
    kinds["service"].fail = {"s2"}
    items = entries(("cluster", {"name": "c1", "state": "absent"}), ("cluster", {"name": "c2", "state": "absent"}),
                    ("service", {"name": "s1", "parent": "c1", "state": "absent"}),
                    ("service", {"name": "s2", "parent": "c2", "state": "absent"}))
    plan = plan_of(kinds, items)
    assert [c.entry.data["name"] for c in plan.pending] == ["s2", "s1", "c2", "c1"]
    report = executor.apply_plan(plan, session(), concurrency=1)
    status = {o.planned.entry.data["name"]: o.status for o in report.outcomes}
    assert status == {"s1": "done", "s2": "failed", "c1": "done", "c2": "skipped"}
    assert CALLS.index(("delete", "service", "s1")) < CALLS.index(("delete", "cluster", "c1"))
    assert "c2" in kinds["cluster"].store


def test_the_plan_lists_what_each_change_waits_for(kinds):
    items = entries(("service", {"name": "s", "parent": "c"}), ("cluster", {"name": "c"}))
    data = plan_of(kinds, items).as_dict()
    assert [c["identity"]["name"] for c in data["changes"]] == ["c", "s"]
    assert data["changes"][1]["depends_on"] == ["cluster[name=c]"] and "depends_on" not in data["changes"][0]


def test_a_cycle_is_a_validation_error_naming_each_entry_with_its_line(kinds):
    kinds["cluster"].fields["parent"] = Field("str", reference="service")
    items = entries(("cluster", {"name": "c", "parent": "s"}), ("service", {"name": "s", "parent": "c"}),
                    ("tag", {"name": "t"}))
    assert checks.check_cycles(items, entry_graph(items, kinds)) == [
        "site.yml:1: dependency cycle: cluster[name=c] (site.yml:1) -> service[name=s] (site.yml:2) -> "
        "cluster[name=c]"]


def test_graph_cycles_and_order():
    graph = Graph(5)
    for item, dependency in [(1, 0), (2, 1), (3, 4), (4, 3)]:
        graph.add(item, dependency)
    assert graph.cycles() == [[3, 4]]
    assert graph.order()[:3] == [0, 1, 2]


class _Written(FakeSpec):
    """Writes to the platform, then fails: a replace whose delete went through and whose create did not."""

    def create(self, client, desired):
        client.http.thread_write_count += 1
        raise ApiError("quota exceeded", "POST", "/thing", 400, code="Q1")


def test_a_change_that_wrote_before_it_failed_reports_that_it_changed_something(kinds, monkeypatch):
    kinds["tag"] = _Written("tag", "c")
    client = fake_client()
    report = executor.apply_plan(plan_of(kinds, entries(("tag", {"name": "t"}))),
                                 SimpleNamespace(client=lambda platform: client, redact=lambda text: text,
                                                 unreachable=lambda platform, error: None), 1)
    (outcome,) = report.outcomes
    assert outcome.status == "failed" and outcome.wrote is True and outcome.as_dict()["changed"] is True
